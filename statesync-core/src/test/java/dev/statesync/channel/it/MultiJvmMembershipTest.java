package dev.statesync.channel.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;

/** Joins, slow followers and replay after a dropped connection, with real JVM processes. */
class MultiJvmMembershipTest extends MultiJvmHarness {

  static List<Long> range(long from, long to) {
    List<Long> out = new ArrayList<>();
    for (long k = from; k < to; k++) {
      out.add(k);
    }
    return out;
  }

  @Test
  @DisplayName("AC-CHAN-37 after open returns members() lists everyone; the others get joined")
  void afterOpenMembersListsEveryoneAndTheOthersGetJoined() {
    Node a = joined("mem");
    Node b = joined("mem");
    Node c = joined("mem");
    Node d = joined("mem");
    JsonNode opened = d.events("opened").get(0);
    Set<Long> pids = new HashSet<>();
    opened.path("pids").forEach(p -> pids.add(p.asLong()));
    assertEquals(Set.of(a.pid, b.pid, c.pid, d.pid), pids, "members() as open returned");
    for (Node n : List.of(a, b, c)) {
      n.await("joined", e -> e.path("pid").asLong() == d.pid, LONG);
      assertEquals(1, n.count("joined", e -> e.path("pid").asLong() == d.pid));
    }
    assertEquals(0, d.count("joined", e -> e.path("pid").asLong() == d.pid),
        "an instance is not told that its own JVM joined");
  }

  @Test
  @DisplayName("AC-CHAN-08 ten JVMs joining at random times never take over from the hub")
  void lateJoinersNeverStealTheHub() throws Exception {
    Node hub = joined("steal");
    List<Node> all = new ArrayList<>(List.of(hub, joined("steal"), joined("steal")));
    long epoch = epoch(hub);
    List<Node> late = new ArrayList<>();
    for (int k = 0; k < 10; k++) {
      late.add(node());
    }
    for (Node n : late) {
      n.await("ready", LONG);
    }
    ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor();
    try {
      for (Node n : late) {
        timer.schedule(() -> n.send("open steal"), ThreadLocalRandom.current().nextLong(5000),
            TimeUnit.MILLISECONDS);
      }
      for (Node n : late) {
        n.await("opened", LONG);
      }
    } finally {
      timer.shutdownNow();
    }
    all.addAll(late);
    assertEquals("HUB", hub.channelStatus());
    assertEquals(epoch, epoch(hub), "the hub kept its term");
    assertEquals(0, hub.count("status", e -> !e.path("status").asText().equals("HUB")));
    for (Node n : all) {
      assertEquals(0, n.events("resync").size(), "no instance resyncs");
      assertEquals(epoch, epoch(n));
    }
    for (Node n : late) {
      assertEquals("FOLLOWER", n.events("opened").get(0).path("status").asText());
    }
  }

  @Test
  @DisplayName("AC-CHAN-18 frames lost with a dropped connection are replayed exactly once")
  void framesLostWithADroppedConnectionAreReplayedExactlyOnce() {
    Node hub = joined("replay");
    Node f = joined("replay");
    Node g = joined("replay");
    f.send("hook pause 0");
    f.await("hooked", LONG);
    hub.send("post 0 100 64");
    hub.await("posted", LONG);
    Node.Await.until(LONG, () -> counters(g, 0).size() == 100, () -> "g did not get all");
    // The frame being read when the pause began may have got through; the rest wait unread.
    assertTrue(counters(f, 0).size() <= 1, "reading was not paused");
    f.send("hook drop 0");
    Node.Await.until(LONG, () -> counters(f, 0).size() >= 100,
        () -> "f has " + counters(f, 0).size());
    hub.send("post 0 1 64");
    Node.Await.until(LONG, () -> counters(f, 0).size() >= 101, () -> "live traffic stopped");
    List<Long> expected = range(0, 100);
    expected.add(0L);
    assertEquals(expected, counters(f, 0), "each message exactly once, in order");
    assertEquals(0, f.events("resync").size());
  }

  @Test
  @EnabledOnOs({OS.LINUX, OS.MAC})
  @DisplayName("AC-CHAN-16 a SIGSTOPped follower is cut off, the others go on, it resyncs")
  void aStoppedFollowerIsDisconnectedWhileTheOthersKeepReceiving() {
    Node hub = joined("slowf");
    Node f = joined("slowf");
    Node g = joined("slowf");
    f.signal("STOP");
    // 24 MiB in 64 KiB messages, in rounds so that no JVM holds it all at once.
    int rounds = 6;
    for (int r = 1; r <= rounds; r++) {
      hub.send("post 0 64 65536");
      int want = 64 * r;
      Node.Await.until(LONG, () -> counters(g, 0).size() >= want,
          () -> "g stalled at " + counters(g, 0).size());
    }
    Node.Await.until(LONG, () -> logged(hub, "WARN", "too slow") >= 1,
        () -> "the hub never cut off the stopped follower");
    assertTrue(logged(hub, "WARN", "pid " + f.pid) >= 1, "the WARN names the follower's pid");
    f.signal("CONT");
    JsonNode resync = f.await("resync", LONG);
    assertEquals("REPLAY_UNAVAILABLE", resync.path("reason").asText());
    hub.send("post 0 10 64");
    Node.Await.until(LONG, () -> f.count("msg", m -> m.path("len").asInt() == 64) == 10,
        () -> "f did not get the new messages");
    long resyncAt = resync.path("t").asLong();
    List<Long> after = new ArrayList<>();
    for (JsonNode m : f.events("msg")) {
      if (m.path("len").asInt() == 64) {
        assertTrue(m.path("t").asLong() > resyncAt, "new messages follow the resync");
        after.add(m.path("n").asLong());
      }
    }
    assertEquals(range(0, 10), after);
    assertEquals(1, f.events("resync").size());
    assertEquals(0, g.events("resync").size(), "the others are not affected");
    assertEquals(64 * rounds, g.count("msg", m -> m.path("len").asInt() == 65536));
  }
}
