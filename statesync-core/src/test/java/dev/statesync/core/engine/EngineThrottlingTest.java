package dev.statesync.core.engine;

import static dev.statesync.core.engine.EngineHarness.env;
import static dev.statesync.core.engine.EngineHarness.event;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.statesync.core.Cancellable;
import dev.statesync.core.SnapshotEnvelope;
import dev.statesync.core.SnapshotProvider;
import dev.statesync.core.SyncPhase;
import dev.statesync.core.TaskScheduler;
import dev.statesync.core.ThrottlingOptions;
import dev.statesync.core.testing.VirtualTime;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** When the engine fetches under throttling and periodic refresh (CORE-45, §6 at engine level). */
class EngineThrottlingTest {

  /**
   * A provider that answers at once with the current source revision and records the virtual
   * time of every call, so that tests read the fetch timeline directly.
   */
  private static final class TimedSource implements SnapshotProvider<String> {
    final VirtualTime time;
    final List<Long> fetchTimesMs = new ArrayList<>();
    long revision = 1;

    TimedSource(VirtualTime time) {
      this.time = time;
    }

    @Override
    public java.util.concurrent.CompletionStage<SnapshotEnvelope<String>> getSnapshot() {
      fetchTimesMs.add(TimeUnit.NANOSECONDS.toMillis(time.nanoTime()));
      return java.util.concurrent.CompletableFuture.completedFuture(env(revision));
    }

    /** Fetch times after the initial one. */
    List<Long> eventFetches() {
      return fetchTimesMs.subList(1, fetchTimesMs.size());
    }
  }

  /** A harness whose provider is a {@link TimedSource} on the harness clock. */
  private static final class Timed {
    final EngineHarness h;
    final TimedSource src;

    Timed(ThrottlingOptions throttling) {
      TimedSource[] holder = new TimedSource[1];
      this.h = EngineHarness.create(b -> b.throttling(throttling).provider(() -> holder[0].getSnapshot()));
      holder[0] = new TimedSource(h.time);
      this.src = holder[0];
      h.handle.start().join();
    }

    void mutateAndNotify() {
      src.revision++;
      h.send(event(src.revision));
    }
  }

  @Test
  @DisplayName("CA-36 debounce 50 with 4 events 10 ms apart: one fetch at last + 50")
  void debounceFetchesOnceAfterBurst() {
    Timed t = new Timed(ThrottlingOptions.builder().debounceMs(50).build());
    for (int i = 0; i < 4; i++) {
      t.mutateAndNotify();
      t.h.time.advanceMs(10);
    }
    // The last event was at 30.
    t.h.time.advanceMs(39);
    assertEquals(List.of(), t.src.eventFetches());
    t.h.time.advanceMs(1);
    assertEquals(List.of(80L), t.src.eventFetches());
    t.h.time.advanceMs(1000);
    assertEquals(List.of(80L), t.src.eventFetches());
    assertEquals(5, t.h.handle.localRevision().unsignedBits());
  }

  @Test
  @DisplayName("CA-37 throttle 100 leading+trailing: 10 events within 100 ms give 2 fetches")
  void throttleFetchesLeadingAndTrailing() {
    Timed t = new Timed(ThrottlingOptions.builder().throttleMs(100).build());
    for (int i = 0; i < 10; i++) {
      t.mutateAndNotify();
      if (i == 0) {
        assertEquals(List.of(0L), t.src.eventFetches(), "the first event fetches at once");
      }
      t.h.time.advanceMs(10);
    }
    t.h.time.advanceMs(1000);

    assertEquals(List.of(0L, 100L), t.src.eventFetches());
    assertEquals(11, t.h.handle.localRevision().unsignedBits());
  }

  @Test
  @DisplayName("CA-38 stop() before a pending debounce fires: no fetch ever")
  void stopCancelsPendingDebounce() {
    Timed t = new Timed(ThrottlingOptions.builder().debounceMs(50).build());
    t.mutateAndNotify();
    t.h.time.advanceMs(20);
    t.h.handle.stop();
    t.h.time.advanceMs(10_000);

    assertEquals(List.of(), t.src.eventFetches());
  }

  @Test
  @DisplayName("CA-66 a scheduler that throws: one THROTTLE error and the fetch happens at once")
  void failingSchedulerFiresAtOnce() {
    TaskScheduler broken = new TaskScheduler() {
      @Override
      public Cancellable schedule(Runnable task, long delay, TimeUnit unit) {
        throw new IllegalStateException("scheduler shut down");
      }
    };
    EngineHarness h = EngineHarness.create(b -> b.scheduler(broken).noSnapshotTimeout()
        .throttling(ThrottlingOptions.builder().debounceMs(50).build()));
    h.startWith(env(1)).join();
    h.send(event(2));

    assertEquals(2, h.provider.calls());
    assertEquals(1, h.errors().size());
    assertEquals(SyncPhase.THROTTLE, h.errors().get(0).phase());
  }

