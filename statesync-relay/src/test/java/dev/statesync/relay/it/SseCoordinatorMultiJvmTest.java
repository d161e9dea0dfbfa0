package dev.statesync.relay.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.statesync.relay.testserver.TestSseServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** SseCoordinator across real JVM processes (AC-RELAY-25 to 28, 30, 33, 34) against a real server. */
class SseCoordinatorMultiJvmTest {
  private static final Duration WAIT = Duration.ofSeconds(30);
  private final List<NodeProcess> nodes = new ArrayList<>();
  private TestSseServer server;
  private Path dir;

  @BeforeEach
  void setUp() throws Exception {
    server = TestSseServer.start();
    dir = Files.createTempDirectory(Path.of("/tmp"), "sse");
  }

  @AfterEach
  void tearDown() throws Exception {
    nodes.forEach(NodeProcess::close);
    server.close();
    try (var files = Files.walk(dir)) {
      files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    }
  }

  private NodeProcess node(String channel, String types, int maxAttempts, long initialDelayMs) {
    NodeProcess n = NodeProcess.start(RelayNode.class, dir.toString(), channel,
        server.uri("/sse").toString(), types, Integer.toString(maxAttempts),
        Long.toString(initialDelayMs));
    nodes.add(n);
    n.await("ready", e -> true);
    return n;
  }

  private NodeProcess node(String channel) {
    return node(channel, "*", 10, 50);
  }

  private NodeProcess byPid(String pid) {
    return nodes.stream().filter(n -> Long.toString(n.pid()).equals(pid)).findFirst().orElseThrow();
  }

  private static List<String> eventKeys(NodeProcess n) {
    return n.events("event").stream()
        .map(e -> e.path("type").asText() + "|" + e.path("raw").asText() + "|"
            + e.path("id").asText() + "|" + e.path("ts").asText())
        .toList();
  }

  private static List<String> ids(NodeProcess n) {
    return n.events("event").stream().map(e -> e.path("id").asText()).toList();
  }

  @Test
  void fiveProcessesHoldOneUpstreamStreamAndDeliverIdenticalEvents() {
    for (int i = 0; i < 5; i++) {
      node("one");
    }
    for (NodeProcess n : nodes) {
      n.await("conn", e -> e.path("v").asBoolean());
    }
    assertEquals(1, server.streams().size(), "one upstream stream for five processes");
    for (int i = 1; i <= 200; i++) {
      server.publish(i % 2 == 0 ? "even" : "odd", "{\"n\":" + i + "}");
    }
    for (NodeProcess n : nodes) {
      n.awaitCount("event", 200, e -> true);
    }
    List<String> first = eventKeys(nodes.get(0));
    assertEquals(200, first.size());
    for (NodeProcess n : nodes) {
      assertEquals(first, eventKeys(n), "node " + n.pid());
    }
    assertEquals(1, server.streams().size());
    assertEquals(1, server.sseRequests().size());
  }

  @Test
  void killingTheLeaderResumesWithLastEventIdAndDeliversEachEventOnce() {
    server.replayOverlap(3);
    for (int i = 0; i < 3; i++) {
      node("crash");
    }
    for (NodeProcess n : nodes) {
      n.await("conn", e -> e.path("v").asBoolean());
    }
    IntStream.rangeClosed(1, 50).forEach(i -> server.publish("tick", "t" + i));
    for (NodeProcess n : nodes) {
      n.awaitCount("event", 50, e -> true);
    }
    NodeProcess leader = byPid(server.streams().get(0).request.header("X-Node"));
    leader.kill();
    IntStream.rangeClosed(51, 60).forEach(i -> server.publish("tick", "t" + i));

    server.await("a second stream", WAIT, () -> server.streams().size() == 2);
    TestSseServer.Stream resumed = server.streams().get(1);
    assertEquals("50", resumed.request.header("Last-Event-ID"));
    assertNotEquals(Long.toString(leader.pid()), resumed.request.header("X-Node"));
    List<String> expected = IntStream.rangeClosed(1, 60).mapToObj(Integer::toString).toList();
    for (NodeProcess n : nodes) {
      if (n == leader) {
        continue;
      }
      n.awaitCount("event", 60, e -> true);
      assertEquals(expected, ids(n), "each event exactly once at node " + n.pid());
    }
    assertEquals(2, server.streams().size());
  }

