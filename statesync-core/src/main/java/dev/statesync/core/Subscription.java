package dev.statesync.core;

/**
 * A registration that can be cancelled: an upstream subscription returned by an
 * {@link InvalidationSubscriber}, or a listener registration returned by
 * {@link RevisionSyncHandle#addListener(SyncListener)}.
 */
@FunctionalInterface
public interface Subscription extends AutoCloseable {
  /**
   * Cancels the registration. The engine calls it at most once on a subscriber's subscription;
   * listener registrations may be cancelled any number of times, and only the first has an effect.
   */
  void unsubscribe();

  /** Same as {@link #unsubscribe()}, so a registration can be held in try-with-resources. */
  @Override
  default void close() {
    unsubscribe();
  }
}
