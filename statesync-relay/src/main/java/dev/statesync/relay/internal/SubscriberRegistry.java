package dev.statesync.relay.internal;

import dev.statesync.core.InvalidationSink;
import dev.statesync.core.InvalidationSubscriber;
import dev.statesync.core.Subscription;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;

/**
 * The per-JVM, reference-counted registry of shared SSE subscribers (RELAY-31): handles whose
 * subscriber settings are equal share one subscriber, and so one upstream connection. An entry
 * lives while at least one subscription made through it, or one {@code subscribe} in progress,
 * exists.
 */
public final class SubscriberRegistry {
  private static final SubscriberRegistry SHARED = new SubscriberRegistry();

  private final Map<Object, Entry> entries = new HashMap<>();

  /** Returns the JVM's registry. */
  public static SubscriberRegistry shared() {
    return SHARED;
  }

  private static final class Entry {
    final InvalidationSubscriber subscriber;
    int references;

    Entry(InvalidationSubscriber subscriber) {
      this.subscriber = subscriber;
    }
  }

  /**
   * Returns a subscriber that, on each {@code subscribe}, borrows the shared subscriber for
   * {@code key} (creating it with {@code factory} when there is none) and returns it when the
   * subscription is cancelled or the subscribe fails.
   */
  public InvalidationSubscriber lease(Object key, Supplier<InvalidationSubscriber> factory) {
    Objects.requireNonNull(key, "key");
    Objects.requireNonNull(factory, "factory");
    return sink -> subscribe(key, factory, sink);
  }

  /** Returns how many subscriptions currently hold the entry for {@code key}. */
  public int references(Object key) {
    synchronized (entries) {
      Entry e = entries.get(key);
      return e == null ? 0 : e.references;
    }
  }

  private CompletionStage<Subscription> subscribe(
      Object key, Supplier<InvalidationSubscriber> factory, InvalidationSink sink) {
    Entry entry;
    synchronized (entries) {
      entry = entries.computeIfAbsent(key, k -> new Entry(factory.get()));
      entry.references++;
    }
    CompletionStage<Subscription> stage;
    try {
      stage = entry.subscriber.subscribe(sink);
    } catch (RuntimeException e) {
      release(key, entry);
      return CompletableFuture.failedFuture(e);
    }
    CompletableFuture<Subscription> result = new CompletableFuture<>();
    stage.whenComplete(
        (subscription, error) -> {
          if (error != null) {
            release(key, entry);
            result.completeExceptionally(
                error instanceof CompletionException && error.getCause() != null
                    ? error.getCause()
                    : error);
            return;
          }
          AtomicBoolean done = new AtomicBoolean();
          result.complete(
              () -> {
                if (done.compareAndSet(false, true)) {
                  subscription.unsubscribe();
                  release(key, entry);
                }
              });
        });
    return result;
  }

  private void release(Object key, Entry entry) {
    synchronized (entries) {
      entry.references--;
      if (entry.references == 0 && entries.get(key) == entry) {
        entries.remove(key);
      }
    }
  }
}
