package dev.statesync.channel.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The host-coordinated mode with real JVM processes on one host, against a {@link TruthServer}
 * that counts every upstream subscription and fetch.
 */
class MultiJvmHostCoordinationTest {
  static final Duration LONG = Duration.ofSeconds(30);
  static final String TOPIC = "settings";
  Path dir;
  TruthServer truth;
  String channel;
  final List<Node> nodes = new ArrayList<>();

  @BeforeEach
  void setUp() throws IOException {
    dir = Files.createTempDirectory(Path.of("/tmp"), "hc").resolve("r");
    truth = new TruthServer("e1");
    channel = "hc-" + UUID.randomUUID().toString().substring(0, 8);
  }

  @AfterEach
  void tearDown() {
    nodes.forEach(Node::close);
    truth.close();
  }

  Node syncing(String... props) {
    List<String> all = new ArrayList<>(List.of("-Dhs.port=" + truth.port(),
        "-Dhs.channel=" + channel));
    all.addAll(List.of(props));
    Node n = Node.start(HostSyncNode.class, dir, all.toArray(new String[0]));
    nodes.add(n);
    n.await("ready", LONG);
    n.send("sync " + TOPIC);
    JsonNode started = n.await("started", LONG);
    assertTrue(started.path("ok").asBoolean(), "start failed: " + started);
    return n;
  }

  static void awaitApplied(List<Node> nodes, long revision, long value) {
    for (Node n : nodes) {
      n.await("applied", e -> e.path("topic").asText().equals(TOPIC)
          && e.path("revision").asLong() == revision && e.path("value").asLong() == value, LONG);
    }
  }

  static JsonNode stats(Node n) {
    int before = n.events("stats").size();
    n.send("stats");
    Node.Await.until(Duration.ofSeconds(10), () -> n.events("stats").size() > before,
        () -> "node " + n.pid + " did not answer stats");
    List<JsonNode> s = n.events("stats");
    return s.get(s.size() - 1);
  }

  static Node leader(List<Node> nodes) {
    Node[] found = new Node[1];
    Node.Await.until(LONG, () -> {
      int leaders = 0;
      for (Node n : nodes) {
        if (stats(n).path("leader").asBoolean()) {
          leaders++;
          found[0] = n;
        }
      }
      return leaders == 1;
    }, () -> "expected exactly one leader");
    return found[0];
  }

  /** Applied revisions never go down in one process. */
  static void assertMonotonic(Node n) {
    long last = 0;
    for (JsonNode e : n.events("applied")) {
      long r = e.path("revision").asLong();
      assertTrue(r > last, "applied revisions increase in " + n.pid + ": " + n.events("applied"));
      last = r;
    }
  }

  @Test
  void processesShareOneSubscriptionAndOneFetchPerChangeAndAJoinerCostsNothing() {
    truth.set(TOPIC, 1, 0);
    List<Node> group = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      group.add(syncing());
    }
    awaitApplied(group, 1, 1);
    assertEquals(1, truth.subscriptionsOpened(), "one upstream subscription for the host");
    int initial = truth.fetches(TOPIC);
    assertTrue(initial >= 1 && initial <= 2,
        "the first start costs its fetch and at most one catch-up: " + initial);

    for (int k = 2; k <= 6; k++) {
      truth.set(TOPIC, k, 0);
      awaitApplied(group, k, k);
    }
    assertEquals(initial + 5, truth.fetches(TOPIC), "one fetch per change for 3 processes");

    group.add(syncing());
    awaitApplied(group.subList(3, 4), 6, 6);
    assertEquals(initial + 5, truth.fetches(TOPIC), "a joiner is served from the leader's cache");

    truth.set(TOPIC, 7, 0);
    awaitApplied(group, 7, 7);
    assertEquals(initial + 6, truth.fetches(TOPIC), "one fetch per change for 4 processes");
    assertEquals(1, truth.subscriptionsOpened());
    assertEquals(1, truth.openSubscriptions());
    long direct = 0;
    for (Node n : group) {
      direct += stats(n).path("directFetches").asLong();
      assertMonotonic(n);
    }
    assertEquals(0, direct, "no process fetched on its own");
  }

  @Test
  void killedLeaderIsReplacedByOneThatResubscribesCatchesUpAndEveryoneConverges() {
    truth.set(TOPIC, 1, 0);
    List<Node> group = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      group.add(syncing());
    }
    awaitApplied(group, 1, 1);
    Node old = leader(group);
    int before = truth.fetches(TOPIC);
    truth.holdSubscriptions(true);

    old.kill9();
    group.remove(old);
    Node.Await.until(LONG, () -> truth.openSubscriptions() == 0,
        () -> "the dead leader's subscription did not close");
    // Written while no process listens: only the new leader's catch-up can deliver it.
    truth.set(TOPIC, 2, 0);
    Node.Await.until(LONG, () -> truth.subscribeAttempts() == 2,
        () -> "no survivor subscribed; attempts " + truth.subscribeAttempts());
    truth.holdSubscriptions(false);

    awaitApplied(group, 2, 2);
    assertEquals(before + 1, truth.fetches(TOPIC), "exactly one catch-up fetch");
    assertEquals(2, truth.subscriptionsOpened(), "one new subscription");
    assertEquals(1, truth.openSubscriptions());
    Node next = leader(group);
    assertEquals(1, stats(next).path("upstreamSubscriptions").asLong());

    truth.set(TOPIC, 3, 0);
    awaitApplied(group, 3, 3);
    assertEquals(before + 2, truth.fetches(TOPIC), "back to one fetch per change");
    group.forEach(MultiJvmHostCoordinationTest::assertMonotonic);
  }

  @Test
  void bigEnvelopeIsAnnouncedAndEachFollowerFetchesItOnce() {
    truth.set(TOPIC, 1, 0);
    List<Node> group = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      group.add(syncing("-Dhs.maxMessageBytes=4096"));
    }
    awaitApplied(group, 1, 1);
    Node lead = leader(group);
    int before = truth.fetches(TOPIC);

    truth.set(TOPIC, 2, 20_000);
    awaitApplied(group, 2, 2);
    assertEquals(before + 3, truth.fetches(TOPIC),
        "the leader's fetch plus one direct fetch per follower");
    for (Node n : group) {
      JsonNode s = stats(n);
      if (n == lead) {
        assertEquals(0, s.path("directFetches").asLong(), "the leader needs no direct fetch");
        assertTrue(s.path("bigPosted").asLong() >= 1, "the leader announced big: " + s);
      } else {
        assertEquals(1, s.path("directFetches").asLong(), "one direct fetch: " + s);
      }
    }

    truth.set(TOPIC, 3, 0);
    awaitApplied(group, 3, 3);
    assertEquals(before + 4, truth.fetches(TOPIC), "a small envelope travels over the channel");
  }
}
