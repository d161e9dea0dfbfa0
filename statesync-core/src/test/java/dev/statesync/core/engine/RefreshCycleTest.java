package dev.statesync.core.engine;

import static dev.statesync.core.engine.EngineHarness.env;
import static dev.statesync.core.engine.EngineHarness.event;
import static dev.statesync.core.engine.EngineHarness.failureOf;
import static dev.statesync.core.engine.EngineHarness.rev;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.statesync.core.ApplyOutcome;
import dev.statesync.core.RetryPolicy;
import dev.statesync.core.SyncErrorContext;
import dev.statesync.core.SyncPhase;
import dev.statesync.core.SyncStatus;
import dev.statesync.core.TargetRevisionNotReachedException;
import java.io.IOException;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeoutException;
import java.util.random.RandomGenerator;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** Refresh cycles, retry, re-arm and the fetch/invalidate race (CORE-33, CORE-38..46, §7). */
class RefreshCycleTest {

  private static EngineHarness running(long initial) {
    EngineHarness h = EngineHarness.create();
    h.startWith(env(initial)).join();
    return h;
  }

  private static RetryPolicy.Builder retryNoJitter() {
    return RetryPolicy.builder().jitter(0);
  }

  @Test
  @DisplayName("CA-31 refresh() before start() applies and leaves the status IDLE")
  void refreshBeforeStartApplies() {
    EngineHarness h = EngineHarness.create();
    CompletableFuture<ApplyOutcome> f = h.handle.refresh();
    h.provider.complete(env(1));

    assertEquals(ApplyOutcome.APPLIED, f.join());
    assertEquals(SyncStatus.IDLE, h.handle.status());
    assertEquals(0, h.subscriber.subscribes());
  }

  @Test
  @DisplayName("CA-32 refresh() after stop() gives STOPPED with no fetch and no error")
  void refreshAfterStopIsStopped() {
    EngineHarness h = running(1);
    h.handle.stop();

    assertEquals(ApplyOutcome.STOPPED, h.handle.refresh().join());
    assertEquals(1, h.provider.calls());
    assertEquals(List.of(), h.errors());
  }

  @Test
  @DisplayName("CA-40 a failed fetch keeps demand queued during it and retries after 500 ms")
  void queuedRefreshSurvivesFailedFetch() {
    EngineHarness h = running(1);
    h.send(event(2));
    h.send(event(3));
    h.provider.fail(new IOException("flaky"));

    SyncErrorContext last = h.errors().get(h.errors().size() - 1);
    assertEquals(Boolean.TRUE, last.willRetry());
    assertEquals(500L, last.nextDelayMs());
    h.time.advanceMs(499);
    assertEquals(2, h.provider.calls());
    h.time.advanceMs(1);
    assertEquals(3, h.provider.calls());
    h.provider.complete(env(3));
    assertEquals(rev(3), h.handle.localRevision());
  }

  @Test
  @DisplayName("CA-41 a failure with no pending demand does not retry")
  void failureWithoutDemandWaitsForNextEvent() {
    EngineHarness h = running(1);
    h.send(event(2));
    h.provider.fail(new IOException("flaky"));

    SyncErrorContext e = h.errors(SyncPhase.GET_SNAPSHOT).get(0);
    assertEquals(Boolean.FALSE, e.willRetry());
    assertNull(e.nextDelayMs());
    h.time.advanceMs(60_000);
    assertEquals(2, h.provider.calls());
    h.send(event(3));
    assertEquals(3, h.provider.calls());
  }

  @Test
  @DisplayName("CA-42 default retry: attempt 2 succeeds at +500 ms after one reported failure")
  void defaultRetrySucceedsOnSecondAttempt() {
    EngineHarness h = EngineHarness.create(b -> b.retry(retryNoJitter().build()));
    h.startWith(env(1)).join();
    h.send(event(2));
    h.provider.fail(new IOException("flaky"));
    h.time.advanceMs(499);
    assertEquals(2, h.provider.calls());
    h.time.advanceMs(1);
    assertEquals(3, h.provider.calls());
    h.provider.complete(env(2));

    assertEquals(1, h.errors().size());
    SyncErrorContext e = h.errors().get(0);
    assertEquals(SyncPhase.GET_SNAPSHOT, e.phase());
    assertEquals(1, e.attempt());
    assertEquals(Boolean.TRUE, e.willRetry());
    assertEquals(500L, e.nextDelayMs());
    assertEquals(rev(2), h.handle.localRevision());
  }

