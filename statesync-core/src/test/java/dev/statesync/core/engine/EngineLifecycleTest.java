package dev.statesync.core.engine;

import static dev.statesync.core.engine.EngineHarness.env;
import static dev.statesync.core.engine.EngineHarness.event;
import static dev.statesync.core.engine.EngineHarness.failureOf;
import static dev.statesync.core.engine.EngineHarness.rev;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.statesync.core.ApplyOutcome;
import dev.statesync.core.SyncChange;
import dev.statesync.core.SyncListener;
import dev.statesync.core.SyncPhase;
import dev.statesync.core.SyncStatus;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Flow;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** Start, stop and status transitions of a handle (spec sections 3 and 4). */
class EngineLifecycleTest {

  @Test
  @DisplayName("CA-13 start() fetches and applies r1")
  void startFetchesAndAppliesInitialSnapshot() {
    EngineHarness h = EngineHarness.create();
    CompletableFuture<Void> started = h.startWith(env(1));

    assertTrue(started.isDone() && !started.isCompletedExceptionally());
    assertEquals(rev(1), h.handle.localRevision());
    assertEquals(SyncStatus.RUNNING, h.handle.status());
    assertEquals(List.of(1L), h.appliedRevisions());
    assertEquals(List.of(), h.errors());
  }

  @Test
  @DisplayName("CA-14 an initial snapshot at r0 is applied")
  void initialSnapshotAtRevisionZeroIsApplied() {
    EngineHarness h = EngineHarness.create();
    h.startWith(env(0)).join();

    assertEquals(List.of(0L), h.appliedRevisions());
    assertEquals("0", h.handle.localRevision().toString());
  }

  @Test
  @DisplayName("CA-26 start() after stop() fails with IllegalStateException and emits START")
  void startAfterStopFails() {
    EngineHarness h = EngineHarness.create();
    h.handle.stop();
    CompletableFuture<Void> f = h.handle.start();

    assertInstanceOf(IllegalStateException.class, failureOf(f));
    assertEquals(1, h.errors(SyncPhase.START).size());
    assertEquals(1, h.errors().size());
    assertEquals(0, h.subscriber.subscribes());
  }

  @Test
  @DisplayName("CA-27 stop() during a fetch: never applied, provider future cancelled")
  void stopDuringFetchCancelsProviderAndDiscardsResult() {
    EngineHarness h = EngineHarness.create();
    h.startWith(env(1)).join();
    h.send(event(2));
    CompletableFuture<?> inFlight = h.provider.last();

    h.handle.stop();

    assertTrue(inFlight.isCancelled());
    assertEquals(List.of(1L), h.appliedRevisions());
    assertEquals(rev(1), h.handle.localRevision());
  }

  @Test
  @DisplayName("CA-28 provider failure at start: FAILED, unsubscribed, and a later start succeeds")
  void failedStartCanBeRetried() {
    EngineHarness h = EngineHarness.create();
    CompletableFuture<Void> first = h.handle.start();
    IOException boom = new IOException("down");
    h.provider.fail(boom);

    assertSame(boom, failureOf(first));
    assertEquals(0, h.subscriber.live());
    assertEquals(SyncStatus.FAILED, h.handle.status());

    CompletableFuture<Void> second = h.handle.start();
    h.provider.complete(env(1));

    assertTrue(second.isDone() && !second.isCompletedExceptionally());
    assertEquals(SyncStatus.RUNNING, h.handle.status());
    assertEquals(1, h.subscriber.live());
    assertEquals(2, h.subscriber.subscribes());
  }

  @Test
  @DisplayName("CA-28 after a failed start and a successful restart, events still fetch")
  void eventsFetchAfterRestartFromFailed() {
    EngineHarness h = EngineHarness.create();
    h.handle.start();
    h.provider.fail(new IOException("down"));
    h.startWith(env(1)).join();

    h.send(event(2));

    assertEquals(3, h.provider.calls(), "the event after the restart must fetch");
    h.provider.complete(env(2));
    assertEquals(rev(2), h.handle.localRevision());
  }

  @Test
  @DisplayName("CA-29 subscribe fails: start fails with the same object, one SUBSCRIBE, FAILED")
  void subscribeFailureFailsStart() {
    EngineHarness h = EngineHarness.create();
    IllegalStateException boom = new IllegalStateException("no broker");
    h.subscriber.failWith(boom);

    CompletableFuture<Void> f = h.handle.start();

    assertSame(boom, failureOf(f));
    assertEquals(1, h.errors(SyncPhase.SUBSCRIBE).size());
    assertSame(boom, h.errors(SyncPhase.SUBSCRIBE).get(0).error());
    assertEquals(SyncStatus.FAILED, h.handle.status());
    assertEquals(0, h.provider.calls());
  }

