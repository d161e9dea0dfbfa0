package dev.statesync.core.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.statesync.core.Cancellable;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class VirtualTimeTest {
  private final VirtualTime time = new VirtualTime();
  private final List<String> log = new ArrayList<>();

  private Runnable record(String name) {
    return () -> log.add(name + "@" + TimeUnit.NANOSECONDS.toMillis(time.nanoTime()));
  }

  @Test
  void startsAtZeroAndMovesOnlyWhenAdvanced() {
    assertEquals(0, time.nanoTime());
    assertEquals(0, time.currentTimeMillis());
    time.advanceMs(5);
    assertEquals(5_000_000, time.nanoTime());
    time.advance(Duration.ofNanos(7));
    assertEquals(5_000_007, time.nanoTime());
    time.advanceTo(9_000_000);
    assertEquals(9_000_000, time.nanoTime());
  }

  @Test
  void runsDueTasksInDueTimeThenSchedulingOrder() {
    time.schedule(record("c"), 30, TimeUnit.MILLISECONDS);
    time.schedule(record("a1"), 10, TimeUnit.MILLISECONDS);
    time.schedule(record("b"), 20, TimeUnit.MILLISECONDS);
    time.schedule(record("a2"), 10, TimeUnit.MILLISECONDS);

    time.advanceMs(25);

    assertEquals(List.of("a1@10", "a2@10", "b@20"), log);
    assertEquals(25, TimeUnit.NANOSECONDS.toMillis(time.nanoTime()));
    assertEquals(1, time.pendingTasks());
  }

  @Test
  void taskReadsItsOwnDueTimeWhileRunning() {
    long[] seen = new long[1];
    time.schedule(() -> seen[0] = time.nanoTime(), 40, TimeUnit.MILLISECONDS);

    time.advanceMs(100);

    assertEquals(40_000_000, seen[0]);
    assertEquals(100_000_000, time.nanoTime());
  }

  @Test
  void runsTasksScheduledByTasksWhenTheyFallDueInsideTheInterval() {
    time.schedule(() -> {
      record("outer").run();
      time.schedule(record("inner-in"), 30, TimeUnit.MILLISECONDS);
      time.schedule(record("inner-out"), 80, TimeUnit.MILLISECONDS);
    }, 10, TimeUnit.MILLISECONDS);

    time.advanceMs(50);

    assertEquals(List.of("outer@10", "inner-in@40"), log);
    assertEquals(1, time.pendingTasks());
    time.advanceMs(40);
    assertEquals(List.of("outer@10", "inner-in@40", "inner-out@90"), log);
  }

  @Test
  void zeroDelayTaskRunsOnNextAdvanceNotInsideSchedule() {
    time.schedule(record("now"), 0, TimeUnit.MILLISECONDS);
    assertTrue(log.isEmpty());
    assertEquals(1, time.pendingTasks());

    time.advance(Duration.ZERO);

    assertEquals(List.of("now@0"), log);
    assertEquals(0, time.pendingTasks());
  }

  @Test
  void runDueTasksRunsZeroDelayTasksWithoutMovingTheClock() {
    time.advanceMs(3);
    time.schedule(record("now"), 0, TimeUnit.SECONDS);
    time.schedule(record("negative"), -5, TimeUnit.SECONDS);
    time.schedule(record("later"), 1, TimeUnit.NANOSECONDS);

    time.runDueTasks();

    assertEquals(List.of("now@3", "negative@3"), log);
    assertEquals(3_000_000, time.nanoTime());
    assertEquals(1, time.pendingTasks());
  }

  @Test
  void cancelledTaskNeverRunsAndCancelIsIdempotent() {
    Cancellable c = time.schedule(record("x"), 10, TimeUnit.MILLISECONDS);
    time.schedule(record("y"), 10, TimeUnit.MILLISECONDS);
    assertEquals(2, time.pendingTasks());

    c.cancel();
    c.cancel();

    assertEquals(1, time.pendingTasks());
    time.advanceMs(10);
    assertEquals(List.of("y@10"), log);
    c.cancel();
    assertEquals(0, time.pendingTasks());
  }

  @Test
  void taskMayCancelALaterTaskDueAtTheSameInstant() {
    Cancellable[] second = new Cancellable[1];
    time.schedule(() -> second[0].cancel(), 10, TimeUnit.MILLISECONDS);
    second[0] = time.schedule(record("second"), 10, TimeUnit.MILLISECONDS);

    time.advanceMs(10);

    assertTrue(log.isEmpty());
  }

  @Test
  void wallClockIsIndependentOfMonotonicTime() {
    time.setWallClock(1_700_000_000_000L);
    time.advanceMs(1_000);
    assertEquals(1_700_000_000_000L, time.currentTimeMillis());

    time.setWallClock(1_700_000_000_000L - 3_600_000);
    assertEquals(1_000_000_000, time.nanoTime());
    assertEquals(1_699_996_400_000L, time.currentTimeMillis());
  }

  @Test
  void rejectsMovingBackwards() {
    time.advanceMs(10);
    assertThrows(IllegalArgumentException.class, () -> time.advanceTo(5));
    assertThrows(IllegalArgumentException.class, () -> time.advanceMs(-1));
    assertThrows(IllegalArgumentException.class, () -> time.advance(Duration.ofMillis(-1)));
    assertEquals(10_000_000, time.nanoTime());
  }

  @Test
  void failingTaskStopsTheAdvanceAtItsDueTimeAndLeavesLaterTasks() {
    RuntimeException boom = new RuntimeException("boom");
    time.schedule(() -> {
      throw boom;
    }, 10, TimeUnit.MILLISECONDS);
    time.schedule(record("later"), 20, TimeUnit.MILLISECONDS);

    RuntimeException thrown = assertThrows(RuntimeException.class, () -> time.advanceMs(50));

    assertSame(boom, thrown);
    assertEquals(10_000_000, time.nanoTime());
    assertEquals(1, time.pendingTasks());
    time.advanceTo(50_000_000);
    assertEquals(List.of("later@20"), log);
  }

  @Test
  void hugeDelaySaturatesInsteadOfOverflowing() {
    time.advanceMs(1);
    time.schedule(record("never"), Long.MAX_VALUE, TimeUnit.DAYS);

    time.advance(Duration.ofDays(365 * 100));

    assertTrue(log.isEmpty());
    assertEquals(1, time.pendingTasks());
  }

  @Test
  void schedulesFromOtherThreadsAreAllRun() throws Exception {
    int threads = 4;
    int perThread = 250;
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    CountDownLatch start = new CountDownLatch(1);
    CountDownLatch done = new CountDownLatch(threads);
    int[] ran = new int[1];
    try {
      for (int i = 0; i < threads; i++) {
        pool.execute(() -> {
          try {
            start.await();
            for (int j = 0; j < perThread; j++) {
              time.schedule(() -> ran[0]++, j % 10, TimeUnit.MILLISECONDS);
            }
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          } finally {
            done.countDown();
          }
        });
      }
      start.countDown();
      assertTrue(done.await(10, TimeUnit.SECONDS));
    } finally {
      pool.shutdownNow();
    }

    assertEquals(threads * perThread, time.pendingTasks());
    time.advanceMs(10);
    assertEquals(threads * perThread, ran[0]);
    assertEquals(0, time.pendingTasks());
  }
}