  @Test
  @DisplayName("CA-43 three failing attempts report 500, 1000, absent; refresh fails with the third")
  void exhaustedRetriesFailRefreshWithLastError() {
    EngineHarness h = EngineHarness.create(b -> b.retry(retryNoJitter().build()));
    h.startWith(env(1)).join();
    CompletableFuture<ApplyOutcome> f = h.handle.refresh();
    IOException third = new IOException("third");
    h.provider.fail(new IOException("first"));
    h.time.advanceMs(500);
    h.provider.fail(new IOException("second"));
    h.time.advanceMs(1000);
    h.provider.fail(third);

    List<SyncErrorContext> errors = h.errors(SyncPhase.GET_SNAPSHOT);
    assertEquals(List.of(1, 2, 3), errors.stream().map(SyncErrorContext::attempt).toList());
    assertEquals(500L, errors.get(0).nextDelayMs());
    assertEquals(1000L, errors.get(1).nextDelayMs());
    assertNull(errors.get(2).nextDelayMs());
    assertEquals(Boolean.FALSE, errors.get(2).willRetry());
    assertSame(third, failureOf(f));
  }

  @Test
  @DisplayName("CA-44 multiplier 10, initial 100, max 500, 4 attempts: delays 100, 500, 500")
  void retryDelaysAreCappedByMaxDelay() {
    RetryPolicy policy = RetryPolicy.builder().multiplier(10).initialDelayMs(100).maxDelayMs(500)
        .maxAttempts(4).jitter(0).build();
    EngineHarness h = EngineHarness.create(b -> b.retry(policy));
    h.startWith(env(1)).join();
    h.handle.refresh();
    h.provider.fail(new IOException("1"));
    h.time.advanceMs(100);
    h.provider.fail(new IOException("2"));
    h.time.advanceMs(500);
    h.provider.fail(new IOException("3"));
    h.time.advanceMs(500);
    h.provider.fail(new IOException("4"));

    List<Long> delays = h.errors().stream().map(SyncErrorContext::nextDelayMs).toList();
    assertEquals(java.util.Arrays.asList(100L, 500L, 500L, null), delays);
    assertEquals(5, h.provider.calls());
  }

  @Test
  @DisplayName("CA-45 jitter 0.5 on base 500 gives 250 at u=0.0 and 700 at u=0.9")
  void jitterScalesAroundBase() {
    RetryPolicy policy = RetryPolicy.builder().initialDelayMs(500).jitter(0.5).build();

    assertEquals(250, policy.delayMs(1, fixed(0.0)));
    assertEquals(700, policy.delayMs(1, fixed(0.9)));
  }

  private static RandomGenerator fixed(double u) {
    return new RandomGenerator() {
      @Override
      public long nextLong() {
        throw new UnsupportedOperationException();
      }

      @Override
      public double nextDouble() {
        return u;
      }
    };
  }

  @Test
  @DisplayName("CA-46 a retryIf returning false gives one attempt only")
  void retryIfFalseMeansOneAttempt() {
    EngineHarness h = EngineHarness.create(b -> b.retry(retryNoJitter().retryIf((p, e) -> false).build()));
    h.startWith(env(1)).join();
    h.send(event(2));
    h.provider.fail(new IOException("x"));
    h.time.advanceMs(10_000);

    assertEquals(2, h.provider.calls());
    assertEquals(1, h.errors().size());
    assertEquals(Boolean.FALSE, h.errors().get(0).willRetry());
  }

