package dev.statesync.relay;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.statesync.core.ProtocolException;
import dev.statesync.core.RevisionSyncHandle;
import dev.statesync.core.SnapshotApplier;
import dev.statesync.core.SyncErrorContext;
import dev.statesync.core.SyncPhase;
import dev.statesync.relay.testserver.TestSseServer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** AC-RELAY-37: the engine over the HTTP/SSE transport, end to end against a real server. */
class HttpRevisionSyncTest {
  private static final Duration WAIT = Duration.ofSeconds(20);
  private final TestSseServer server = TestSseServer.start();
  private final List<RevisionSyncHandle<?>> handles = new ArrayList<>();

  @AfterEach
  void stop() {
    handles.forEach(RevisionSyncHandle::close);
    server.close();
  }

  /** What one handle applied and reported, with bounded waits on its monitor. */
  private static final class Recorder {
    final List<Long> applied = new ArrayList<>();
    final List<SyncErrorContext> errors = new ArrayList<>();

    synchronized void apply(long revision) {
      applied.add(revision);
      notifyAll();
    }

    synchronized void error(SyncErrorContext e) {
      errors.add(e);
      notifyAll();
    }

    synchronized void awaitRevision(long revision) throws InterruptedException {
      long deadline = System.nanoTime() + WAIT.toNanos();
      while (applied.isEmpty() || applied.get(applied.size() - 1) < revision) {
        long left = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
        if (left <= 0) {
          throw new AssertionError("revision " + revision + " not applied; applied " + applied);
        }
        wait(left);
      }
    }

    synchronized List<SyncErrorContext> awaitErrors(SyncPhase phase, int count)
        throws InterruptedException {
      long deadline = System.nanoTime() + WAIT.toNanos();
      while (errors.stream().filter(e -> e.phase() == phase).count() < count) {
        long left = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
        if (left <= 0) {
          throw new AssertionError(count + " " + phase + " errors expected; got " + errors);
        }
        wait(left);
      }
      return errors.stream().filter(e -> e.phase() == phase).toList();
    }
  }

  private RevisionSyncHandle<JsonNode> handle(String topic, Recorder recorder) {
    HttpRevisionSyncOptions<JsonNode> options =
        HttpRevisionSyncOptions.<JsonNode>builder()
            .topic(topic)
            .sseUri(server.uri("/sse"))
            .snapshotUri(server.uri("/snapshot/" + topic))
            .dataType(JsonNode.class)
            .applier(SnapshotApplier.of(env -> recorder.apply(env.revision().unsignedBits())))
            .initialReconnectDelay(Duration.ofMillis(20))
            .maxReconnectDelay(Duration.ofMillis(200))
            .engineOptions(engine -> engine.onError(recorder::error))
            .build();
    RevisionSyncHandle<JsonNode> h = HttpRevisionSync.createHttpRevisionSync(options);
    handles.add(h);
    return h;
  }

  private void change(String topic, long revision) {
    server.setSnapshot(topic, revision, "{\"v\":" + revision + "}", null);
    server.publish(
        "invalidation", "{\"topic\":\"" + topic + "\",\"revision\":\"" + revision + "\"}");
  }

  @Test
  void twentyChangesArriveInOrderAndChangesMissedWhileDownAreCaughtUp() throws Exception {
    server.setSnapshot("settings", 0, "{}", null);
    Recorder r = new Recorder();
    RevisionSyncHandle<JsonNode> h = handle("settings", r);
    h.start().get(20, TimeUnit.SECONDS);
    for (long rev = 1; rev <= 20; rev++) {
      change("settings", rev);
    }
    r.awaitRevision(20);
    synchronized (r) {
      for (int i = 1; i < r.applied.size(); i++) {
        assertTrue(r.applied.get(i) > r.applied.get(i - 1), "increasing: " + r.applied);
      }
    }

    // The SSE endpoint goes down; three changes are made and their events are lost.
    server.answerAlways(503);
    server.closeStreams();
    server.await("a refused reconnect", WAIT, () -> server.sseRequests().size() >= 2);
    for (long rev = 21; rev <= 23; rev++) {
      server.setSnapshot("settings", rev, "{\"v\":" + rev + "}", null);
    }
    server.answerAlways(200);
    r.awaitRevision(23); // only the refresh after reconnecting can fetch it
    assertEquals(1, server.openStreams().size());
  }

