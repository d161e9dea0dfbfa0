package dev.statesync.core.engine;

import dev.statesync.core.InvalidationSink;
import dev.statesync.core.InvalidationSubscriber;
import dev.statesync.core.Subscription;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * A subscriber that keeps the latest sink and counts subscribe calls, live subscriptions and
 * unsubscribes. By default it subscribes synchronously; {@link #holdNext()} makes the next
 * subscribe wait until {@link #release()} or {@link #failPending(Throwable)}.
 */
final class TestSubscriber implements InvalidationSubscriber {
  private volatile InvalidationSink sink;
  private int subscribes;
  private int live;
  private int unsubscribes;
  private boolean hold;
  private RuntimeException failWith;
  private CompletableFuture<Subscription> held;

  @Override
  public synchronized CompletionStage<Subscription> subscribe(InvalidationSink sink) {
    subscribes++;
    this.sink = sink;
    if (failWith != null) {
      return CompletableFuture.failedFuture(failWith);
    }
    CompletableFuture<Subscription> f = new CompletableFuture<>();
    if (hold) {
      hold = false;
      held = f;
      return f;
    }
    f.complete(newSubscription());
    return f;
  }

  private Subscription newSubscription() {
    synchronized (this) {
      live++;
    }
    return () -> {
      synchronized (TestSubscriber.this) {
        live--;
        unsubscribes++;
      }
    };
  }

  InvalidationSink sink() {
    if (sink == null) {
      throw new AssertionError("subscribe was never called");
    }
    return sink;
  }

  synchronized int subscribes() {
    return subscribes;
  }

  synchronized int live() {
    return live;
  }

  synchronized int unsubscribes() {
    return unsubscribes;
  }

  synchronized void failWith(RuntimeException error) {
    failWith = error;
  }

  synchronized void holdNext() {
    hold = true;
  }

  void release() {
    CompletableFuture<Subscription> f;
    synchronized (this) {
      f = held;
      held = null;
    }
    f.complete(newSubscription());
  }
}
