package dev.statesync.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.statesync.core.testing.VirtualTime;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Collectors;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

class ThrottlerTest {
  private static ThrottlingOptions.Builder opts() {
    return ThrottlingOptions.builder();
  }

  private static List<Long> range(long from, long to, long step) {
    return LongStream.iterate(from, t -> t <= to, t -> t + step).boxed()
        .collect(Collectors.toList());
  }

  @Nested
  class Timelines {
    @Test
    void debounceFiresOnceAfterTheLastTriggerSettles() {
      RecordingThrottler r = new RecordingThrottler(opts().debounceMs(100).build());
      r.triggerAt(0, 50);
      r.advanceToMs(1_000);
      assertEquals(List.of(150L), r.fireMs);
    }

    @Test
    void debounceWithMaxWaitFiresDuringAContinuousStream() {
      RecordingThrottler r = new RecordingThrottler(opts().debounceMs(100).maxWaitMs(300).build());
      r.triggerEvery(40, 0, 1_000);
      r.advanceToMs(2_000);
      assertEquals(List.of(300L, 620L, 940L, 1_100L), r.fireMs);
    }

    @Test
    void throttleFiresLeadingThenTrailingThenLeadingAgain() {
      RecordingThrottler r = new RecordingThrottler(opts().throttleMs(100).build());
      r.triggerAt(0, 30, 60, 250);
      r.advanceToMs(1_000);
      assertEquals(List.of(0L, 100L, 250L), r.fireMs);
    }

    @Test
    void throttleWithoutLeadingDoesNotStarveUnderAStream() {
      RecordingThrottler r = new RecordingThrottler(opts().throttleMs(100).leading(false).build());
      r.triggerEvery(20, 0, 1_000);
      r.advanceToMs(2_000);
      assertEquals(range(100, 1_100, 100), r.fireMs);
    }

    @Test
    void throttleWithoutTrailingDefersHeldInputOneWindow() {
      RecordingThrottler r = new RecordingThrottler(opts().throttleMs(100).trailing(false).build());
      r.triggerAt(0, 50);
      r.advanceToMs(1_000);
      assertEquals(List.of(0L, 200L), r.fireMs);
    }

    @Test
    void throttleWithoutTrailingLetsANewLeadingFireCoverHeldInput() {
      RecordingThrottler r = new RecordingThrottler(opts().throttleMs(100).trailing(false).build());
      r.triggerAt(0, 50, 150);
      r.advanceToMs(1_000);
      assertEquals(List.of(0L, 150L), r.fireMs);
    }

    @Test
    void debounceThenThrottleFiresWhenSettledThenAtWindowEnd() {
      RecordingThrottler r = new RecordingThrottler(opts().debounceMs(50).throttleMs(200).build());
      r.triggerAt(0, 50, 80, 110);
      r.advanceToMs(1_000);
      assertEquals(List.of(50L, 250L), r.fireMs);
    }
  }

  @Nested
  class Acceptance {
    @Test
    void debounceBurstOfFourFiresOnceAtLastPlusDelay() { // CA-36
      RecordingThrottler r = new RecordingThrottler(opts().debounceMs(50).build());
      r.triggerAt(0, 10, 20, 30);
      r.advanceToMs(79);
      assertTrue(r.fireMs.isEmpty(), "no fire during the burst");
      r.advanceToMs(1_000);
      assertEquals(List.of(80L), r.fireMs);
    }

    @Test
    void leadingAndTrailingThrottleFiresAtOnceThenOnceMore() { // CA-37
      RecordingThrottler r = new RecordingThrottler(opts().throttleMs(100).build());
      r.triggerAt(0);
      assertEquals(List.of(0L), r.fireMs, "the first trigger fires at once");
      r.triggerAt(10, 20, 30, 40, 50, 60, 70, 80, 90);
      r.advanceToMs(1_000);
      assertEquals(List.of(0L, 100L), r.fireMs);
    }

    @Test
    void disposeBeforeAPendingDebounceMeansNoFireEver() { // CA-38
      RecordingThrottler r = new RecordingThrottler(opts().debounceMs(50).build());
      r.triggerAt(0, 10);
      r.throttler.dispose();
      r.advanceToMs(10_000);
      assertTrue(r.fireMs.isEmpty());
      assertEquals(0, r.time.pendingTasks());
    }

