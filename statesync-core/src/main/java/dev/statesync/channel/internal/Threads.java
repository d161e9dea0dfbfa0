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
    TIMER = new ScheduledThreadPoolExecutor(1, r -> new LibraryThread(r, "statesync-timer"));
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
    Thread t = new LibraryThread(r, name);
    t.start();
    return t;
  }

  /**
   * Whether the calling thread may write to a socket directly: only the library's own threads
   * (the I/O thread, the timer, the lock and shutdown threads), which nobody interrupts. An
   * interrupt during an operation on a {@code SocketChannel} closes the channel, so a user's
   * thread, or a dispatch thread running user code, hands its frames to the I/O thread instead:
   * interrupting a posting thread must never cost a connection (AC-CHAN-28).
   */
  static boolean maySocketIo() {
    return Thread.currentThread() instanceof LibraryThread;
  }

  /** A daemon thread that runs only library code and is never interrupted. */
  static class LibraryThread extends Thread {
    LibraryThread(Runnable r, String name) {
      super(r, name);
      setDaemon(true);
    }
  }
}
