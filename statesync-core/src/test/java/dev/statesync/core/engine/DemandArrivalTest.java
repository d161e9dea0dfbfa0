package dev.statesync.core.engine;

import static dev.statesync.core.engine.EngineHarness.env;
import static dev.statesync.core.engine.EngineHarness.event;
import static dev.statesync.core.engine.EngineHarness.failureOf;
import static dev.statesync.core.engine.EngineHarness.rev;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.statesync.core.ApplyOrigin;
import dev.statesync.core.ApplyOutcome;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** How demand meets a cycle that is in flight, scheduled or not yet begun (CORE-38, CORE-41). */
class DemandArrivalTest {

  private static EngineHarness running(long initial) {
    EngineHarness h = EngineHarness.create();
    h.startWith(env(initial)).join();
    return h;
  }

  @Test
  @DisplayName("CORE-38b a forced demand cancels a re-arm delay and fetches at once")
  void forcedDemandCancelsScheduledRearm() {
    EngineHarness h = running(4);
    h.send(event(5));
    h.provider.complete(env(4));
    assertEquals(2, h.provider.calls());

    CompletableFuture<ApplyOutcome> f = h.handle.refresh();
    assertEquals(3, h.provider.calls());
    h.provider.complete(env(5));
    assertEquals(ApplyOutcome.APPLIED, f.join());
    h.time.advanceMs(60_000);
    assertEquals(3, h.provider.calls(), "the cancelled re-arm must not fire later");
  }

  @Test
  @DisplayName("CORE-38b an event demand joins a scheduled re-arm instead of fetching at once")
  void eventDemandJoinsScheduledRearm() {
    EngineHarness h = running(4);
    h.send(event(5));
    h.provider.complete(env(4));
    h.send(event(6));
    assertEquals(2, h.provider.calls());

    h.time.advanceMs(500);
    assertEquals(3, h.provider.calls());
    h.provider.complete(env(6));
    assertEquals(rev(6), h.handle.localRevision());
  }

  @Test
  @DisplayName("CORE-38a events while subscribe is pending merge into the initial cycle")
  void eventsDuringSubscribeMergeIntoInitialCycle() {
    EngineHarness h = EngineHarness.create();
    h.subscriber.holdNext();
    CompletableFuture<Void> started = h.handle.start();
    h.send(event(3));
    h.subscriber.sink().resync();
    assertEquals(0, h.provider.calls());

    h.subscriber.release();
    assertEquals(1, h.provider.calls());
    h.provider.complete(env(3));

    assertTrue(started.isDone() && !started.isCompletedExceptionally());
    assertEquals(1, h.provider.calls());
    assertEquals(List.of("start"), h.refreshReasons());
  }

  @Test
  @DisplayName("CORE-43b an event newer than the initial snapshot re-arms after start")
  void eventDuringInitialFetchIsChased() {
    EngineHarness h = EngineHarness.create();
    h.handle.start();
    h.send(event(2));
    h.provider.complete(env(1));

    assertEquals(2, h.provider.calls());
    h.provider.complete(env(2));
    assertEquals(rev(2), h.handle.localRevision());
  }

  @Test
  @DisplayName("CORE-30 stop() during the initial fetch cancels start and completes refreshes")
  void stopDuringInitialFetchSettlesEveryFuture() {
    EngineHarness h = EngineHarness.create();
    CompletableFuture<Void> started = h.handle.start();
    CompletableFuture<ApplyOutcome> refreshed = h.handle.refresh();
    h.handle.stop();

    assertInstanceOf(CancellationException.class, failureOf(started));
    assertEquals(ApplyOutcome.STOPPED, refreshed.join());
    assertEquals(1, h.subscriber.unsubscribes());
    assertTrue(h.provider.last().isCancelled());
  }

  @Test
  @DisplayName("CORE-41 an offer made during an apply waits for it and is gated against it")
  void offerWaitsForRunningApply() {
    EngineHarness h = running(1);
    CompletableFuture<Void> applying = new CompletableFuture<>();
    h.applyBehaviour = e -> e.revision().equals(rev(5)) ? applying : CompletableFuture.completedFuture(null);
    h.send(event(5));
    h.provider.complete(env(5));
    CompletableFuture<ApplyOutcome> older = h.handle.offer(env(4), ApplyOrigin.PEER);
    CompletableFuture<ApplyOutcome> newer = h.handle.offer(env(6), ApplyOrigin.PEER);
    assertFalse(older.isDone() || newer.isDone());

    applying.complete(null);
    assertEquals(ApplyOutcome.NOT_NEWER, older.join());
    assertEquals(ApplyOutcome.APPLIED, newer.join());
    assertEquals(List.of(1L, 5L, 6L), h.appliedRevisions());
    assertEquals(ApplyOrigin.PEER, h.applied.get(2).context().origin());
    RecordingLogger.Entry last = h.logger.withMessage("snapshot applied").get(2);
    assertEquals(ApplyOrigin.PEER, last.extra().get("origin"));
  }

  @Test
  @DisplayName("CORE-70 retries count failed-attempt retries and retry cycles")
  void retriesAreCounted() {
    EngineHarness h = running(1);
    h.send(event(2));
    h.send(event(3));
    h.provider.fail(new java.io.IOException("x"));
    h.time.advanceMs(500);
    h.provider.complete(env(3));

    assertEquals(1, h.handle.stats().retries());
    assertEquals(1, h.handle.stats().fetchFailures());
    assertEquals(List.of("start", "event", "retry"), h.refreshReasons());
  }
}