  @Test
  @DisplayName("CA-34 start() three times subscribes once; stop() three times unsubscribes once")
  void startAndStopAreIdempotent() {
    EngineHarness h = EngineHarness.create();
    CompletableFuture<Void> a = h.handle.start();
    CompletableFuture<Void> b = h.handle.start();
    h.provider.complete(env(1));
    CompletableFuture<Void> c = h.handle.start();

    assertTrue(a.isDone() && b.isDone() && c.isDone());
    assertEquals(1, h.subscriber.subscribes());
    assertEquals(1, h.provider.calls());
    assertEquals(List.of(1L), h.appliedRevisions());

    h.handle.stop();
    h.handle.stop();
    h.handle.stop();
    assertEquals(1, h.subscriber.unsubscribes());
  }

  @Test
  @DisplayName("CA-35 a provider rejection at start fails start with it and one GET_SNAPSHOT")
  void providerRejectionAtStartIsReportedOnce() {
    EngineHarness h = EngineHarness.create();
    CompletableFuture<Void> f = h.handle.start();
    IOException boom = new IOException("rejected");
    h.provider.fail(boom);

    assertSame(boom, failureOf(f));
    assertEquals(1, h.errors().size());
    assertEquals(SyncPhase.GET_SNAPSHOT, h.errors().get(0).phase());
  }

  @Test
  @DisplayName("CA-35 an applier throw at start fails start with it and one APPLY")
  void applierThrowAtStartIsReportedOnce() {
    EngineHarness h = EngineHarness.create();
    IllegalStateException boom = new IllegalStateException("ui gone");
    h.applyBehaviour = e -> {
      throw boom;
    };
    CompletableFuture<Void> f = h.startWith(env(1));

    assertSame(boom, failureOf(f));
    assertEquals(1, h.errors().size());
    assertEquals(SyncPhase.APPLY, h.errors().get(0).phase());
    assertEquals("1", h.errors().get(0).snapshotRevision());
    assertEquals(SyncStatus.FAILED, h.handle.status());
  }

  @Test
  @DisplayName("CA-49 stop() while subscribe is pending: unsubscribed once on completion")
  void stopDuringPendingSubscribeUnsubscribesOnCompletion() {
    EngineHarness h = EngineHarness.create();
    h.subscriber.holdNext();
    CompletableFuture<Void> f = h.handle.start();

    h.handle.stop();
    assertEquals(0, h.subscriber.unsubscribes());
    h.subscriber.release();

    assertEquals(1, h.subscriber.unsubscribes());
    assertEquals(0, h.subscriber.live());
    assertInstanceOf(CancellationException.class, failureOf(f));
    assertEquals(SyncStatus.STOPPED, h.handle.status());
    assertEquals(0, h.provider.calls());
  }

  @Test
  @DisplayName("CA-52 two concurrent start() calls both complete after the initial apply")
  void concurrentStartsShareTheInitialCycle() {
    EngineHarness h = EngineHarness.create();
    CompletableFuture<Void> a = h.handle.start();
    CompletableFuture<Void> b = h.handle.start();
    assertFalse(a.isDone() || b.isDone());

    h.provider.complete(env(1));

    assertTrue(a.isDone() && !a.isCompletedExceptionally());
    assertTrue(b.isDone() && !b.isCompletedExceptionally());
    assertEquals(List.of(1L), h.appliedRevisions());
  }

  @Test
  @DisplayName("CA-52 two concurrent start() calls fail with the same exception")
  void concurrentStartsFailTogether() {
    EngineHarness h = EngineHarness.create();
    CompletableFuture<Void> a = h.handle.start();
    CompletableFuture<Void> b = h.handle.start();
    IOException boom = new IOException("down");
    h.provider.fail(boom);

    assertSame(boom, failureOf(a));
    assertSame(boom, failureOf(b));
  }

  @Test
  @DisplayName("CA-53 start() during a manual refresh() waits for a cycle begun after subscribe")
  void startDuringManualRefreshWaitsForItsOwnCycle() {
    EngineHarness h = EngineHarness.create();
    CompletableFuture<ApplyOutcome> manual = h.handle.refresh();
    CompletableFuture<Void> started = h.handle.start();
    assertEquals(1, h.provider.calls());

    h.provider.complete(env(1));
    assertEquals(ApplyOutcome.APPLIED, manual.join());
    assertFalse(started.isDone(), "the manual cycle began before subscribe");
    assertEquals(2, h.provider.calls());

    h.provider.complete(env(1));
    assertTrue(started.isDone() && !started.isCompletedExceptionally());
    assertEquals(SyncStatus.RUNNING, h.handle.status());
  }

