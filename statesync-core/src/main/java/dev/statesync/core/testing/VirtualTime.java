package dev.statesync.core.testing;

import dev.statesync.core.Cancellable;
import dev.statesync.core.TaskScheduler;
import dev.statesync.core.TimeSource;
import java.time.Duration;
import java.util.Objects;
import java.util.PriorityQueue;
import java.util.concurrent.TimeUnit;

/**
 * A manual clock and scheduler for tests: a {@link TimeSource} and {@link TaskScheduler} whose
 * time moves only when the test says so. Pass the same instance as both the time source and the
 * scheduler of a sync (with executor {@code Runnable::run}) and its behaviour is deterministic.
 *
 * <p><b>Monotonic time.</b> {@link #nanoTime()} starts at 0 and moves only through
 * {@link #advance(Duration)}, {@link #advanceMs(long)}, {@link #advanceTo(long)} and
 * {@link #runDueTasks()}. These run every task that falls due up to the target time, in order of
 * due time and, for equal due times, in scheduling order. Tasks scheduled by a running task are
 * included if they fall due inside the interval. While a task runs, {@link #nanoTime()} reads that
 * task's due time; when the call returns it reads the target time.
 *
 * <p><b>Delay 0.</b> A task scheduled with a delay of 0 (or a negative delay) is due at the current
 * time. It never runs inside {@link #schedule}; it runs on the next advance, including
 * {@code advance(Duration.ZERO)} or {@link #runDueTasks()}.
 *
 * <p><b>Wall clock.</b> {@link #currentTimeMillis()} returns the value last set with
 * {@link #setWallClock(long)}, 0 until then. It is independent of the monotonic clock: advancing
 * does not move it and setting it does not move monotonic time, which lets a test jump the wall
 * clock (even backwards) to show that timing does not depend on it.
 *
 * <p><b>Threads.</b> All methods are thread-safe: tasks may be scheduled and cancelled from any
 * thread. Due tasks run on the thread that calls an advance method, without any lock held, so they
 * may call back into this instance. Advance from one thread at a time; advancing from inside a
 * task is not supported.
 *
 * <p><b>Failures.</b> If a task throws, the advance stops and rethrows it; the clock stays at that
 * task's due time and later tasks remain scheduled, so a further advance continues from there.
 */
public final class VirtualTime implements TimeSource, TaskScheduler {
  private final Object lock = new Object();
  private final PriorityQueue<Task> queue = new PriorityQueue<>();
  private long nowNanos;
  private long wallMillis;
  private long nextSeq;

  /** Creates a clock at monotonic time 0 and wall time 0, with no tasks scheduled. */
  public VirtualTime() {}

  /** Returns the current virtual monotonic time in nanoseconds, starting at 0. */
  @Override
  public long nanoTime() {
    synchronized (lock) {
      return nowNanos;
    }
  }

  /** Returns the wall clock set by {@link #setWallClock(long)}, 0 until it is set. */
  @Override
  public long currentTimeMillis() {
    synchronized (lock) {
      return wallMillis;
    }
  }

  /** Sets the wall clock in epoch milliseconds; monotonic time and scheduled tasks are unaffected. */
  public void setWallClock(long epochMillis) {
    synchronized (lock) {
      wallMillis = epochMillis;
    }
  }

  /**
   * Schedules {@code task} to run when virtual time reaches now + {@code delay}. A delay of 0 or
   * less makes it due now; it still runs only on the next advance, never inside this call.
   *
   * @return a handle whose idempotent {@link Cancellable#cancel()} removes the task if it has not
   *     started yet
   * @throws NullPointerException if {@code task} or {@code unit} is null
   */
  @Override
  public Cancellable schedule(Runnable task, long delay, TimeUnit unit) {
    Objects.requireNonNull(task, "task");
    Objects.requireNonNull(unit, "unit");
    long delayNanos = Math.max(0, unit.toNanos(delay));
    synchronized (lock) {
      long due = saturatingAdd(nowNanos, delayNanos);
      Task t = new Task(task, due, nextSeq++);
      queue.add(t);
      return t;
    }
  }

  /**
   * Moves time forward by {@code duration}, running every task due up to the new time.
   *
   * @throws IllegalArgumentException if {@code duration} is negative
   */
  public void advance(Duration duration) {
    Objects.requireNonNull(duration, "duration");
    if (duration.isNegative()) {
      throw new IllegalArgumentException("duration must not be negative, was " + duration);
    }
    long nanos;
    try {
      nanos = duration.toNanos();
    } catch (ArithmeticException e) {
      nanos = Long.MAX_VALUE;
    }
    advanceBy(nanos);
  }

  /**
   * Moves time forward by {@code millis} milliseconds, running every task due up to the new time.
   *
   * @throws IllegalArgumentException if {@code millis} is negative
   */
  public void advanceMs(long millis) {
    if (millis < 0) {
      throw new IllegalArgumentException("millis must be >= 0, was " + millis);
    }
    advanceBy(TimeUnit.MILLISECONDS.toNanos(millis));
  }

  /**
   * Moves time to {@code targetNanos}, running every task due up to it.
   *
   * @throws IllegalArgumentException if {@code targetNanos} is before the current time
   */
  public void advanceTo(long targetNanos) {
    synchronized (lock) {
      if (targetNanos < nowNanos) {
        throw new IllegalArgumentException(
            "targetNanos must be >= the current time " + nowNanos + ", was " + targetNanos);
      }
    }
    runUntil(targetNanos);
  }

  /** Runs every task that is due at the current time without moving the clock. */
  public void runDueTasks() {
    advanceBy(0);
  }

  /** Returns the number of tasks scheduled and neither cancelled nor started. */
  public int pendingTasks() {
    synchronized (lock) {
      return queue.size();
    }
  }

  private void advanceBy(long nanos) {
    long target;
    synchronized (lock) {
      target = saturatingAdd(nowNanos, nanos);
    }
    runUntil(target);
  }

  private void runUntil(long target) {
    while (true) {
      Task next;
      synchronized (lock) {
        next = queue.peek();
        if (next == null || next.due > target) {
          nowNanos = Math.max(nowNanos, target);
          return;
        }
        queue.poll();
        next.started = true;
        nowNanos = next.due;
      }
      // Run outside the lock so that the task may schedule, cancel and read the clock.
      next.runnable.run();
    }
  }

  @Override
  public String toString() {
    synchronized (lock) {
      return "VirtualTime{nanoTime=" + nowNanos + ", wallMillis=" + wallMillis
          + ", pendingTasks=" + queue.size() + '}';
    }
  }

  private static long saturatingAdd(long a, long b) {
    long r = a + b;
    return ((a ^ r) & (b ^ r)) < 0 ? Long.MAX_VALUE : r;
  }

  private final class Task implements Cancellable, Comparable<Task> {
    final Runnable runnable;
    final long due;
    final long seq;
    boolean started; // guarded by lock

    Task(Runnable runnable, long due, long seq) {
      this.runnable = runnable;
      this.due = due;
      this.seq = seq;
    }

    @Override
    public void cancel() {
      synchronized (lock) {
        if (!started) {
          queue.remove(this);
        }
      }
    }

    @Override
    public int compareTo(Task o) {
      int c = Long.compare(due, o.due);
      return c != 0 ? c : Long.compare(seq, o.seq);
    }
  }
}
