package dev.statesync.core.engine;

import static dev.statesync.core.engine.EngineHarness.env;
import static dev.statesync.core.engine.EngineHarness.event;
import static dev.statesync.core.engine.EngineHarness.rev;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.statesync.core.ApplyContext;
import dev.statesync.core.ApplyOrigin;
import dev.statesync.core.ApplyOutcome;
import dev.statesync.core.Epoch;
import dev.statesync.core.SyncStatus;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** Epochs (CORE-8/40), offers, hydration and seeding (CORE-32..35). */
class EpochAndOfferTest {

  private static EngineHarness running(long initial) {
    EngineHarness h = EngineHarness.create();
    h.startWith(env(initial)).join();
    return h;
  }

  private static EngineHarness running(long initial, String epoch) {
    EngineHarness h = EngineHarness.create();
    h.startWith(env(initial, epoch)).join();
    return h;
  }

  @Test
  @DisplayName("CA-56 local (A,100) and a snapshot (B,1): applied as an epoch reset")
  void newEpochSnapshotAppliesDespiteLowerRevision() {
    EngineHarness h = running(100, "A");
    h.subscriber.sink().resync();
    h.provider.complete(env(1, "B"));

    ApplyContext ctx = h.applied.get(1).context();
    assertTrue(ctx.epochReset());
    assertEquals(Optional.of(Epoch.of("A")), ctx.previousEpoch());
    assertEquals(rev(1), h.handle.localRevision());
    assertEquals(Optional.of(Epoch.of("B")), h.handle.localEpoch());
    assertEquals(1, h.handle.stats().epochResets());
    assertEquals(rev(1), h.handle.stats().latestSeenRevision());

    h.send(event(2, "B"));
    h.provider.complete(env(2, "B"));
    assertEquals(List.of(100L, 1L, 2L), h.appliedRevisions());
    assertFalse(h.applied.get(2).context().epochReset());
  }

  @Test
  @DisplayName("CA-57 local (B,5) and an event (C,0): a forced fetch")
  void eventInNewEpochForcesFetch() {
    EngineHarness h = running(5, "B");
    h.send(event(0, "C"));

    assertEquals(2, h.provider.calls());
    assertEquals("epoch", h.refreshReasons().get(1));
    h.provider.complete(env(0, "C"));
    assertEquals(rev(0), h.handle.localRevision());
    assertEquals(Optional.of(Epoch.of("C")), h.handle.localEpoch());
  }

  @Test
  @DisplayName("CA-58 local (A,7) and a snapshot (A,5): not applied")
  void olderSnapshotInSameEpochIsNotApplied() {
    EngineHarness h = running(7, "A");
    CompletableFuture<ApplyOutcome> f = h.handle.refresh();
    h.provider.complete(env(5, "A"));

    assertEquals(ApplyOutcome.NOT_NEWER, f.join());
    assertEquals(List.of(7L), h.appliedRevisions());
    assertEquals(1, h.handle.stats().droppedStale());
  }

  @Test
  @DisplayName("CA-58 an event with no epoch at local epoch A is gated by revision only")
  void epochlessEventIsGatedByRevision() {
    EngineHarness h = running(7, "A");
    h.send(event(6));
    assertEquals(1, h.provider.calls());
    h.send(event(8));
    assertEquals(2, h.provider.calls());
    assertEquals("event", h.refreshReasons().get(1));
  }

  @Test
  @DisplayName("CA-59 offer(r7) at local r5 applies with origin OFFER; event r7 then causes no fetch")
  void offerAppliesAndSuppressesEcho() {
    EngineHarness h = running(5);
    assertEquals(ApplyOutcome.APPLIED, h.handle.offer(env(7)).join());
    assertEquals(ApplyOrigin.OFFER, h.applied.get(1).context().origin());

    h.send(event(7));
    assertEquals(1, h.provider.calls());
    assertEquals(rev(7), h.handle.localRevision());
  }

  @Test
  @DisplayName("CA-60 offer(r4) at local r5 is NOT_NEWER and the applier is not called")
  void olderOfferIsNotApplied() {
    EngineHarness h = running(5);
    assertEquals(ApplyOutcome.NOT_NEWER, h.handle.offer(env(4)).join());
    assertEquals(List.of(5L), h.appliedRevisions());
    assertEquals(1, h.handle.stats().droppedStale());
  }

  @Test
  @DisplayName("CA-61 offer(r7) during a fetch that returns r6: the applier sees r7 only")
  void offerDuringFetchWinsOverOlderSnapshot() {
    EngineHarness h = running(5);
    h.send(event(6));
    assertEquals(ApplyOutcome.APPLIED, h.handle.offer(env(7)).join());
    h.provider.complete(env(6));

    assertEquals(List.of(5L, 7L), h.appliedRevisions());
    assertEquals(1, h.handle.stats().droppedStale());
    assertEquals(0, h.provider.outstanding());
    assertEquals(2, h.provider.calls());
  }

  @Test
  @DisplayName("CA-62 offer in epoch B at local epoch A: REFRESH_REQUESTED, then a fetch")
  void offerInOtherEpochRequestsRefresh() {
    EngineHarness h = running(5, "A");
    assertEquals(ApplyOutcome.REFRESH_REQUESTED, h.handle.offer(env(1, "B")).join());

    assertEquals(List.of(5L), h.appliedRevisions());
    assertEquals(2, h.provider.calls());
    assertEquals("epoch", h.refreshReasons().get(1));
  }

  @Test
  @DisplayName("CA-63 hydrate(r10) before start, provider r10: one CACHE apply, initial NOT_NEWER")
  void hydrationGatesInitialSnapshot() {
    EngineHarness h = EngineHarness.create();
    assertEquals(ApplyOutcome.APPLIED, h.handle.hydrate(env(10)).join());
    CompletableFuture<Void> started = h.startWith(env(10));

    assertTrue(started.isDone() && !started.isCompletedExceptionally());
    assertEquals(List.of(10L), h.appliedRevisions());
    assertEquals(ApplyOrigin.CACHE, h.applied.get(0).context().origin());
    assertEquals(1, h.logger.count("debug", "snapshot skipped (not newer)"));
    assertEquals(SyncStatus.RUNNING, h.handle.status());
  }

  @Test
  @DisplayName("CA-64 initialRevision(10): r10 is not applied, r11 is")
  void initialRevisionSeedsTheGate() {
    EngineHarness h = EngineHarness.create(b -> b.initialRevision(rev(10)));
    assertEquals(rev(10), h.handle.localRevision());
    h.startWith(env(10)).join();
    assertEquals(List.of(), h.appliedRevisions());

    h.send(event(11));
    h.provider.complete(env(11));
    assertEquals(List.of(11L), h.appliedRevisions());
  }

  @Test
  @DisplayName("CA-65 offer after stop gives STOPPED; offer with origin CACHE throws")
  void offerAfterStopAndCacheOrigin() {
    EngineHarness h = running(1);
    assertThrows(IllegalArgumentException.class, () -> h.handle.offer(env(2), ApplyOrigin.CACHE));
    h.handle.stop();

    assertEquals(ApplyOutcome.STOPPED, h.handle.offer(env(2)).join());
    assertEquals(ApplyOutcome.STOPPED, h.handle.hydrate(env(3)).join());
    assertEquals(List.of(1L), h.appliedRevisions());
  }
}