  @Test
  void twoTopicsOnOneEndpointShareOneStream() throws Exception {
    server.setSnapshot("a", 1, "{}", null);
    server.setSnapshot("b", 1, "{}", null);
    Recorder ra = new Recorder();
    Recorder rb = new Recorder();
    RevisionSyncHandle<JsonNode> a = handle("a", ra);
    RevisionSyncHandle<JsonNode> b = handle("b", rb);
    a.start().get(20, TimeUnit.SECONDS);
    b.start().get(20, TimeUnit.SECONDS);
    assertEquals(1, server.streams().size());
    change("a", 2);
    change("b", 5);
    ra.awaitRevision(2);
    rb.awaitRevision(5);
    assertEquals(2, server.snapshotGets("a"));
    assertEquals(2, server.snapshotGets("b"));
    a.stop();
    assertTrue(server.streams().get(0).isOpen(), "b still holds the shared stream");
    b.stop();
    server.await("the shared stream closed", WAIT, () -> server.openStreams().isEmpty());
  }

  @Test
  void aMalformedEventIsOneProtocolErrorAtTheHandle() throws Exception {
    server.setSnapshot("m", 1, "{}", null);
    Recorder r = new Recorder();
    handle("m", r).start().get(20, TimeUnit.SECONDS);
    server.publish("invalidation", "{\"topic\":\"m\",\"revision\":7}");
    change("m", 2);
    r.awaitRevision(2);
    List<SyncErrorContext> protocol = r.awaitErrors(SyncPhase.PROTOCOL, 1);
    assertEquals(1, protocol.size());
    assertInstanceOf(ProtocolException.class, protocol.get(0).error());
  }

  @Test
  void aMalformedSnapshotFailsTheFetchWithProtocolException() throws Exception {
    server.answerNextSnapshot(200, "{\"revision\":\"x\"}");
    Recorder r = new Recorder();
    RevisionSyncHandle<JsonNode> h = handle("bad", r);
    ExecutionException e =
        assertThrows(ExecutionException.class, () -> h.start().get(20, TimeUnit.SECONDS));
    assertInstanceOf(ProtocolException.class, e.getCause());
  }

  @Test
  void startFailsInPhaseSubscribeWhenTheEndpointRefusesAndMayBeRetried() throws Exception {
    server.setSnapshot("s", 1, "{}", null);
    server.answerNext(401, 1);
    Recorder r = new Recorder();
    RevisionSyncHandle<JsonNode> h = handle("s", r);
    ExecutionException e =
        assertThrows(ExecutionException.class, () -> h.start().get(20, TimeUnit.SECONDS));
    assertEquals(401, assertInstanceOf(HttpStatusException.class, e.getCause()).statusCode());
    assertEquals(1, r.awaitErrors(SyncPhase.SUBSCRIBE, 1).size());
    h.start().get(20, TimeUnit.SECONDS);
    r.awaitRevision(1);
  }

  @Test
  void theOptionsBuilderNamesMissingAndBadOptions() {
    NullPointerException missing =
        assertThrows(
            NullPointerException.class,
            () ->
                HttpRevisionSyncOptions.<JsonNode>builder()
                    .topic("t")
                    .sseUri(server.uri("/sse"))
                    .snapshotUri(server.uri("/snapshot/t"))
                    .applier(SnapshotApplier.of(e -> {}))
                    .build());
    assertEquals("dataType", missing.getMessage());
    IllegalArgumentException header =
        assertThrows(
            IllegalArgumentException.class,
            () ->
                HttpRevisionSyncOptions.<JsonNode>builder()
                    .topic("t")
                    .sseUri(server.uri("/sse"))
                    .snapshotUri(server.uri("/snapshot/t"))
                    .dataType(JsonNode.class)
                    .applier(SnapshotApplier.of(e -> {}))
                    .headers(Map.of("Connection", "close"))
                    .build());
    assertTrue(header.getMessage().contains("'Connection'"), header.getMessage());
  }
}