    @Test
    void leadingOffFiresEveryWindowWithNoGapOverT() { // CA-72
      RecordingThrottler r = new RecordingThrottler(opts().throttleMs(100).leading(false).build());
      r.triggerEvery(20, 0, 1_000);
      assertEquals(range(100, 1_000, 100), r.fireMs);
      assertMaxGap(r.fireMs, 100);
    }

    @Test
    void debouncePlusThrottleStreamNeverGapsOver600Ms() { // CA-73
      RecordingThrottler r = new RecordingThrottler(opts().debounceMs(50).throttleMs(100).build());
      r.triggerEvery(20, 0, 2_000);
      r.advanceToMs(3_000);
      assertTrue(r.fireMs.size() >= 4, "fires: " + r.fireMs);
      assertTrue(r.fireMs.get(0) <= 600, "first fire: " + r.fireMs);
      assertMaxGap(r.fireMs, 600);
    }

    @Test
    void trailingOffNeverLosesTheLastInput() { // CA-74
      RecordingThrottler late = new RecordingThrottler(opts().throttleMs(100).trailing(false).build());
      late.triggerAt(0, 50);
      late.advanceToMs(1_000);
      assertEquals(List.of(0L, 200L), late.fireMs);

      RecordingThrottler early =
          new RecordingThrottler(opts().throttleMs(100).trailing(false).build());
      early.triggerAt(0, 50, 150);
      early.advanceToMs(1_000);
      assertEquals(List.of(0L, 150L), early.fireMs);
    }

    @Test
    void movingTheWallClockBackDuringADebounceDoesNotMoveTheFire() { // CA-76
      RecordingThrottler r = new RecordingThrottler(opts().debounceMs(100).build());
      r.time.setWallClock(1_700_000_000_000L);
      r.triggerAt(0);
      r.advanceToMs(40);
      r.time.setWallClock(1_700_000_000_000L - 3_600_000);
      r.advanceToMs(99);
      assertTrue(r.fireMs.isEmpty());
      r.advanceToMs(1_000);
      assertEquals(List.of(100L), r.fireMs);
    }

    @Test
    void passThroughFiresInsideTrigger() { // CA-77
      AtomicInteger fires = new AtomicInteger();
      VirtualTime time = new VirtualTime();
      Throttler t = Throttler.create(ThrottlingOptions.none(), fires::incrementAndGet, time, time,
          e -> { });
      t.trigger();
      assertEquals(1, fires.get());
      t.trigger();
      assertEquals(2, fires.get());
      assertFalse(t.hasPending());
      assertEquals(0, time.pendingTasks());
    }

    @Test
    void debounceTwoTriggersFiresOnceAt150() { // CA-77
      RecordingThrottler r = new RecordingThrottler(opts().debounceMs(100).build());
      r.triggerAt(0, 50);
      r.advanceToMs(1_000);
      assertEquals(List.of(150L), r.fireMs);
    }

    @Test
    void disposeClearsPendingAndRepeatedDisposeIsSafe() { // CA-77
      RecordingThrottler r = new RecordingThrottler(opts().debounceMs(100).build());
      r.triggerAt(0);
      assertTrue(r.throttler.hasPending());
      r.throttler.dispose();
      assertFalse(r.throttler.hasPending());
      r.throttler.dispose();
      r.advanceToMs(1_000);
      assertTrue(r.fireMs.isEmpty());
    }

    @Test
    void debounceThenThrottleFourTriggersFireAt50And250() { // CA-78
      RecordingThrottler r = new RecordingThrottler(opts().debounceMs(50).throttleMs(200).build());
      r.triggerAt(0, 50, 80, 110);
      r.advanceToMs(249);
      assertEquals(List.of(50L), r.fireMs);
      r.advanceToMs(250);
      assertEquals(List.of(50L, 250L), r.fireMs);
    }
  }

  @Nested
  class Contract {
    @Test
    void timerDueAtTheSameInstantAsATriggerRunsFirst() {
      RecordingThrottler r = new RecordingThrottler(opts().debounceMs(100).build());
      r.triggerAt(0, 100);
      assertEquals(List.of(100L), r.fireMs, "the burst from 0 emitted before the new trigger");
      assertTrue(r.throttler.hasPending(), "the trigger at 100 began a new burst");
      r.advanceToMs(1_000);
      assertEquals(List.of(100L, 200L), r.fireMs);
    }

