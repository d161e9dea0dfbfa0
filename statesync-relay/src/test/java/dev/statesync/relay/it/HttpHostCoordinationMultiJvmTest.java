package dev.statesync.relay.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.statesync.channel.BroadcastChannel;
import dev.statesync.channel.ChannelOptions;
import dev.statesync.relay.HttpRevisionSync;
import dev.statesync.relay.testserver.TestSseServer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The host-coordinated mode of {@code createHttpRevisionSync} across real JVM processes against
 * a real HTTP server (AC-RELAY-38 to 43). Each child ({@link HttpSyncNode}) uses the default
 * channel name of the server's SSE URI, so each test, with its own server port, has its own
 * group. Time bounds are generous CI bounds, never speed assertions.
 */
class HttpHostCoordinationMultiJvmTest {
  private static final Duration WAIT = Duration.ofSeconds(60);
  private static final String TOPIC = "settings";
  private final List<NodeProcess> nodes = new ArrayList<>();
  private TestSseServer server;
  private Path dir;
  private BroadcastChannel hub;

  @BeforeEach
  void setUp() throws Exception {
    server = TestSseServer.start();
    dir = Files.createTempDirectory(Path.of("/tmp"), "hhc");
  }

  @AfterEach
  void tearDown() throws Exception {
    for (NodeProcess n : nodes) {
      if (n.isAlive()) {
        n.signal("CONT");
      }
      n.close();
    }
    if (hub != null) {
      hub.close();
    }
    server.close();
    try (var files = Files.walk(dir)) {
      files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    }
  }

  private String channelName() {
    return HttpRevisionSync.defaultChannelName(server.uri("/sse"));
  }

  /** Starts a child without starting its handle; waits until it is ready. */
  private NodeProcess spawn(String... options) {
    List<String> args = new ArrayList<>(List.of(dir.toString(), server.uri("/sse").toString(),
        server.uri("/snapshot/" + TOPIC).toString(), TOPIC));
    args.addAll(List.of(options));
    NodeProcess n = NodeProcess.start(HttpSyncNode.class, args.toArray(String[]::new));
    nodes.add(n);
    return n;
  }

