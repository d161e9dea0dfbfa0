package dev.statesync.channel.internal;

import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;

/** The library's shared daemon threads: the timer and the default dispatch pool. */
public final class Threads {
  private Threads() {}

  private static final ScheduledThreadPoolExecutor TIMER;
  private static final ExecutorService DISPATCH;

  static {
    TIMER = new ScheduledThreadPoolExecutor(1, factory("statesync-timer", false));
    TIMER.setRemoveOnCancelPolicy(true);
    DISPATCH = Executors.newCachedThreadPool(factory("statesync-dispatch-", true));
  }

  private static ThreadFactory factory(String name, boolean numbered) {
    AtomicInteger n = new AtomicInteger();
    return r -> {
      Thread t = new Thread(r, numbered ? name + n.incrementAndGet() : name);
      t.setDaemon(true);
      return t;
    };
  }

  /** The shared timer; tasks must be short and must not run user code. */
  static ScheduledExecutorService timer() {
    return TIMER;
  }

  /** The default listener executor: a cached pool of daemon threads. */
  public static ExecutorService dispatchPool() {
    return DISPATCH;
  }

  /** Starts a named daemon thread. */
  static Thread start(String name, Runnable r) {
    Thread t = new Thread(r, name);
    t.setDaemon(true);
    t.start();
    return t;
  }
}
