package dev.statesync.core;

import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Function;

/**
 * The role that connects a handle to a stream of invalidations (SSE, a database listener, a host
 * channel). The engine calls {@link #subscribe} once per start attempt, in its serial context, and
 * calls {@link Subscription#unsubscribe()} on the result at most once.
 */
@FunctionalInterface
public interface InvalidationSubscriber {
  /**
   * Begins delivering events to {@code sink}. The stage completes once the subscription is live;
   * a failed stage (or a synchronous throw) fails the start attempt with that exception.
   */
  CompletionStage<Subscription> subscribe(InvalidationSink sink);

  /** Adapts a synchronous subscribe function. A throw fails the start attempt. */
  static InvalidationSubscriber of(Function<InvalidationSink, Subscription> subscribe) {
    Objects.requireNonNull(subscribe, "subscribe");
    return sink -> CompletableFuture.completedFuture(subscribe.apply(sink));
  }

  /** A subscriber that delivers nothing: for handles driven only by {@code refresh} and {@code offer}. */
  static InvalidationSubscriber none() {
    return sink -> CompletableFuture.completedFuture(() -> { });
  }
}