  /** Starts children in parallel, then their handles; waits until every start succeeded. */
  private List<NodeProcess> started(int count, String... options) {
    List<NodeProcess> group = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      group.add(spawn(options));
    }
    for (NodeProcess n : group) {
      assertEquals(channelName(), n.await("ready", e -> true).path("channel").asText());
    }
    for (NodeProcess n : group) {
      start(n);
    }
    return group;
  }

  private static void start(NodeProcess n) {
    n.send("start");
    JsonNode started = n.await("started", e -> true);
    assertTrue(started.path("ok").asBoolean(), "start failed: " + started);
  }

  private void change(long revision) {
    server.setSnapshot(TOPIC, revision, "{\"v\":" + revision + "}", "e1");
    server.publish("invalidation",
        "{\"topic\":\"" + TOPIC + "\",\"revision\":\"" + revision + "\",\"epoch\":\"e1\"}");
  }

  private static void awaitApplied(List<NodeProcess> group, long revision) {
    for (NodeProcess n : group) {
      n.await("applied", e -> e.path("revision").asLong() == revision);
    }
  }

  private int gets() {
    return server.snapshotGets(TOPIC);
  }

  private long getsFrom(NodeProcess n) {
    return server.requests().stream().filter(r -> r.path().startsWith("/snapshot/")
        && Long.toString(n.pid()).equals(r.header("X-Node"))).count();
  }

  private static JsonNode stats(NodeProcess n) {
    int before = n.events("stats").size();
    n.send("stats");
    return n.awaitCount("stats", before + 1, e -> true).get(before);
  }

  private NodeProcess leader(List<NodeProcess> group) {
    List<TestSseServer.Stream> streams = server.streams();
    String pid = streams.get(streams.size() - 1).request.header("X-Node");
    return group.stream().filter(n -> Long.toString(n.pid()).equals(pid)).findFirst()
        .orElseThrow(() -> new AssertionError("the stream's process " + pid + " is not here"));
  }

  private static void assertIncreasing(NodeProcess n) {
    long last = -1;
    for (JsonNode e : n.events("applied")) {
      long r = e.path("revision").asLong();
      assertTrue(r > last, "applied revisions increase at " + n.pid() + ": " + n.events("applied"));
      last = r;
    }
  }

  /** Opens the host channel in this JVM first, so that it, not a child, is the channel's hub. */
  private void holdTheChannelHub() {
    hub = BroadcastChannel.open(channelName(), ChannelOptions.builder().runtimeDir(dir).build());
  }

  /**
   * AC-RELAY-38 and 39: 8 JVMs hold one SSE stream, and 50 changes cost one GET each; all reach
   * revision 50. A 9th JVM then joins without a GET and applies the current revision.
   */
  @Test
  void eightProcessesCostOneStreamAndOneGetPerChangeAndAJoinerCostsNothing() {
    change(0);
    List<NodeProcess> group = started(8);
    awaitApplied(group, 0);
    int initial = gets();
    assertTrue(initial >= 1 && initial <= 2,
        "the first start costs its GET and at most one catch-up: " + initial);
    for (long rev = 1; rev <= 50; rev++) {
      change(rev);
      awaitApplied(group, rev);
    }
    assertEquals(initial + 50, gets(), "one GET per change for 8 processes");
    assertEquals(1, server.streams().size(), "one SSE stream for 8 processes");
    assertEquals(1, server.sseRequests().size());

    NodeProcess joiner = spawn();
    joiner.await("ready", e -> true);
    start(joiner);
    joiner.await("applied", e -> e.path("revision").asLong() == 50);
    assertEquals(initial + 50, gets(), "the joiner is served from the leader's cache");
    assertEquals(0, getsFrom(joiner));
    assertEquals(1, server.sseRequests().size());

    group.add(joiner);
    long direct = 0;
    for (NodeProcess n : group) {
      assertIncreasing(n);
      direct += stats(n).path("directFetches").asLong();
    }
    assertEquals(0, direct, "no process fetched on its own");
  }

  /**
   * AC-RELAY-40: after {@code kill -9} of the leader a survivor opens one new SSE stream and makes
   * one catch-up GET, which delivers a change made while nobody listened; 2 streams in total.
   * The server refuses SSE during the failover, so that the change cannot arrive as an event.
   */
  @Test
  void aKilledLeaderIsReplacedWithOneStreamAndOneCatchUpGet() {
    change(1);
    List<NodeProcess> group = started(4);
    awaitApplied(group, 1);
    NodeProcess old = leader(group);
    int before = gets();

    server.answerAlways(503);
    old.kill();
    group.remove(old);
    change(2); // lost: no stream is open for it
    server.await("a survivor's refused attempt", WAIT, () -> server.sseRequests().size() >= 2);
    server.answerAlways(200);

    awaitApplied(group, 2);
    assertEquals(2, server.streams().size(), "streams in total");
    assertFalse(server.streams().get(1).request.header("X-Node").equals(Long.toString(old.pid())));
    assertEquals(before + 1, gets(), "exactly one catch-up GET");
    assertTrue(stats(leader(group)).path("leader").asBoolean(), "the stream's process leads");

    change(3);
    awaitApplied(group, 3);
    assertEquals(before + 2, gets(), "back to one GET per change");
    group.forEach(HttpHostCoordinationMultiJvmTest::assertIncreasing);
  }

  /**
   * AC-RELAY-41: the leader is stopped with SIGSTOP (the channel hub is this JVM, so the channel
   * keeps working). A new JVM's {@code start()} gets its snapshot with a direct GET after
   * {@code snapshotRequestTimeout} (1 s); with the fallback off, {@code start()} fails in phase
   * {@code getSnapshot}.
   */
  @Test
  void aHungLeaderLeavesAJoinerToFetchDirectlyOrFailWithoutTheFallback() {
    holdTheChannelHub();
    change(1);
    List<NodeProcess> group = started(1);
    awaitApplied(group, 1);
    NodeProcess hung = group.get(0);
    hung.signal("STOP");

    NodeProcess withFallback = spawn("snapTimeoutMs=1000");
    withFallback.await("ready", e -> true);
    start(withFallback);
    withFallback.await("applied", e -> e.path("revision").asLong() == 1);
    assertEquals(1, getsFrom(withFallback), "one direct GET");
    JsonNode s = stats(withFallback);
    assertEquals(1, s.path("directFetches").asLong(), s.toString());
    assertEquals(1, s.path("snapshotRequestTimeouts").asLong(), s.toString());

    NodeProcess without = spawn("snapTimeoutMs=1000", "fallback=false");
    without.await("ready", e -> true);
    without.send("start");
    JsonNode started = without.await("started", e -> true);
    assertFalse(started.path("ok").asBoolean(), started.toString());
    JsonNode error = without.await("error", e -> true);
    assertEquals("GET_SNAPSHOT", error.path("phase").asText(), error.toString());
    assertEquals("CoordinationTimeoutException", error.path("kind").asText(), error.toString());
    assertEquals(0, getsFrom(without));
    assertEquals(1, server.sseRequests().size(), "nobody replaced the hung leader");

    hung.signal("CONT");
    change(2);
    awaitApplied(List.of(hung, withFallback), 2);
  }

  /**
   * AC-RELAY-42: an {@code env} posted on the host channel with an older revision is not applied
   * anywhere; one in another epoch makes every handle refresh through its coordinator provider
   * (served from the leader's cache, so no GET) and apply with {@code epochReset}.
   */
  @Test
  void theFollowerGateDropsAnOlderEnvelopeAndFollowsANewEpoch() {
    holdTheChannelHub();
    change(5);
    List<NodeProcess> group = started(2);
    awaitApplied(group, 5);
    int before = gets();

    post("{\"t\":\"env\",\"topic\":\"" + TOPIC
        + "\",\"body\":{\"revision\":\"3\",\"data\":{\"v\":3},\"epoch\":\"e1\"}}");
    server.setSnapshot(TOPIC, 1, "{\"v\":1}", "e2");
    post("{\"t\":\"env\",\"topic\":\"" + TOPIC
        + "\",\"body\":{\"revision\":\"1\",\"data\":{\"v\":1},\"epoch\":\"e2\"}}");
    for (NodeProcess n : group) {
      JsonNode applied = n.await("applied", e -> e.path("epoch").asText().equals("e2"));
      assertTrue(applied.path("epochReset").asBoolean(), applied.toString());
      assertEquals(1, applied.path("revision").asLong());
      // Channel order: the older envelope was handled before the new epoch's.
      assertTrue(n.events("applied").stream().noneMatch(e -> e.path("revision").asLong() == 3),
          "the older envelope was applied at " + n.pid() + ": " + n.events("applied"));
    }
    assertEquals(before, gets(), "the refresh was served by the leader's cache");
  }

  private void post(String json) {
    hub.post(json.getBytes(StandardCharsets.UTF_8)).join();
  }

  /**
   * AC-RELAY-43: an envelope larger than the channel's {@code maxMessageBytes} is announced as
   * {@code big}; each follower JVM makes one direct GET, the leader none beyond its own fetch.
   */
  @Test
  void aBigEnvelopeIsAnnouncedAndEachFollowerFetchesItOnce() {
    change(1);
    List<NodeProcess> group = started(3, "maxMessageBytes=16384");
    awaitApplied(group, 1);
    NodeProcess lead = leader(group);
    int before = gets();
    long leaderBefore = getsFrom(lead);

    String big = "\"" + "x".repeat(64 * 1024) + "\"";
    server.setSnapshot(TOPIC, 2, big, "e1");
    server.publish("invalidation",
        "{\"topic\":\"" + TOPIC + "\",\"revision\":\"2\",\"epoch\":\"e1\"}");
    awaitApplied(group, 2);
    assertEquals(before + 3, gets(), "the leader's GET plus one direct GET per follower");
    assertEquals(leaderBefore + 1, getsFrom(lead), "the leader fetched once");
    for (NodeProcess n : group) {
      JsonNode s = stats(n);
      if (n == lead) {
        assertEquals(0, s.path("directFetches").asLong(), s.toString());
        assertTrue(s.path("bigPosted").asLong() >= 1, s.toString());
      } else {
        assertEquals(1, s.path("directFetches").asLong(), s.toString());
      }
    }
  }
}