    @Test
    void triggerCatchesUpOnAnOverdueTimerThatHasNotRunYet() {
      VirtualTime clock = new VirtualTime();
      List<Runnable> timers = new ArrayList<>();
      List<Long> fires = new ArrayList<>();
      TaskScheduler manual = (task, delay, unit) -> {
        timers.add(task);
        return () -> timers.remove(task);
      };
      Throttler t = Throttler.create(opts().debounceMs(100).build(),
          () -> fires.add(clock.nanoTime()), manual, clock, e -> { });
      t.trigger();
      clock.advanceMs(150); // the timer is overdue but the scheduler has not run it
      t.trigger();
      assertEquals(List.of(150_000_000L), fires, "overdue emission handled before the trigger");
      assertTrue(t.hasPending());
    }

    @Test
    void readsOnlyMonotonicTime() {
      VirtualTime clock = new VirtualTime();
      TimeSource monotonicOnly = new TimeSource() {
        @Override
        public long nanoTime() {
          return clock.nanoTime();
        }

        @Override
        public long currentTimeMillis() {
          throw new AssertionError("the throttler must not read wall time");
        }
      };
      List<Long> fires = new ArrayList<>();
      Throttler t = Throttler.create(opts().debounceMs(20).throttleMs(50).build(),
          () -> fires.add(clock.nanoTime()), clock, monotonicOnly, e -> { });
      t.trigger();
      clock.advanceMs(30);
      t.trigger();
      clock.advanceMs(100);
      assertEquals(List.of(20_000_000L, 70_000_000L), fires);
    }

    @Test
    void hasPendingTracksBurstAndHeldInput() {
      RecordingThrottler r = new RecordingThrottler(opts().debounceMs(50).throttleMs(200).build());
      assertFalse(r.throttler.hasPending());
      r.triggerAt(0);
      assertTrue(r.throttler.hasPending(), "burst active");
      r.advanceToMs(50);
      assertEquals(List.of(50L), r.fireMs);
      assertFalse(r.throttler.hasPending(), "fired, nothing held");
      r.triggerAt(60);
      r.advanceToMs(110);
      assertTrue(r.throttler.hasPending(), "emission held in the window");
      r.advanceToMs(250);
      assertFalse(r.throttler.hasPending());
      assertEquals(List.of(50L, 250L), r.fireMs);
    }

    @Test
    void hasPendingIsTrueWhileTrailingOffDefersInput() {
      RecordingThrottler r = new RecordingThrottler(opts().throttleMs(100).trailing(false).build());
      r.triggerAt(0, 50);
      r.advanceToMs(120);
      assertTrue(r.throttler.hasPending());
      r.advanceToMs(200);
      assertFalse(r.throttler.hasPending());
    }

    @Test
    void flushFiresHeldInputNowAndCancelsItsTimer() {
      RecordingThrottler r = new RecordingThrottler(opts().debounceMs(100).build());
      r.triggerAt(0);
      r.advanceToMs(30);
      r.throttler.flush();
      assertEquals(List.of(30L), r.fireMs);
      assertFalse(r.throttler.hasPending());
      assertEquals(0, r.time.pendingTasks());
      r.advanceToMs(1_000);
      assertEquals(List.of(30L), r.fireMs);
    }

    @Test
    void flushWithNothingPendingDoesNotFire() {
      RecordingThrottler r = new RecordingThrottler(opts().throttleMs(100).build());
      r.throttler.flush();
      r.triggerAt(0);
      r.throttler.flush();
      assertEquals(List.of(0L), r.fireMs);
    }

    @Test
    void flushOpensANewWindow() {
      RecordingThrottler r = new RecordingThrottler(opts().throttleMs(100).build());
      r.triggerAt(0, 40);
      r.throttler.flush();
      r.triggerAt(60);
      r.advanceToMs(1_000);
      assertEquals(List.of(0L, 40L, 140L), r.fireMs);
    }