  @Test
  @DisplayName("CA-84 stop() during a running apply records its revision but publishes nothing")
  void stopDuringApplyRecordsRevisionWithoutNotification() {
    EngineHarness h = EngineHarness.create();
    List<Object> seen = new ArrayList<>();
    h.handle.addListener(new SyncListener() {
      @Override
      public void onSnapshotApplied(dev.statesync.core.Revision r,
          java.util.Optional<dev.statesync.core.Epoch> e, dev.statesync.core.ApplyOrigin o,
          boolean reset) {
        seen.add(r.toString());
      }

      @Override
      public void onStatusChanged(SyncStatus from, SyncStatus to) {
        seen.add(to);
      }
    });
    h.startWith(env(1)).join();
    CompletableFuture<Void> applying = new CompletableFuture<>();
    h.applyBehaviour = e -> applying;
    h.send(event(2));
    h.provider.complete(env(2));
    assertEquals(List.of(1L, 2L), h.appliedRevisions());

    h.handle.stop();
    applying.complete(null);

    assertEquals(rev(2), h.handle.localRevision());
    assertEquals(List.of(SyncStatus.STARTING, "1", SyncStatus.RUNNING, SyncStatus.STOPPED), seen);
    assertEquals(ApplyOutcome.STOPPED, h.handle.offer(env(3)).join());
    assertEquals(List.of(1L, 2L), h.appliedRevisions());
  }

  @Test
  @DisplayName("CA-86 close() inside the applier returns without waiting")
  void closeInsideApplierDoesNotDeadlock() {
    EngineHarness h = EngineHarness.create();
    h.startWith(env(1)).join();
    h.applyBehaviour = e -> {
      h.handle.close();
      return CompletableFuture.completedFuture(null);
    };
    h.send(event(2));
    h.provider.complete(env(2));

    assertEquals(SyncStatus.STOPPED, h.handle.status());
    assertEquals(rev(2), h.handle.localRevision());
    assertEquals(0, h.logger.count("warn", "close timed out"));
  }

  @Test
  @DisplayName("CA-87 a listener sees IDLE→STARTING→RUNNING→STOPPED")
  void listenerSeesStatusTransitions() {
    EngineHarness h = EngineHarness.create();
    List<String> transitions = new ArrayList<>();
    h.handle.addListener(new SyncListener() {
      @Override
      public void onStatusChanged(SyncStatus from, SyncStatus to) {
        transitions.add(from + "->" + to);
      }
    });
    h.startWith(env(1)).join();
    h.handle.stop();

    assertEquals(List.of("IDLE->STARTING", "STARTING->RUNNING", "RUNNING->STOPPED"), transitions);
  }

  @Test
  @DisplayName("CA-87 a failed start shows STARTING→FAILED")
  void listenerSeesFailedStart() {
    EngineHarness h = EngineHarness.create();
    List<String> transitions = new ArrayList<>();
    h.handle.addListener(new SyncListener() {
      @Override
      public void onStatusChanged(SyncStatus from, SyncStatus to) {
        transitions.add(from + "->" + to);
      }
    });
    h.handle.start();
    h.provider.fail(new IOException("down"));

    assertEquals(List.of("IDLE->STARTING", "STARTING->FAILED"), transitions);
  }

  @Test
  @DisplayName("CA-88 a Flow subscriber receives r1, r2, r3 in order, then onComplete after stop")
  void publisherDeliversAppliesInOrderThenCompletes() {
    EngineHarness h = EngineHarness.create();
    List<String> received = new ArrayList<>();
    h.handle.changes().subscribe(new Flow.Subscriber<SyncChange>() {
      @Override
      public void onSubscribe(Flow.Subscription s) {
        s.request(Long.MAX_VALUE);
      }

      @Override
      public void onNext(SyncChange item) {
        if (item instanceof SyncChange.SnapshotApplied a) {
          received.add("r" + a.revision());
        }
      }

      @Override
      public void onError(Throwable t) {
        received.add("error");
      }

      @Override
      public void onComplete() {
        received.add("complete");
      }
    });
    h.startWith(env(1)).join();
    h.send(event(2));
    h.provider.complete(env(2));
    h.send(event(3));
    h.provider.complete(env(3));
    assertEquals(List.of("r1", "r2", "r3"), received);

    h.handle.stop();
    assertEquals(List.of("r1", "r2", "r3", "complete"), received);
  }

  @Test
  @DisplayName("CA-89 a throwing listener is logged and the others and the engine continue")
  void throwingListenerDoesNotStopOthers() {
    EngineHarness h = EngineHarness.create();
    List<String> other = new ArrayList<>();
    h.handle.addListener(new SyncListener() {
      @Override
      public void onSnapshotApplied(dev.statesync.core.Revision r,
          java.util.Optional<dev.statesync.core.Epoch> e, dev.statesync.core.ApplyOrigin o,
          boolean reset) {
        throw new IllegalStateException("listener bug");
      }
    });
    h.handle.addListener(new SyncListener() {
      @Override
      public void onSnapshotApplied(dev.statesync.core.Revision r,
          java.util.Optional<dev.statesync.core.Epoch> e, dev.statesync.core.ApplyOrigin o,
          boolean reset) {
        other.add(r.toString());
      }
    });
    h.startWith(env(1)).join();
    h.send(event(2));
    h.provider.complete(env(2));

    assertEquals(List.of("1", "2"), other);
    assertEquals(2, h.logger.count("warn", "listener threw"));
    assertEquals(rev(2), h.handle.localRevision());
  }
}
