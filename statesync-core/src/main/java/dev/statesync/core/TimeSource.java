package dev.statesync.core;

/**
 * The clocks a handle reads. {@link #nanoTime()} is monotonic and drives every delay, window,
 * timeout and duration; {@link #currentTimeMillis()} is wall time, used only to timestamp stats,
 * events and records. Implementations are thread-safe.
 */
public interface TimeSource {
  /** Returns monotonic time in nanoseconds, with an arbitrary origin. */
  long nanoTime();

  /** Returns wall-clock time in epoch milliseconds. */
  long currentTimeMillis();

  /** Returns the system clocks ({@link System#nanoTime()}, {@link System#currentTimeMillis()}). */
  static TimeSource system() {
    return SystemTime.INSTANCE;
  }
}
