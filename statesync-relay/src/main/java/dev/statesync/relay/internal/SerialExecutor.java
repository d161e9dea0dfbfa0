package dev.statesync.relay.internal;

import dev.statesync.core.logging.Logger;
import java.util.ArrayDeque;
import java.util.Map;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Runs tasks one at a time, in submission order, on a backing executor. Used for the callbacks of
 * one relay object (RELAY-2): they never overlap and arrive in event order.
 */
public final class SerialExecutor implements Executor {
  private static final AtomicInteger THREADS = new AtomicInteger();
  private static final ExecutorService SHARED = Executors.newCachedThreadPool(r -> {
    Thread t = new Thread(r, "statesync-relay-" + THREADS.incrementAndGet());
    t.setDaemon(true);
    return t;
  });
  private static final ScheduledExecutorService TIMER =
      Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "statesync-relay-timer");
        t.setDaemon(true);
        return t;
      });

  private final Executor backing;
  private final Logger logger;
  private final ArrayDeque<Runnable> queue = new ArrayDeque<>();
  private boolean running;

  /**
   * Serializes onto {@code backing}, or onto a shared daemon pool when null; a task's exception
   * is logged to {@code logger} at WARN.
   */
  public SerialExecutor(Executor backing, Logger logger) {
    this.backing = backing == null ? SHARED : backing;
    this.logger = logger;
  }

  /** A shared daemon timer; its tasks must be short and must not block. */
  public static ScheduledExecutorService timer() {
    return TIMER;
  }

  /** A shared daemon pool for blocking reads. */
  public static Executor blockingPool() {
    return SHARED;
  }

  @Override
  public void execute(Runnable task) {
    synchronized (queue) {
      queue.add(task);
      if (running) {
        return;
      }
      running = true;
    }
    backing.execute(this::drain);
  }

  private void drain() {
    while (true) {
      Runnable next;
      synchronized (queue) {
        next = queue.poll();
        if (next == null) {
          running = false;
          return;
        }
      }
      try {
        next.run();
      } catch (RuntimeException e) {
        logger.warn("relay callback failed", Map.of("error", e));
      }
    }
  }
}