  @Test
  void lateJoinersNeverStealAndLearnTheStateOnJoin() {
    NodeProcess first = node("late");
    first.await("conn", e -> e.path("v").asBoolean());
    server.publish("x", "before joiners");
    for (int i = 0; i < 3; i++) {
      NodeProcess joiner = node("late");
      JsonNode learned = joiner.await("conn", e -> true);
      assertTrue(learned.path("v").asBoolean(), "the first state a joiner learns is connected");
      assertEquals(1, server.streams().size());
    }
    assertTrue(server.streams().get(0).isOpen());
    assertEquals(Long.toString(first.pid()), server.streams().get(0).request.header("X-Node"));
    server.publish("x", "after joiners");
    for (NodeProcess n : nodes) {
      n.await("event", e -> e.path("raw").asText().equals("after joiners"));
    }
    assertEquals(1, server.sseRequests().size());
  }

  @Test
  void aCleanDisconnectHandsOverAtOnceAndResumes() {
    NodeProcess a = node("handover");
    a.await("conn", e -> e.path("v").asBoolean());
    NodeProcess b = node("handover");
    b.await("conn", e -> e.path("v").asBoolean());
    server.publish("x", "one");
    b.await("event", e -> true);
    // A's own report of "one" may still be in its stdout pipe: wait for it, so that the count
    // below measures only what reached A after disconnect() returned.
    a.await("event", e -> true);
    a.send("disconnect");
    a.await("disconnected", e -> true);
    server.await("the next leader's stream", WAIT, () -> server.streams().size() == 2);
    TestSseServer.Stream next = server.streams().get(1);
    assertEquals(Long.toString(b.pid()), next.request.header("X-Node"));
    assertEquals("1", next.request.header("Last-Event-ID"));
    server.publish("x", "two");
    b.await("event", e -> e.path("raw").asText().equals("two"));
    assertEquals(1, a.events("event").size(), "no event after disconnect() returned");
  }

  @Test
  void upstreamDownGivesOnErrorEverywhereAfterMaxAttemptsAndAFollowerCanRestartThem() {
    server.answerAlways(500);
    NodeProcess a = node("down", "*", 3, 20);
    NodeProcess b = node("down", "*", 3, 20);
    for (NodeProcess n : nodes) {
      JsonNode error = n.await("error", e -> true);
      assertEquals("SseReconnectExhaustedException", error.path("kind").asText());
      assertTrue(error.path("msg").asText().contains("maxReconnectAttempts 3"), error.toString());
    }
    assertEquals(3, server.sseRequests().size());
    String leaderPid = server.sseRequests().get(0).header("X-Node");
    NodeProcess follower = Long.toString(a.pid()).equals(leaderPid) ? b : a;

    server.answerAlways(200);
    follower.send("reconnect");
    for (NodeProcess n : nodes) {
      n.await("conn", e -> e.path("v").asBoolean());
    }
    assertEquals(4, server.sseRequests().size());
    assertEquals(1, server.streams().size());
  }

  @Test
  void eachProcessFiltersItsOwnTypesAndA204StopsTheRetries() {
    NodeProcess x = node("filters", "x", 10, 50);
    NodeProcess y = node("filters", "y", 10, 50);
    for (NodeProcess n : nodes) {
      n.await("conn", e -> e.path("v").asBoolean());
    }
    server.publish("x", "{\"a\":1}");
    server.publish("y", "abc");
    server.publish("z", "ignored by both");
    x.await("event", e -> true);
    y.await("event", e -> true);
    server.publish("x", "end"); // in order after the others
    x.await("event", e -> e.path("raw").asText().equals("end"));
    assertEquals(List.of("x", "x"), x.events("event").stream().map(e -> e.path("type").asText()).toList());
    assertEquals("OBJECT", x.events("event").get(0).path("dataKind").asText());
    assertEquals(List.of("y"), y.events("event").stream().map(e -> e.path("type").asText()).toList());
    assertEquals("STRING", y.events("event").get(0).path("dataKind").asText());

    server.answerAlways(204);
    server.closeStreams();
    for (NodeProcess n : nodes) {
      JsonNode error = n.await("error", e -> true);
      assertEquals("SseFatalResponseException", error.path("kind").asText());
    }
    assertEquals(2, server.sseRequests().size(), "a 204 is not retried");
  }
}
