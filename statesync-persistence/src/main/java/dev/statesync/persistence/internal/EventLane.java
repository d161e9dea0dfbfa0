package dev.statesync.persistence.internal;

import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Runs submitted tasks one at a time in submission order, on whichever submitting thread finds
 * the lane idle; no thread of its own. Used to deliver events in emission order without ever
 * running two listener calls of one applier at once.
 */
final class EventLane {
  private final Queue<Runnable> queue = new ConcurrentLinkedQueue<>();
  private final AtomicInteger wip = new AtomicInteger();

  void submit(Runnable task) {
    queue.add(task);
    if (wip.getAndIncrement() != 0) {
      return;
    }
    do {
      queue.poll().run();
    } while (wip.decrementAndGet() != 0);
  }
}