  @Test
  @DisplayName("CA-46 a throwing retryIf counts as false and logs a warn")
  void throwingRetryIfCountsAsFalse() {
    EngineHarness h = EngineHarness.create(b -> b.retry(retryNoJitter().retryIf((p, e) -> {
      throw new IllegalStateException("predicate bug");
    }).build()));
    h.startWith(env(1)).join();
    h.send(event(2));
    h.provider.fail(new IOException("x"));
    h.time.advanceMs(10_000);

    assertEquals(2, h.provider.calls());
    assertEquals(Boolean.FALSE, h.errors().get(0).willRetry());
    assertEquals(1, h.logger.entries().stream()
        .filter(e -> e.level().equals("warn") && e.message().contains("retryIf")).count());
  }

  @Test
  @DisplayName("CA-47 stop() during a retry delay: no further getSnapshot")
  void stopCancelsRetry() {
    EngineHarness h = EngineHarness.create(b -> b.retry(retryNoJitter().build()));
    h.startWith(env(1)).join();
    h.send(event(2));
    h.provider.fail(new IOException("x"));
    h.handle.stop();
    h.time.advanceMs(60_000);

    assertEquals(2, h.provider.calls());
    assertEquals(0, h.time.pendingTasks());
  }

  @Test
  @DisplayName("CA-48 invalid retry policies throw at build()")
  void invalidRetryPoliciesAreRejected() {
    assertThrows(IllegalArgumentException.class, () -> RetryPolicy.builder().maxAttempts(0).build());
    assertThrows(IllegalArgumentException.class, () -> RetryPolicy.builder().initialDelayMs(-1).build());
    assertThrows(IllegalArgumentException.class, () -> RetryPolicy.builder().multiplier(0.5).build());
    assertThrows(IllegalArgumentException.class, () -> RetryPolicy.builder().jitter(1.5).build());
    assertThrows(IllegalArgumentException.class,
        () -> RetryPolicy.builder().initialDelayMs(1000).maxDelayMs(999).build());
  }

  @Test
  @DisplayName("CA-50 refresh() during a fetch completes only after a fetch that began after it")
  void refreshDuringFetchWaitsForNextCycle() {
    EngineHarness h = running(1);
    h.send(event(2));
    CompletableFuture<ApplyOutcome> f = h.handle.refresh();
    h.provider.complete(env(2));
    assertFalse(f.isDone());
    assertEquals(3, h.provider.calls());

    h.provider.complete(env(3));
    assertEquals(ApplyOutcome.APPLIED, f.join());
  }

  @Test
  @DisplayName("CA-50 refresh() during a fetch fails if the follow-up fetch fails")
  void refreshDuringFetchFailsWithFollowUp() {
    EngineHarness h = running(1);
    h.send(event(2));
    CompletableFuture<ApplyOutcome> f = h.handle.refresh();
    h.provider.complete(env(2));
    IOException boom = new IOException("follow-up");
    h.provider.fail(boom);

    assertSame(boom, failureOf(f));
  }

  @Test
  @DisplayName("CA-51 three refresh() calls during one fetch share one follow-up fetch")
  void refreshesDuringFetchShareFollowUp() {
    EngineHarness h = running(1);
    h.send(event(2));
    CompletableFuture<ApplyOutcome> a = h.handle.refresh();
    CompletableFuture<ApplyOutcome> b = h.handle.refresh();
    CompletableFuture<ApplyOutcome> c = h.handle.refresh();
    h.provider.complete(env(2));
    h.provider.complete(env(2));

    assertEquals(3, h.provider.calls());
    assertEquals(ApplyOutcome.NOT_NEWER, a.join());
    assertEquals(ApplyOutcome.NOT_NEWER, b.join());
    assertEquals(ApplyOutcome.NOT_NEWER, c.join());
  }

  @Test
  @DisplayName("CA-55 a hung provider times out after 1 s; a late completion is ignored")
  void hungProviderTimesOut() {
    EngineHarness h = EngineHarness.create(b -> b.snapshotTimeoutMs(1000));
    h.startWith(env(1)).join();
    h.send(event(2));
    CompletableFuture<dev.statesync.core.SnapshotEnvelope<String>> hung = h.provider.last();
    h.time.advanceMs(999);
    assertEquals(List.of(), h.errors());
    h.time.advanceMs(1);

    assertEquals(1, h.errors(SyncPhase.GET_SNAPSHOT).size());
    assertInstanceOf(TimeoutException.class, h.errors().get(0).error());
    hung.complete(env(9));
    assertEquals(rev(1), h.handle.localRevision());

    h.send(event(3));
    assertEquals(3, h.provider.calls());
    h.provider.complete(env(3));
    assertEquals(List.of(1L, 3L), h.appliedRevisions());
  }

