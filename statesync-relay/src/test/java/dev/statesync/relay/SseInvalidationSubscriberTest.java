package dev.statesync.relay;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.statesync.core.Subscription;
import dev.statesync.relay.testserver.RecordingScheduler;
import dev.statesync.relay.testserver.RecordingSink;
import dev.statesync.relay.testserver.TestSseServer;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.random.RandomGenerator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** AC-RELAY-36 and the reconnect rules of RELAY-4, RELAY-5 and RELAY-30 (AC-RELAY-32). */
class SseInvalidationSubscriberTest {
  private static final Duration WAIT = Duration.ofSeconds(20);
  private final TestSseServer server = TestSseServer.start();
  private final RecordingScheduler scheduler = new RecordingScheduler();

  @AfterEach
  void stop() {
    server.close();
  }

  /** Jitter pinned to its upper end: every delay is exactly min(max, base * 2^(k-1)). */
  private static final RandomGenerator NO_JITTER = () -> -1L; // nextDouble() of all ones ~ 1.0

  private SseInvalidationSubscriber.Builder subscriber() {
    return SseInvalidationSubscriber.builder(server.uri("/sse"))
        .scheduler(scheduler)
        .timeSource(scheduler)
        .initialReconnectDelay(Duration.ofMillis(50))
        .maxReconnectDelay(Duration.ofSeconds(2));
  }

  private static Subscription subscribe(SseInvalidationSubscriber s, RecordingSink sink)
      throws Exception {
    return s.subscribe(sink).toCompletableFuture().get(20, TimeUnit.SECONDS);
  }

  @Test
  void eventDataOfMatchingTypesReachesEverySinkUnchangedOverOneConnection() throws Exception {
    SseInvalidationSubscriber s = subscriber().build();
    RecordingSink a = new RecordingSink();
    RecordingSink b = new RecordingSink();
    Subscription sa = subscribe(s, a);
    Subscription sb = subscribe(s, b);
    assertEquals(1, server.streams().size());
    server.publish("invalidation", "{\"topic\":\"x\",\"revision\":\"1\"}");
    server.publish("ping", "ignored");
    server.publishWithoutId(null, "{ not json, passed on as is }");
    server.publish("invalidation", "{\"topic\":\"y\",\n\"revision\":\"2\"}");
    List<String> expected =
        List.of(
            "{\"topic\":\"x\",\"revision\":\"1\"}",
            "{ not json, passed on as is }",
            "{\"topic\":\"y\",\n\"revision\":\"2\"}");
    a.await("three events", WAIT, r -> r.received().size() == 3);
    b.await("three events", WAIT, r -> r.received().size() == 3);
    assertEquals(expected, a.received());
    assertEquals(expected, b.received());
    assertEquals(0, a.resyncs());
    sa.unsubscribe();
    assertTrue(s.isConnected());
    sb.unsubscribe();
    server.await("the stream closed", WAIT, () -> server.openStreams().isEmpty());
    assertFalse(s.isConnected());
  }

  @Test
  void theRequestCarriesTheEventStreamHeadersAndTheUsersHeaders() throws Exception {
    SseInvalidationSubscriber s =
        subscriber()
            .headers(Map.of("X-App", "a", "Authorization", "static"))
            .headersSupplier(() -> Map.of("Authorization", "Bearer rotated"))
            .build();
    Subscription sub = subscribe(s, new RecordingSink());
    TestSseServer.Request r = server.sseRequests().get(0);
    assertEquals("text/event-stream", r.header("Accept"));
    assertEquals("no-cache", r.header("Cache-Control"));
    assertEquals("a", r.header("X-App"));
    assertEquals("Bearer rotated", r.header("Authorization"));
    assertNull(r.header("Last-Event-ID"));
    sub.unsubscribe();
  }

