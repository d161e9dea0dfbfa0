package dev.statesync.core;

import java.util.concurrent.TimeUnit;

/**
 * Runs a task after a delay measured on monotonic time. The library only ever schedules short
 * tasks that hand work to a serial context; they must not block. Implementations are thread-safe.
 */
@FunctionalInterface
public interface TaskScheduler {
  /**
   * Runs {@code task} once, after {@code delay}.
   *
   * @return a handle that cancels the task if it has not run yet
   */
  Cancellable schedule(Runnable task, long delay, TimeUnit unit);

  /** Returns the shared scheduler: one daemon thread, {@code statesync-timer}. */
  static TaskScheduler shared() {
    return SystemTime.INSTANCE;
  }
}
