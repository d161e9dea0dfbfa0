package dev.statesync.channel.internal;

import dev.statesync.channel.ChannelRuntime;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.CancelledKeyException;
import java.nio.channels.SelectableChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.util.ArrayDeque;
import java.util.Iterator;
import java.util.concurrent.TimeUnit;

/**
 * The JVM's one selector thread, {@code statesync-io}, for every group (CHAN-58): it accepts
 * follower connections at hubs, reads and decodes every socket, finishes writes that did not fit
 * into a socket buffer at once, and runs the follower links' connect attempts. It never runs user
 * code: deliveries are queued on the instances' dispatchers.
 *
 * <p>Other threads hand it work with {@link #execute}, which queues the task and wakes the
 * selector. The thread is a daemon, started on first use; it ends by itself after it has had no
 * channel registered and no task for {@link #IDLE_EXIT_NANOS}, and the next {@link #execute}
 * starts a new one, so that an application that closed every channel keeps no library thread
 * but the shared pools. Tasks are queued and the end is decided under the class monitor, so no
 * task is ever lost to a thread that is ending.
 */
final class IoLoop {
  /** The I/O thread's name. */
  static final String THREAD_NAME = "statesync-io";
  private static final long IDLE_EXIT_NANOS = TimeUnit.MILLISECONDS.toNanos(500);

  /** What a registered channel does when it is ready; called on the I/O thread only. */
  interface Handler {
    /** The key is ready for the operations in {@code readyOps}. */
    void ready(SelectionKey key, int readyOps);

    /** {@link #ready} threw: a bug. Ends the channel's use; by default closes it. */
    default void failed(SelectionKey key) {
      close(key.channel(), key);
    }
  }

  // Guarded by IoLoop.class.
  private static IoLoop current;

  private final Selector selector;
  private final Thread thread;
  private final ArrayDeque<Runnable> tasks = new ArrayDeque<>(); // guarded by IoLoop.class
  /** One read buffer for every socket: only the I/O thread reads. */
  final ByteBuffer readBuffer = ByteBuffer.allocateDirect(64 * 1024);

  private IoLoop() throws IOException {
    selector = Selector.open();
    thread = new IoThread(this);
  }

  /** The I/O thread; its type tells {@link #inLoop} apart from every other thread. */
  private static final class IoThread extends Threads.LibraryThread {
    final IoLoop loop;

    IoThread(IoLoop loop) {
      super(loop::run, THREAD_NAME);
      this.loop = loop;
    }
  }

  /** Queues a task for the I/O thread, starting the thread when none runs. */
  static void execute(Runnable task) {
    IoLoop loop;
    boolean wake;
    synchronized (IoLoop.class) {
      loop = current;
      if (loop == null) {
        try {
          loop = new IoLoop();
        } catch (IOException e) {
          throw new dev.statesync.channel.ChannelFileSystemException("cannot open a selector for "
              + "the statesync I/O thread: " + e, e);
        }
        current = loop;
        loop.thread.start();
      }
      wake = loop.tasks.isEmpty();
      loop.tasks.add(task);
    }
    if (wake && Thread.currentThread() != loop.thread) {
      loop.selector.wakeup();
    }
  }

  /** Whether the calling thread is the I/O thread. */
  static boolean inLoop() {
    return Thread.currentThread() instanceof IoThread;
  }

  /** The loop running the calling task or handler; I/O thread only. */
  static IoLoop here() {
    if (!(Thread.currentThread() instanceof IoThread)) {
      throw new IllegalStateException("not on the statesync I/O thread");
    }
    return ((IoThread) Thread.currentThread()).loop;
  }

  /** Registers a channel, switching it to non-blocking mode. I/O thread only. */
  SelectionKey register(SelectableChannel ch, int ops, Handler h) throws IOException {
    ch.configureBlocking(false);
    return ch.register(selector, ops, h);
  }

  /**
   * Changes a key's interest set from any thread; the selector is woken so the change applies
   * now. A cancelled key is ignored: its owner is closing.
   */
  static void interest(SelectionKey key, int ops) {
    try {
      if (key.interestOps() == ops) {
        return;
      }
      key.interestOps(ops);
    } catch (CancelledKeyException e) {
      return;
    }
    if (inLoop()) {
      return; // Applied at the next select, which this thread is about to do.
    }
    key.selector().wakeup();
  }

  /**
   * Closes a channel from any thread. A registered channel's descriptor is released only when
   * its key leaves the selector, so the selector is woken to do that at once: the peer must see
   * EOF now (a follower learns of a departure that way, CHAN-49).
   */
  static void close(SelectableChannel ch, SelectionKey key) {
    if (ch == null) {
      return;
    }
    try {
      ch.close();
    } catch (IOException ignored) {
      // Best effort: the peer sees EOF either way.
    }
    if (key != null && !inLoop()) {
      key.selector().wakeup();
    } else if (key == null && !inLoop()) {
      wakeupCurrent(); // It may have been registered by a task that ran after the caller looked.
    }
  }

  private static void wakeupCurrent() {
    IoLoop loop;
    synchronized (IoLoop.class) {
      loop = current;
    }
    if (loop != null) {
      loop.selector.wakeup();
    }
  }

  private void run() {
    long idleSince = 0;
    while (true) {
      try {
        selector.select(TimeUnit.NANOSECONDS.toMillis(IDLE_EXIT_NANOS));
      } catch (IOException e) {
        ChannelRuntime.defaultLogger().error("the statesync I/O thread's selector failed",
            java.util.Map.of("error", e));
      }
      Iterator<SelectionKey> it = selector.selectedKeys().iterator();
      while (it.hasNext()) {
        SelectionKey k = it.next();
        it.remove();
        try {
          int ready = k.readyOps();
          ((Handler) k.attachment()).ready(k, ready);
        } catch (CancelledKeyException e) {
          // Closed by its owner meanwhile.
        } catch (RuntimeException | Error e) {
          bug(e);
          try {
            ((Handler) k.attachment()).failed(k);
          } catch (RuntimeException | Error e2) {
            bug(e2);
          }
        }
      }
      runTasks();
      boolean idle = selector.keys().isEmpty();
      if (!idle) {
        idleSince = 0;
        continue;
      }
      long now = System.nanoTime();
      if (idleSince == 0) {
        idleSince = now;
        continue;
      }
      if (now - idleSince < IDLE_EXIT_NANOS) {
        continue;
      }
      synchronized (IoLoop.class) {
        if (tasks.isEmpty() && selector.keys().isEmpty()) {
          current = null;
          break;
        }
      }
    }
    try {
      selector.close();
    } catch (IOException ignored) {
      // Nothing is registered any more.
    }
  }

  /**
   * An exception escaped library code: reported to the thread's uncaught-exception handler, as if
   * the thread had died of it (tests watch for that), while the thread goes on serving the other
   * channels.
   */
  private static void bug(Throwable e) {
    Thread t = Thread.currentThread();
    try {
      t.getUncaughtExceptionHandler().uncaughtException(t, e);
    } catch (RuntimeException ignored) {
      // A failing handler must not end the I/O thread either.
    }
  }

  private void runTasks() {
    while (true) {
      Runnable r;
      synchronized (IoLoop.class) {
        r = tasks.poll();
      }
      if (r == null) {
        return;
      }
      try {
        r.run();
      } catch (RuntimeException | Error e) {
        bug(e);
      }
    }
  }
}