  @Test
  void aFailedFirstAttemptFailsSubscribeAndALaterSubscribeConnectsAfresh() throws Exception {
    SseInvalidationSubscriber s = subscriber().build();
    server.answerNext(500, 1);
    ExecutionException e =
        assertThrows(
            ExecutionException.class,
            () -> s.subscribe(new RecordingSink()).toCompletableFuture().get(20, TimeUnit.SECONDS));
    HttpStatusException status = assertInstanceOf(HttpStatusException.class, e.getCause());
    assertEquals(500, status.statusCode());
    assertEquals(List.of(), scheduler.delays(), "no retry after a failed first attempt");

    server.sseContentType("text/plain");
    e =
        assertThrows(
            ExecutionException.class,
            () -> s.subscribe(new RecordingSink()).toCompletableFuture().get(20, TimeUnit.SECONDS));
    assertInstanceOf(SseFatalResponseException.class, e.getCause());

    server.sseContentType("TEXT/Event-Stream;charset=UTF-8");
    RecordingSink sink = new RecordingSink();
    Subscription sub = subscribe(s, sink);
    assertTrue(s.isConnected());
    server.publish("message", "{}");
    sink.await("the event", WAIT, r -> r.received().size() == 1);
    sub.unsubscribe();
  }

  @Test
  void aDroppedStreamReconnectsWithLastEventIdAndResyncsEachSinkOnce() throws Exception {
    SseInvalidationSubscriber s = subscriber().random(NO_JITTER).build();
    RecordingSink a = new RecordingSink();
    RecordingSink b = new RecordingSink();
    Subscription sa = subscribe(s, a);
    Subscription sb = subscribe(s, b);
    server.publish("invalidation", "one");
    server.publish("invalidation", "two");
    a.await("two events", WAIT, r -> r.received().size() == 2);

    server.closeStreams();
    assertEquals(50, scheduler.awaitScheduled(1, WAIT));
    assertEquals(0, a.resyncs());
    server.publish("invalidation", "three"); // logged while no stream is open
    scheduler.time().advanceMs(50);

    server.await("a second stream", WAIT, () -> server.openStreams().size() == 1);
    assertEquals("2", server.streams().get(1).request.header("Last-Event-ID"));
    a.await("the resync and the replayed event", WAIT, r -> r.resyncs() == 1 && r.received().size() == 3);
    b.await("the resync and the replayed event", WAIT, r -> r.resyncs() == 1 && r.received().size() == 3);
    assertEquals(List.of("one", "two", "three"), b.received());
    sa.unsubscribe();
    sb.unsubscribe();
    assertEquals(1, a.resyncs());
    assertEquals(1, b.resyncs());
  }

  @Test
  void backoffDoublesFromTheInitialDelayAndRetryChangesTheBase() throws Exception {
    SseInvalidationSubscriber s = subscriber().build();
    RecordingSink sink = new RecordingSink();
    Subscription sub = subscribe(s, sink);
    server.publish("invalidation", "e1");
    sink.await("e1", WAIT, r -> r.received().size() == 1);

    server.answerNext(503, 3);
    server.closeStreams();
    long[][] bounds = {{25, 50}, {50, 100}, {100, 200}};
    for (int k = 1; k <= 3; k++) {
      long delay = scheduler.awaitScheduled(k, WAIT);
      assertTrue(
          delay >= bounds[k - 1][0] && delay <= bounds[k - 1][1],
          "delay " + k + " = " + delay + " outside " + List.of(bounds[k - 1][0], bounds[k - 1][1]));
      scheduler.time().advanceMs(delay);
    }
    // The fourth gap follows the third 503; the answer after it opens a stream again.
    long fourth = scheduler.awaitScheduled(4, WAIT);
    assertTrue(fourth >= 200 && fourth <= 400, "fourth delay " + fourth);
    scheduler.time().advanceMs(fourth);
    server.await("a reopened stream", WAIT, () -> server.openStreams().size() == 1);
    for (TestSseServer.Request r : server.sseRequests().subList(1, 5)) {
      assertEquals("1", r.header("Last-Event-ID"), "every reconnect resumes after e1");
    }
    sink.await("the resync", WAIT, r -> r.resyncs() == 1);

    // A retry field replaces the base; the counter restarted when the stream opened.
    server.writeRaw("retry: 200\n\n");
    server.publish("invalidation", "after retry"); // proves the retry line was read first
    sink.await("the event after retry", WAIT, r -> r.received().size() == 2);
    server.closeStreams();
    long afterRetry = scheduler.awaitScheduled(5, WAIT);
    assertTrue(afterRetry >= 100 && afterRetry <= 200, "delay after retry: 200 was " + afterRetry);
    sub.unsubscribe();
  }