    @Test
    void triggersAndFlushAfterDisposeAreIgnored() {
      RecordingThrottler r = new RecordingThrottler(opts().throttleMs(100).build());
      r.throttler.dispose();
      r.triggerAt(0, 10);
      r.throttler.flush();
      r.advanceToMs(1_000);
      assertTrue(r.fireMs.isEmpty());
      assertFalse(r.throttler.hasPending());
      assertEquals(0, r.time.pendingTasks());
    }

    @Test
    void passThroughTriggerAfterDisposeDoesNotFire() {
      AtomicInteger fires = new AtomicInteger();
      VirtualTime time = new VirtualTime();
      Throttler t = Throttler.create(ThrottlingOptions.none(), fires::incrementAndGet, time, time,
          e -> { });
      t.dispose();
      t.trigger();
      assertEquals(0, fires.get());
    }

    @Test
    void disposeFromInsideOnFireStopsLaterFires() {
      VirtualTime time = new VirtualTime();
      AtomicInteger fires = new AtomicInteger();
      AtomicReference<Throttler> ref = new AtomicReference<>();
      ref.set(Throttler.create(ThrottlingOptions.none(), () -> {
        fires.incrementAndGet();
        ref.get().trigger(); // queued behind this fire, then dropped by dispose
        ref.get().dispose();
      }, time, time, e -> { }));
      ref.get().trigger();
      assertEquals(1, fires.get());
    }

    @Test
    void schedulingFailureFiresAtOnceAndReportsTheException() {
      RejectedExecutionException rejected = new RejectedExecutionException("shut down");
      TaskScheduler broken = (task, delay, unit) -> {
        throw rejected;
      };
      RecordingThrottler r = new RecordingThrottler(opts().debounceMs(100).build(), broken);
      r.triggerAt(10);
      assertEquals(List.of(10L), r.fireMs);
      assertEquals(List.of(rejected), r.schedulingFailures);
      assertFalse(r.throttler.hasPending());
    }

    @Test
    void schedulingFailureInAThrottleWindowFiresAtOnce() {
      AtomicBoolean fail = new AtomicBoolean();
      VirtualTime[] clock = new VirtualTime[1];
      TaskScheduler flaky = (task, delay, unit) -> {
        if (fail.get()) {
          throw new IllegalStateException("scheduler closed");
        }
        return clock[0].schedule(task, delay, unit);
      };
      RecordingThrottler r = new RecordingThrottler(opts().throttleMs(100).build(), flaky);
      clock[0] = r.time;
      r.triggerAt(0);
      fail.set(true);
      r.triggerAt(30);
      assertEquals(List.of(0L, 30L), r.fireMs);
      assertEquals(1, r.schedulingFailures.size());
      assertTrue(r.schedulingFailures.get(0) instanceof IllegalStateException);
    }

    @Test
    void reentrantTriggerFromOnFireRunsAfterItWithoutRecursion() {
      VirtualTime time = new VirtualTime();
      AtomicInteger depth = new AtomicInteger();
      AtomicInteger maxDepth = new AtomicInteger();
      AtomicInteger fires = new AtomicInteger();
      AtomicReference<Throttler> ref = new AtomicReference<>();
      ref.set(Throttler.create(ThrottlingOptions.none(), () -> {
        maxDepth.accumulateAndGet(depth.incrementAndGet(), Math::max);
        if (fires.incrementAndGet() < 5) {
          ref.get().trigger();
        }
        depth.decrementAndGet();
      }, time, time, e -> { }));
      ref.get().trigger();
      assertEquals(5, fires.get());
      assertEquals(1, maxDepth.get());
    }

    @Test
    void onFireExceptionIsRethrownAfterTheRemainingFiresRun() {
      VirtualTime time = new VirtualTime();
      AtomicInteger fires = new AtomicInteger();
      IllegalStateException boom = new IllegalStateException("boom");
      AtomicReference<Throttler> ref = new AtomicReference<>();
      ref.set(Throttler.create(ThrottlingOptions.none(), () -> {
        if (fires.incrementAndGet() == 1) {
          ref.get().trigger();
          throw boom;
        }
      }, time, time, e -> { }));
      IllegalStateException thrown =
          assertThrows(IllegalStateException.class, () -> ref.get().trigger());
      assertSame(boom, thrown);
      assertEquals(2, fires.get());
      ref.get().trigger();
      assertEquals(3, fires.get(), "a failed fire does not wedge the throttler");
    }