  @Test
  @DisplayName("CA-72 T=100, L=false, events every 20 ms for 1 s: fetches every 100 ms")
  void trailingOnlyThrottleDoesNotStarve() {
    Timed t = new Timed(ThrottlingOptions.builder().throttleMs(100).leading(false).build());
    for (int ms = 0; ms < 1000; ms += 20) {
      t.mutateAndNotify();
      t.h.time.advanceMs(20);
    }
    t.h.time.advanceMs(1000);

    List<Long> expected = new ArrayList<>();
    for (long f = 100; f <= 1000; f += 100) {
      expected.add(f);
    }
    assertEquals(expected, t.src.eventFetches());
    assertEquals(t.src.revision, t.h.handle.localRevision().unsignedBits());
  }

  @Test
  @DisplayName("CA-73 D=50, T=100, a 20 ms stream for 2 s: no gap between fetches over 600 ms")
  void debouncePlusThrottleIsBounded() {
    Timed t = new Timed(ThrottlingOptions.builder().debounceMs(50).throttleMs(100).build());
    for (int ms = 0; ms < 2000; ms += 20) {
      t.mutateAndNotify();
      t.h.time.advanceMs(20);
    }
    t.h.time.advanceMs(1000);

    List<Long> fetches = t.src.eventFetches();
    assertTrue(fetches.size() >= 3, "fetches " + fetches);
    assertTrue(fetches.get(0) <= 600, "first fetch " + fetches);
    for (int i = 1; i < fetches.size(); i++) {
      assertTrue(fetches.get(i) - fetches.get(i - 1) <= 600, "gap in " + fetches);
    }
    assertTrue(fetches.get(fetches.size() - 1) >= 1980, "the last event is covered: " + fetches);
    assertEquals(t.src.revision, t.h.handle.localRevision().unsignedBits());
  }

  @Test
  @DisplayName("CA-74 T=100, R=false, events at 0 and 50: fetches at 0 and 200")
  void leadingOnlyThrottleDefersLastEvent() {
    Timed t = new Timed(ThrottlingOptions.builder().throttleMs(100).trailing(false).build());
    t.mutateAndNotify();
    t.h.time.advanceMs(50);
    t.mutateAndNotify();
    t.h.time.advanceMs(1000);

    assertEquals(List.of(0L, 200L), t.src.eventFetches());
    assertEquals(3, t.h.handle.localRevision().unsignedBits());
  }

  @Test
  @DisplayName("CA-74 T=100, R=false, events at 0, 50 and 150: fetches at 0 and 150")
  void leadingOnlyThrottleFiresNewInputAfterWindow() {
    Timed t = new Timed(ThrottlingOptions.builder().throttleMs(100).trailing(false).build());
    t.mutateAndNotify();
    t.h.time.advanceMs(50);
    t.mutateAndNotify();
    t.h.time.advanceMs(100);
    t.mutateAndNotify();
    t.h.time.advanceMs(1000);

    assertEquals(List.of(0L, 150L), t.src.eventFetches());
    assertEquals(4, t.h.handle.localRevision().unsignedBits());
  }

  @Test
  @DisplayName("CA-83 periodicRefresh 60 s: fetches 54-66 s apart while RUNNING, none after stop")
  void periodicRefreshFetchesWithJitterUntilStop() {
    TimedSource[] holder = new TimedSource[1];
    EngineHarness h = EngineHarness.create(b -> b.periodicRefreshMs(60_000)
        .provider(() -> holder[0].getSnapshot()));
    holder[0] = new TimedSource(h.time);
    h.handle.start().join();
    for (int s = 0; s < 600; s++) {
      h.time.advanceMs(1000);
    }
    List<Long> times = holder[0].fetchTimesMs;
    assertTrue(times.size() >= 9, "fetches " + times);
    for (int i = 1; i < times.size(); i++) {
      long gap = times.get(i) - times.get(i - 1);
      assertTrue(gap >= 54_000 && gap <= 66_000, "gap " + gap + " in " + times);
    }
    assertEquals("periodic", h.refreshReasons().get(h.refreshReasons().size() - 1));

    int before = times.size();
    h.handle.stop();
    h.time.advanceMs(600_000);
    assertEquals(before, times.size());
    assertEquals(0, h.time.pendingTasks());
  }
}