  @Test
  void retryAfterRaisesTheDelayUpToTheCap() throws Exception {
    SseInvalidationSubscriber s = subscriber().build();
    Subscription sub = subscribe(s, new RecordingSink());
    server.retryAfter("1");
    server.answerNext(503, 1);
    server.closeStreams();
    scheduler.time().advanceMs(scheduler.awaitScheduled(1, WAIT));
    assertEquals(1000, scheduler.awaitScheduled(2, WAIT));
    server.retryAfter("3600");
    server.answerNext(429, 1);
    scheduler.time().advanceMs(1000);
    assertEquals(2000, scheduler.awaitScheduled(3, WAIT), "capped at maxReconnectDelay");
    sub.unsubscribe();
  }

  @Test
  void afterTheFirstOpenAFatalAnswerIsRetriedAtTheMaximumDelay() throws Exception {
    SseInvalidationSubscriber s = subscriber().build();
    RecordingSink sink = new RecordingSink();
    Subscription sub = subscribe(s, sink);
    server.answerNext(204, 2);
    server.closeStreams();
    scheduler.time().advanceMs(scheduler.awaitScheduled(1, WAIT));
    assertEquals(2000, scheduler.awaitScheduled(2, WAIT));
    scheduler.time().advanceMs(2000);
    assertEquals(2000, scheduler.awaitScheduled(3, WAIT));
    scheduler.time().advanceMs(2000);
    sink.await("the reopen", WAIT, r -> r.resyncs() == 1);
    sub.unsubscribe();
  }

  @Test
  void anIdleStreamIsClosedAndReopened() throws Exception {
    server.keepAlive(false);
    SseInvalidationSubscriber s = subscriber().idleTimeout(Duration.ofSeconds(30)).build();
    RecordingSink sink = new RecordingSink();
    Subscription sub = subscribe(s, sink);
    assertEquals(30_000, scheduler.awaitScheduled(1, WAIT), "the idle check");
    scheduler.time().advance(Duration.ofSeconds(29));
    assertTrue(server.streams().get(0).isOpen());
    scheduler.time().advance(Duration.ofSeconds(2));
    // The client closed the silent stream; its retry is the second scheduled task.
    scheduler.time().advanceMs(scheduler.awaitScheduled(2, WAIT));
    sink.await("the reopen", WAIT, r -> r.resyncs() == 1);
    sub.unsubscribe();
  }

  @Test
  void theBuilderRejectsBadOptionsByName() {
    var uri = server.uri("/sse");
    assertThrows(
        IllegalArgumentException.class,
        () -> SseInvalidationSubscriber.builder(uri).eventTypes(Set.of()).build());
    IllegalArgumentException max =
        assertThrows(
            IllegalArgumentException.class,
            () ->
                SseInvalidationSubscriber.builder(uri)
                    .initialReconnectDelay(Duration.ofSeconds(5))
                    .maxReconnectDelay(Duration.ofSeconds(1))
                    .build());
    assertTrue(max.getMessage().startsWith("maxReconnectDelay"), max.getMessage());
    IllegalArgumentException idle =
        assertThrows(
            IllegalArgumentException.class,
            () -> SseInvalidationSubscriber.builder(uri).idleTimeout(Duration.ofMillis(-1)).build());
    assertTrue(idle.getMessage().startsWith("idleTimeout"), idle.getMessage());
  }
}