    @Test
    void createRejectsNullArguments() {
      VirtualTime t = new VirtualTime();
      ThrottlingOptions o = ThrottlingOptions.none();
      assertThrows(NullPointerException.class, () -> Throttler.create(null, () -> { }, t, t, e -> { }));
      assertThrows(NullPointerException.class, () -> Throttler.create(o, null, t, t, e -> { }));
      assertThrows(NullPointerException.class, () -> Throttler.create(o, () -> { }, null, t, e -> { }));
      assertThrows(NullPointerException.class, () -> Throttler.create(o, () -> { }, t, null, e -> { }));
      assertThrows(NullPointerException.class, () -> Throttler.create(o, () -> { }, t, t, null));
    }

    @Test
    void onFireNeverOverlapsUnderConcurrentTriggers() throws Exception {
      int threads = 8;
      int perThread = 2_000;
      VirtualTime time = new VirtualTime();
      AtomicInteger inside = new AtomicInteger();
      AtomicInteger overlaps = new AtomicInteger();
      AtomicInteger fires = new AtomicInteger();
      Throttler t = Throttler.create(ThrottlingOptions.none(), () -> {
        if (inside.incrementAndGet() > 1) {
          overlaps.incrementAndGet();
        }
        fires.incrementAndGet();
        Thread.onSpinWait();
        inside.decrementAndGet();
      }, time, time, e -> { });
      ExecutorService pool = Executors.newFixedThreadPool(threads);
      CountDownLatch start = new CountDownLatch(1);
      CountDownLatch done = new CountDownLatch(threads);
      try {
        for (int i = 0; i < threads; i++) {
          pool.execute(() -> {
            try {
              start.await();
              for (int j = 0; j < perThread; j++) {
                t.trigger();
              }
            } catch (InterruptedException e) {
              Thread.currentThread().interrupt();
            } finally {
              done.countDown();
            }
          });
        }
        start.countDown();
        assertTrue(done.await(30, TimeUnit.SECONDS));
      } finally {
        pool.shutdownNow();
      }
      assertEquals(0, overlaps.get());
      assertEquals(threads * perThread, fires.get(), "every pass-through trigger fired");
    }

    @Test
    void throttledTriggersFromSeveralThreadsFireWithoutOverlap() throws Exception {
      int threads = 4;
      VirtualTime time = new VirtualTime();
      AtomicInteger inside = new AtomicInteger();
      AtomicInteger overlaps = new AtomicInteger();
      AtomicInteger fires = new AtomicInteger();
      Throttler t = Throttler.create(opts().throttleMs(10).build(), () -> {
        if (inside.incrementAndGet() > 1) {
          overlaps.incrementAndGet();
        }
        fires.incrementAndGet();
        inside.decrementAndGet();
      }, time, time, e -> { });
      ExecutorService pool = Executors.newFixedThreadPool(threads);
      CountDownLatch start = new CountDownLatch(1);
      CountDownLatch done = new CountDownLatch(threads);
      try {
        for (int i = 0; i < threads; i++) {
          pool.execute(() -> {
            try {
              start.await();
              for (int j = 0; j < 1_000; j++) {
                t.trigger();
              }
            } catch (InterruptedException e) {
              Thread.currentThread().interrupt();
            } finally {
              done.countDown();
            }
          });
        }
        start.countDown();
        for (int step = 0; step < 200 && done.getCount() > 0; step++) {
          time.advanceMs(1); // timers run here while the other threads trigger
        }
        assertTrue(done.await(30, TimeUnit.SECONDS));
      } finally {
        pool.shutdownNow();
      }
      time.advanceMs(100);
      assertEquals(0, overlaps.get());
      assertFalse(t.hasPending(), "the last trigger was covered by a fire");
      assertTrue(fires.get() >= 1);
    }
  }

  private static void assertMaxGap(List<Long> fires, long maxGap) {
    for (int i = 1; i < fires.size(); i++) {
      long gap = fires.get(i) - fires.get(i - 1);
      assertTrue(gap <= maxGap, "gap " + gap + " before fire at " + fires.get(i) + " in " + fires);
    }
  }
}
