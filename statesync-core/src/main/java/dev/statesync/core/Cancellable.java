package dev.statesync.core;

/** A scheduled task that can be cancelled. {@link #cancel()} is idempotent and thread-safe. */
@FunctionalInterface
public interface Cancellable {
  /** Cancels the task if it has not run yet; does nothing otherwise. */
  void cancel();
}
