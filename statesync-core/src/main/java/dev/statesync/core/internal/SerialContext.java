package dev.statesync.core.internal;

import java.util.Objects;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;

/**
 * A FIFO task queue drained by at most one thread at a time, on a given executor.
 *
 * <p>It trampolines: a task submitted while the queue is being drained (from the draining thread
 * or any other) is queued, never run recursively, so it works with {@code Runnable::run} without
 * recursion or deadlock. Tasks run with happens-before between consecutive tasks (the
 * {@code running} flag is released and acquired between drains).
 */
public final class SerialContext implements Executor {
  private static final ThreadLocal<Object> DRAINING_OWNER = new ThreadLocal<>();

  private final Executor executor;
  private final Object owner;
  private final Consumer<Throwable> onTaskFailure;
  private final Queue<Runnable> queue = new ConcurrentLinkedQueue<>();
  private final AtomicBoolean running = new AtomicBoolean();

  /**
   * Creates a serial context.
   *
   * @param executor where drains run
   * @param owner the object reported by {@link #isDrainingFor(Object)} while a drain runs
   * @param onTaskFailure receives anything a task throws; the drain carries on
   */
  public SerialContext(Executor executor, Object owner, Consumer<Throwable> onTaskFailure) {
    this.executor = Objects.requireNonNull(executor, "executor");
    this.owner = Objects.requireNonNull(owner, "owner");
    this.onTaskFailure = Objects.requireNonNull(onTaskFailure, "onTaskFailure");
  }

  /** Tells whether the current thread is draining a serial context that belongs to {@code owner}. */
  public static boolean isDrainingFor(Object owner) {
    return DRAINING_OWNER.get() == owner;
  }

  /** Queues {@code task}; it runs after every task queued before it. */
  @Override
  public void execute(Runnable task) {
    queue.add(Objects.requireNonNull(task, "task"));
    if (running.compareAndSet(false, true)) {
      try {
        executor.execute(this::drain);
      } catch (RejectedExecutionException e) {
        // A shut-down executor must not strand the queue: drain on the caller's thread instead.
        drain();
      }
    }
  }

  private void drain() {
    Object previous = DRAINING_OWNER.get();
    DRAINING_OWNER.set(owner);
    try {
      do {
        Runnable task;
        while ((task = queue.poll()) != null) {
          try {
            task.run();
          } catch (Throwable t) {
            onTaskFailure.accept(t);
          }
        }
        running.set(false);
        // A task queued between the last poll and the release above would otherwise be stranded.
      } while (!queue.isEmpty() && running.compareAndSet(false, true));
    } finally {
      if (previous == null) {
        DRAINING_OWNER.remove();
      } else {
        DRAINING_OWNER.set(previous);
      }
    }
  }
}
