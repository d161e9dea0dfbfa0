package dev.statesync.channel.internal;

import java.util.ArrayDeque;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * One instance's serial dispatch queue: callbacks run one at a time, in enqueue order, on the
 * user's executor. Message events are bounded; on overflow the queued messages are discarded and
 * a single overflow event is queued instead, so a slow listener never blocks the socket reader.
 */
public final class Dispatcher {
  private final Executor executor;
  private final int maxMessages;
  private final long maxBytes;
  private final Runnable overflowEvent;
  private final ArrayDeque<Event> queue = new ArrayDeque<>();
  private int queuedMessages;
  private long queuedBytes;
  private boolean scheduled;
  private boolean closed;
  private boolean overflowPending;
  private Thread running;
  private final Log log;

  private record Event(Runnable task, boolean message, long bytes) {}

  /**
   * Creates a dispatcher.
   *
   * @param overflowEvent queued once in place of the discarded messages when the bounds overflow
   */
  public Dispatcher(Executor executor, int maxMessages, long maxBytes, Runnable overflowEvent,
      Log log) {
    this.executor = executor;
    this.log = log;
    this.maxMessages = maxMessages;
    this.maxBytes = maxBytes;
    this.overflowEvent = overflowEvent;
  }

  /**
   * Queues a message callback. Returns false when this call overflowed the queue and started a
   * new overflow episode (the caller logs once per episode); true otherwise, including for
   * messages discarded while an episode's signal is still pending.
   */
  public boolean enqueueMessage(Runnable task, long bytes) {
    synchronized (this) {
      if (closed) {
        return true;
      }
      if (queuedMessages + 1 > maxMessages || queuedBytes + bytes > maxBytes) {
        queue.removeIf(Event::message);
        queuedMessages = 0;
        queuedBytes = 0;
        // One signal per episode: while the previous overflow event has not run yet, the
        // listener has not seen anything since, so a second signal would say nothing new.
        if (overflowPending) {
          return true;
        }
        overflowPending = true;
        queue.add(new Event(() -> {
          synchronized (this) {
            overflowPending = false;
          }
          overflowEvent.run();
        }, false, 0));
        scheduleLocked();
        return false;
      }
      queue.add(new Event(task, true, bytes));
      queuedMessages++;
      queuedBytes += bytes;
      scheduleLocked();
      return true;
    }
  }

  /** Queues a control callback (resync, membership, status), which is never discarded. */
  public void enqueue(Runnable task) {
    synchronized (this) {
      if (closed) {
        return;
      }
      queue.add(new Event(task, false, 0));
      scheduleLocked();
    }
  }

  private void scheduleLocked() {
    if (!scheduled) {
      scheduled = true;
      try {
        executor.execute(this::drain);
      } catch (RejectedExecutionException e) {
        scheduled = false;
        log.warn("listener executor rejected a dispatch; callbacks are delayed", e);
      }
    }
  }

  private void drain() {
    // Bounded batches keep one busy instance from monopolising a shared pool thread.
    for (int i = 0; i < 256; i++) {
      Event e;
      synchronized (this) {
        e = closed ? null : queue.poll();
        if (e == null) {
          scheduled = false;
          notifyAll();
          return;
        }
        if (e.message()) {
          queuedMessages--;
          queuedBytes -= e.bytes();
        }
        running = Thread.currentThread();
      }
      try {
        e.task().run();
      } catch (Throwable t) {
        log.warn("channel callback threw", t);
      } finally {
        synchronized (this) {
          running = null;
          notifyAll();
        }
      }
    }
    synchronized (this) {
      scheduled = false;
      if (!queue.isEmpty() && !closed) {
        scheduleLocked();
      }
    }
  }

  /** True when called from inside one of this dispatcher's callbacks. */
  public synchronized boolean onDispatchThread() {
    return running == Thread.currentThread();
  }

  /**
   * Stops dispatching. Unless called from a callback, waits (up to {@code timeoutNanos}) for a
   * running callback to return, so that no callback runs after this returns.
   */
  public void close(long timeoutNanos) {
    synchronized (this) {
      closed = true;
      queue.clear();
      if (running == Thread.currentThread()) {
        return;
      }
      long deadline = System.nanoTime() + timeoutNanos;
      while (running != null) {
        long left = deadline - System.nanoTime();
        if (left <= 0) {
          return;
        }
        try {
          TimeUnit.NANOSECONDS.timedWait(this, left);
        } catch (InterruptedException ie) {
          Thread.currentThread().interrupt();
          return;
        }
      }
    }
  }

  /** A helper: dispatches {@code value} to {@code consumer} on this queue. */
  public <T> void enqueue(Consumer<T> consumer, T value) {
    enqueue(() -> consumer.accept(value));
  }
}
