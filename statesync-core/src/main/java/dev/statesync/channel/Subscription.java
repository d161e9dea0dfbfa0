package dev.statesync.channel;

/** A listener registration. */
@FunctionalInterface
public interface Subscription extends AutoCloseable {
  /**
   * Removes the listener. Idempotent. A dispatch already running completes; no later one starts.
   */
  void unsubscribe();

  /** Same as {@link #unsubscribe()}. */
  @Override
  default void close() {
    unsubscribe();
  }
}
