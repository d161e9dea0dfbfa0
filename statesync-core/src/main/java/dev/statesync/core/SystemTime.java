package dev.statesync.core;

import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/** The system clocks and the shared {@code statesync-timer} scheduler. */
final class SystemTime implements TimeSource, TaskScheduler {
  static final SystemTime INSTANCE = new SystemTime();

  private static final class TimerHolder {
    static final ScheduledThreadPoolExecutor TIMER = createTimer();

    private static ScheduledThreadPoolExecutor createTimer() {
      ScheduledThreadPoolExecutor timer = new ScheduledThreadPoolExecutor(1, task -> {
        Thread t = new Thread(task, "statesync-timer");
        t.setDaemon(true);
        return t;
      });
      // Cancelled timers (most throttle and timeout timers) must not pile up until their due time.
      timer.setRemoveOnCancelPolicy(true);
      return timer;
    }
  }

  private SystemTime() {}

  @Override
  public long nanoTime() {
    return System.nanoTime();
  }

  @Override
  public long currentTimeMillis() {
    return System.currentTimeMillis();
  }

  @Override
  public Cancellable schedule(Runnable task, long delay, TimeUnit unit) {
    ScheduledFuture<?> f = TimerHolder.TIMER.schedule(task, delay, unit);
    return () -> f.cancel(false);
  }
}