  @Test
  @DisplayName("CA-67 a provider that returns a null envelope gives one REFRESH NPE")
  void nullEnvelopeIsRefreshError() {
    EngineHarness h = running(1);
    h.send(event(2));
    h.provider.complete(null);

    assertEquals(1, h.errors().size());
    assertEquals(SyncPhase.REFRESH, h.errors().get(0).phase());
    assertInstanceOf(NullPointerException.class, h.errors().get(0).error());
  }

  @Test
  @DisplayName("CA-67 a provider that returns a null stage gives one REFRESH NPE")
  void nullStageIsRefreshError() {
    EngineHarness h = EngineHarness.create(b -> b.provider(() -> null));
    h.handle.refresh();

    assertEquals(1, h.errors().size());
    assertEquals(SyncPhase.REFRESH, h.errors().get(0).phase());
    assertInstanceOf(NullPointerException.class, h.errors().get(0).error());
  }

  @Test
  @DisplayName("CA-68 a lagging provider re-arms after 500, 1000, 2000 ms, then gives up once")
  void laggingProviderGivesUpAfterRearmLimit() {
    EngineHarness h = running(4);
    h.send(event(5));
    h.provider.complete(env(4));
    long[] delays = {500, 1000, 2000};
    for (int i = 0; i < delays.length; i++) {
      h.time.advanceMs(delays[i] - 1);
      assertEquals(2 + i, h.provider.calls(), "before re-arm " + (i + 1));
      h.time.advanceMs(1);
      assertEquals(3 + i, h.provider.calls(), "at re-arm " + (i + 1));
      h.provider.complete(env(4));
    }

    assertEquals(1, h.errors().size());
    SyncErrorContext e = h.errors().get(0);
    assertEquals(SyncPhase.REFRESH, e.phase());
    assertInstanceOf(TargetRevisionNotReachedException.class, e.error());
    assertEquals("5", e.eventRevision());
    assertEquals(3, h.handle.stats().rearms());
    h.time.advanceMs(600_000);
    assertEquals(5, h.provider.calls());
    assertEquals(1, h.errors().size());
  }

  @Test
  @DisplayName("CA-69 a fetch that returns r4 after event r5 arrived is followed by a second fetch")
  void staleReadAfterNewerEventIsChased() {
    EngineHarness h = running(3);
    h.send(event(4));
    h.send(event(5));
    h.provider.complete(env(4));
    assertEquals(3, h.provider.calls());
    h.provider.complete(env(5));

    assertEquals(List.of(3L, 4L, 5L), h.appliedRevisions());
    assertEquals(0, h.provider.outstanding());
  }

  @Test
  @DisplayName("CA-70 a fetch that returns r5 after event r5 arrived needs no second fetch")
  void readAtTargetEndsChase() {
    EngineHarness h = running(3);
    h.send(event(4));
    h.send(event(5));
    h.provider.complete(env(5));

    assertEquals(2, h.provider.calls());
    assertEquals(1, h.handle.stats().coalesced());
    assertEquals(rev(5), h.handle.localRevision());
  }

  @Test
  @DisplayName("CA-71 a manual refresh with no progress and a newer event mid-fetch re-fetches at once")
  void newerTargetDuringManualRefreshRefetchesWithoutBackoff() {
    EngineHarness h = running(5);
    h.handle.refresh();
    h.send(event(6));
    h.provider.complete(env(5));

    assertEquals(3, h.provider.calls());
    assertEquals("rearm", h.refreshReasons().get(h.refreshReasons().size() - 1));
    h.provider.complete(env(6));
    assertEquals(rev(6), h.handle.localRevision());
  }
}
