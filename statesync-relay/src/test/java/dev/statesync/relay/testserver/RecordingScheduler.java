package dev.statesync.relay.testserver;

import dev.statesync.core.Cancellable;
import dev.statesync.core.TaskScheduler;
import dev.statesync.core.TimeSource;
import dev.statesync.core.testing.VirtualTime;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A {@link VirtualTime} that also records the delay of every task scheduled on it, so a test can
 * read the backoff a component chose and then advance exactly that far. Waiting for a task to be
 * scheduled (by an HTTP callback thread) is a bounded wait on this object's monitor.
 */
public final class RecordingScheduler implements TaskScheduler, TimeSource {
  private final VirtualTime time = new VirtualTime();
  private final List<Long> delaysMillis = new ArrayList<>();

  @Override
  public Cancellable schedule(Runnable task, long delay, TimeUnit unit) {
    Cancellable c = time.schedule(task, delay, unit);
    synchronized (this) {
      delaysMillis.add(unit.toMillis(delay));
      notifyAll();
    }
    return c;
  }

  @Override
  public long nanoTime() {
    return time.nanoTime();
  }

  @Override
  public long currentTimeMillis() {
    return time.currentTimeMillis();
  }

  /** Returns the virtual clock, to advance it. */
  public VirtualTime time() {
    return time;
  }

  /** Returns every delay scheduled so far, in ms. */
  public synchronized List<Long> delays() {
    return List.copyOf(delaysMillis);
  }

  /** Waits (bounded by {@code timeout}) until {@code count} tasks have been scheduled; returns the last delay. */
  public synchronized long awaitScheduled(int count, Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (delaysMillis.size() < count) {
      long left = deadline - System.nanoTime();
      if (left <= 0) {
        throw new AssertionError(
            "timed out waiting for scheduled task #" + count + "; delays so far " + delaysMillis);
      }
      try {
        wait(Math.max(1, TimeUnit.NANOSECONDS.toMillis(left)));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new AssertionError(e);
      }
    }
    return delaysMillis.get(count - 1);
  }
}
