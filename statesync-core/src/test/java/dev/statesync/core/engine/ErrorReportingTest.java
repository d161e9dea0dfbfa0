package dev.statesync.core.engine;

import static dev.statesync.core.engine.EngineHarness.env;
import static dev.statesync.core.engine.EngineHarness.event;
import static dev.statesync.core.engine.EngineHarness.failureOf;
import static dev.statesync.core.engine.EngineHarness.rev;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.statesync.core.ProtocolException;
import dev.statesync.core.RetryPolicy;
import dev.statesync.core.SnapshotProvider;
import dev.statesync.core.SyncPhase;
import dev.statesync.core.SyncStats;
import dev.statesync.core.SyncStatus;
import java.io.IOException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** Error emission, logging levels, stats and close (CORE-31, CORE-60, CORE-66, CORE-70). */
class ErrorReportingTest {

  @Test
  @DisplayName("CA-24 a JSON provider returning revision \"01\" fails start with one PROTOCOL")
  void malformedInitialSnapshotFailsStart() {
    EngineHarness h = EngineHarness.create(b -> b.provider(SnapshotProvider.json(
        () -> CompletableFuture.completedFuture("{\"revision\":\"01\",\"data\":\"x\"}"),
        String.class)));
    CompletableFuture<Void> f = h.handle.start();

    assertInstanceOf(ProtocolException.class, failureOf(f));
    assertEquals(1, h.errors().size());
    assertEquals(SyncPhase.PROTOCOL, h.errors().get(0).phase());
    assertEquals("01", h.errors().get(0).snapshotRevision());
    assertEquals(0, h.subscriber.live());
    assertEquals(SyncStatus.FAILED, h.handle.status());
  }

  @Test
  @DisplayName("CA-33 a throwing onError is logged and the next valid event still applies")
  void throwingOnErrorIsContained() {
    EngineHarness h = EngineHarness.create(b -> b.onError(e -> {
      throw new IllegalStateException("handler bug");
    }));
    h.startWith(env(1)).join();
    h.subscriber.sink().acceptJson("{\"topic\":\"settings\",\"revision\":\"01\"}");

    assertEquals(1, h.logger.count("error", "onError callback threw"));
    RecordingLogger.Entry entry = h.logger.withMessage("onError callback threw").get(0);
    assertEquals("protocol", entry.extra().get("phase"));
    h.send(event(2));
    h.provider.complete(env(2));
    assertEquals(rev(2), h.handle.localRevision());
  }

  @Test
  @DisplayName("CA-85 close() waits for a running blocking apply, then returns")
  void closeWaitsForRunningApply() throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(2);
    try {
      EngineHarness h = EngineHarness.create();
      h.startWith(env(1)).join();
      CountDownLatch entered = new CountDownLatch(1);
      CountDownLatch release = new CountDownLatch(1);
      h.applyBehaviour = e -> CompletableFuture.runAsync(() -> {
        entered.countDown();
        try {
          release.await(10, TimeUnit.SECONDS);
        } catch (InterruptedException ex) {
          Thread.currentThread().interrupt();
        }
      }, pool);
      h.send(event(2));
      h.provider.complete(env(2));
      assertTrue(entered.await(5, TimeUnit.SECONDS));

      CompletableFuture<Void> closed = CompletableFuture.runAsync(h.handle::close, pool);
      // Bounded wait: close must still be blocked while the applier runs.
      assertFalse(awaitDone(closed, 200));
      release.countDown();

      assertTrue(awaitDone(closed, 5000));
      assertEquals(SyncStatus.STOPPED, h.handle.status());
      assertEquals(rev(2), h.handle.localRevision());
      assertEquals(0, h.logger.count("warn", "close timed out"));
    } finally {
      pool.shutdownNow();
    }
  }

  private static boolean awaitDone(CompletableFuture<?> f, long ms) throws Exception {
    try {
      f.get(ms, TimeUnit.MILLISECONDS);
      return true;
    } catch (java.util.concurrent.TimeoutException e) {
      return false;
    }
  }

  @Test
  @DisplayName("CA-90 stats after start and two events, one stale")
  void statsCountFetchesAppliesAndStaleDrops() {
    EngineHarness h = EngineHarness.create();
    h.time.setWallClock(1_700_000_000_000L);
    h.startWith(env(1)).join();
    h.send(event(2));
    h.time.setWallClock(1_700_000_000_500L);
    h.provider.complete(env(2));
    h.send(event(1));

    SyncStats s = h.handle.stats();
    assertEquals(2, s.fetches());
    assertEquals(2, s.applies());
    assertEquals(1, s.droppedStale());
    assertEquals(2, s.eventsReceived());
    assertEquals(1_700_000_000_500L, s.lastAppliedAt().getAsLong());
    assertEquals(rev(2), s.localRevision());
    assertEquals(0, s.lag());
    assertFalse(s.inFlight());
  }

  @Test
  @DisplayName("CA-95 a retried error warns, PROTOCOL warns, a final APPLY errors as `apply error`")
  void logLevelsFollowRetryAndPhase() {
    EngineHarness h = EngineHarness.create(b -> b.retry(RetryPolicy.builder().jitter(0).build()));
    h.startWith(env(1)).join();
    h.send(event(2));
    h.provider.fail(new IOException("flaky"));
    assertEquals(1, h.logger.count("warn", "getSnapshot error"));

    h.subscriber.sink().acceptJson("{\"topic\":\"settings\",\"revision\":\"x\"}");
    assertEquals(1, h.logger.count("warn", "protocol error"));

    h.applyBehaviour = e -> CompletableFuture.failedFuture(new IllegalStateException("ui"));
    h.time.advanceMs(500);
    h.provider.complete(env(2));
    assertEquals(1, h.logger.count("error", "apply error"));
    RecordingLogger.Entry apply = h.logger.withMessage("apply error").get(0);
    assertEquals(java.util.List.of("phase", "topic", "error", "localRevision", "snapshotRevision",
        "attempt", "willRetry"), java.util.List.copyOf(apply.extra().keySet()));
    assertEquals(0, h.logger.count("error", "getSnapshot error"));
  }
}
