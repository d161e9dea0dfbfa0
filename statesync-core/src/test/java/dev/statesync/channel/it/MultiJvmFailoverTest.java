package dev.statesync.channel.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.statesync.channel.internal.RuntimeDirs;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.function.Predicate;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;

/** Crashes, hangs, signals and a replaced lock file, with real JVM processes and kill -9. */
class MultiJvmFailoverTest extends MultiJvmHarness {

  /** After the hub died uncleanly: the outcome of AC-CHAN-09 at every survivor. */
  void assertCrashFailover(Node dead, List<Node> survivors, long epoch) {
    awaitOneHubIn(survivors, epoch + 1, LONG);
    for (Node f : survivors) {
      f.await("left", e -> e.path("pid").asLong() == dead.pid && !e.path("clean").asBoolean(),
          LONG);
      f.await("resync", LONG);
      assertEquals(1, f.count("resync", e -> e.path("reason").asText().equals("LEADER_LOST")),
          "exactly one LEADER_LOST resync");
      assertEquals(1, f.events("resync").size());
    }
    Node poster = survivors.get(0);
    poster.send("post 0 1 64");
    for (Node f : survivors.subList(1, survivors.size())) {
      f.await("msg", e -> e.path("epoch").asLong() == epoch + 1, LONG);
    }
  }

  @Test
  @EnabledOnOs({OS.LINUX, OS.MAC})
  @DisplayName("AC-CHAN-14 a SIGSTOPped hub that is then killed fails over as a crash")
  void aHungHubThatIsThenKilledFailsOverAsACrash() {
    Node hub = joined("hung");
    List<Node> followers = List.of(joined("hung"), joined("hung"), joined("hung"));
    long epoch = epoch(hub);
    hub.signal("STOP");
    for (Node f : followers) {
      f.await("status", e -> e.path("status").asText().equals("UNRESPONSIVE"), LONG);
    }
    hub.kill9();
    assertCrashFailover(hub, followers, epoch);
  }

  @Test
  @DisplayName("Crossed lock waits of two JVMs (the kernel's EDEADLK) still hand the lock over on "
      + "kill -9")
  void crossedLockWaitsRefusedByTheKernelStillHandOverOnKill() {
    // A leads "dla" and B leads "dlb"; then each opens the other's name. POSIX locks belong to
    // processes, so whichever wait comes second closes a cycle and the kernel refuses it with
    // EDEADLK. That process must keep competing anyway.
    Node a = joined("dla");
    Node b = joined("dlb");
    a.send("open dlb");
    a.await("opened", e -> e.path("i").asInt() == 1, LONG);
    b.send("open dla");
    b.await("opened", e -> e.path("i").asInt() == 1, LONG);
    Predicate<JsonNode> refused = e -> e.path("msg").asText().contains("refused a blocking wait");
    Node.Await.until(LONG, () -> a.events("log").stream().anyMatch(refused)
        || b.events("log").stream().anyMatch(refused), () -> "the kernel never refused a wait");
    Node refusedOne = b.events("log").stream().anyMatch(refused) ? b : a;
    Node other = refusedOne == a ? b : a;
    assertEquals("FOLLOWER", channelAt(refusedOne, 1).path("status").asText());
    other.kill9();
    Node.Await.until(LONG, () -> channelAt(refusedOne, 1).path("status").asText().equals("HUB"),
        () -> "the refused process never took over its second channel after the other died");
    assertEquals("HUB", channelAt(refusedOne, 0).path("status").asText(),
        "it still leads its first channel");
    assertEquals(0, refusedOne.events("log").stream()
        .filter(e -> e.path("level").asText().equals("ERROR")).count(), "no lock thread failed");
  }

  private static JsonNode channelAt(Node n, int i) {
    return n.state().path("channels").path(i);
  }

  @Test
  @DisplayName("AC-CHAN-15 a killed follower leaves uncleanly and drops out of members()")
  void aKilledFollowerLeavesUncleanlyAndDropsOutOfMembers() {
    Node hub = joined("fcrash");
    Node f = joined("fcrash");
    Node g = joined("fcrash");
    Node.Await.until(LONG, () -> memberPids(hub).contains(f.pid) && memberPids(g).contains(f.pid),
        () -> "f never listed");
    f.kill9();
    for (Node n : List.of(hub, g)) {
      n.await("left", e -> e.path("pid").asLong() == f.pid && !e.path("clean").asBoolean(), LONG);
      assertFalse(memberPids(n).contains(f.pid), "members() still lists the killed follower");
      assertEquals(Set.of(hub.pid, g.pid), new HashSet<>(memberPids(n)));
      assertEquals(0, n.events("resync").size());
    }
  }

  @Test
  @EnabledOnOs({OS.LINUX, OS.MAC})
  @DisplayName("AC-CHAN-12 SIGTERM of the hub: the shutdown hook hands over cleanly")
  void sigtermOfTheHubHandsOverCleanlyThroughTheShutdownHook() {
    Node hub = joined("term");
    Node f1 = joined("term");
    Node f2 = joined("term");
    long epoch = epoch(hub);
    hub.send("post 0 500 64");
    hub.await("posted", LONG);
    hub.signal("TERM");
    assertEquals(143, hub.awaitExit(LONG), "the JVM ends by SIGTERM");
    for (Node f : List.of(f1, f2)) {
      Node.Await.until(LONG, () -> counters(f, 0).size() >= 500, () -> "lost messages");
      f.await("left", e -> e.path("pid").asLong() == hub.pid && e.path("clean").asBoolean(),
          LONG);
    }
    Node newHub = awaitOneHubIn(List.of(f1, f2), epoch + 1, LONG);
    assertNotNull(newHub);
    for (Node f : List.of(f1, f2)) {
      assertEquals(0, f.events("resync").size(), "a clean handover needs no resync");
      List<Long> expected = new ArrayList<>();
      for (long k = 0; k < 500; k++) {
        expected.add(k);
      }
      assertEquals(expected, counters(f, 0));
    }
  }

  @Test
  @DisplayName("AC-CHAN-10 20 kill -9 failovers among 6 JVMs: hub intervals never overlap")
  void repeatedCrashFailoversNeverOverlapHubIntervals() {
    List<Node> live = new ArrayList<>();
    for (int k = 0; k < 6; k++) {
      live.add(joined("cycle"));
    }
    Node spare = node();
    Map<Node, Long> killedAt = new HashMap<>();
    List<Long> failoverMs = new ArrayList<>();
    long epoch = epoch(live.get(0));
    for (int cycle = 0; cycle < 20; cycle++) {
      Node hub = awaitOneHubIn(live, epoch, LONG);
      long t0 = System.nanoTime();
      killedAt.put(hub, t0);
      hub.kill9();
      live.remove(hub);
      Node next = awaitOneHubIn(live, epoch + 1, LONG);
      JsonNode became = next.await("status", e -> e.path("status").asText().equals("HUB")
          && e.path("t").asLong() > t0, LONG);
      failoverMs.add((became.path("t").asLong() - t0) / 1_000_000);
      epoch++;
      spare.send("open cycle");
      spare.await("opened", LONG);
      live.add(spare);
      spare = node();
    }
    // Each node's HUB interval: from its HUB status (or an open that returned as HUB) to its
    // next status, or to its kill.
    List<long[]> intervals = new ArrayList<>();
    for (Node n : nodes) {
      List<JsonNode> st = new ArrayList<>(n.events("status"));
      boolean hubStatusReported = st.stream()
          .anyMatch(e -> e.path("status").asText().equals("HUB"));
      for (JsonNode o : n.events("opened")) {
        if (o.path("status").asText().equals("HUB") && !hubStatusReported) {
          st.add(0, o);
        }
      }
      for (int k = 0; k < st.size(); k++) {
        if (!st.get(k).path("status").asText().equals("HUB")) {
          continue;
        }
        long start = st.get(k).path("t").asLong();
        long end = k + 1 < st.size() ? st.get(k + 1).path("t").asLong()
            : killedAt.getOrDefault(n, Long.MAX_VALUE);
        intervals.add(new long[] {start, end});
      }
    }
    intervals.sort((a, b) -> Long.compare(a[0], b[0]));
    assertEquals(21, intervals.size(), "one hub term per epoch");
    for (int k = 1; k < intervals.size(); k++) {
      assertTrue(intervals.get(k)[0] > intervals.get(k - 1)[1],
          "hub term " + k + " began before term " + (k - 1) + " ended");
    }
    failoverMs.sort(Long::compare);
    System.out.println("AC-CHAN-10 failover after kill -9 (ms, sorted, loaded test machine): "
        + failoverMs);
  }

  @Test
  @DisplayName("AC-CHAN-35 posts across a kill -9: no duplicates, FIFO, new-epoch posts reach all")
  void postsDuringAFailoverAreNeitherDuplicatedNorReordered() {
    Node hub = joined("pf");
    Node p = joined("pf");
    Node q = joined("pf");
    Node r = joined("pf");
    long epoch = epoch(hub);
    p.send("ppost 0 1000 64 1000");
    Node.Await.until(LONG, () -> counters(q, 0).size() >= 100, () -> "posting did not start");
    hub.kill9();
    p.await("posted", LONG);
    Map<Long, Long> receiptEpoch = new HashMap<>();
    for (JsonNode rc : p.events("receipt")) {
      receiptEpoch.put(rc.path("n").asLong(), rc.path("epoch").asLong());
    }
    Set<Long> leaderLost = new HashSet<>();
    for (JsonNode f : p.events("postfail")) {
      if (f.path("type").asText().equals("LeaderLostException")) {
        leaderLost.add(f.path("n").asLong());
      }
    }
    assertEquals(1000, receiptEpoch.size() + p.events("postfail").size(),
        "every post has one outcome");
    List<Long> newEpoch = new ArrayList<>();
    receiptEpoch.forEach((n, e) -> {
      if (e == epoch + 1) {
        newEpoch.add(n);
      }
    });
    assertFalse(newEpoch.isEmpty(), "posting went on in the new epoch");
    for (Node s : List.of(q, r)) {
      Node.Await.until(LONG, () -> s.events("msg").stream()
          .filter(m -> m.path("epoch").asLong() == epoch + 1)
          .map(m -> m.path("n").asLong()).collect(java.util.stream.Collectors.toSet())
          .containsAll(newEpoch), () -> "a message with a new-epoch receipt did not arrive");
      Set<String> seen = new HashSet<>();
      Map<String, Long> lastOriginSeq = new HashMap<>();
      for (JsonNode m : s.events("msg")) {
        String origin = m.path("origin").asText();
        long os = m.path("originSeq").asLong();
        assertTrue(seen.add(origin + "/" + os), "duplicate " + origin + "/" + os);
        assertTrue(os > lastOriginSeq.getOrDefault(origin, 0L), "per-origin order broken");
        lastOriginSeq.put(origin, os);
        if (m.path("epoch").asLong() == epoch + 1) {
          assertFalse(leaderLost.contains(m.path("n").asLong()),
              "a post that failed with LeaderLostException was stamped in the new epoch");
        }
      }
    }
  }

  @Test
  @EnabledOnOs(OS.LINUX)
  @DisplayName("AC-CHAN-29 a deleted lock file: ERROR, everyone moves to the new file, one hub")
  void aDeletedLockFileIsDetectedAndEveryoneRejoinsOnTheNewFile() throws IOException {
    Node hub = joined("inode");
    Node f = joined("inode");
    long epoch = epoch(hub);
    Path lock = dir.resolve("c-" + RuntimeDirs.hash("channel", "inode") + ".lock");
    Object oldKey = Files.getAttribute(lock, "unix:ino");
    Files.delete(lock);
    Node.Await.until(LONG, () -> logged(hub, "ERROR", "lock file") == 1
        && logged(f, "ERROR", "lock file") == 1, () -> "the inode guard logged no ERROR");
    // Both JVMs are on the new file: one holds its lock, the other waits for it.
    Node.Await.until(LONG, () -> {
      long ino;
      try {
        ino = ((Number) Files.getAttribute(lock, "unix:ino")).longValue();
      } catch (IOException e) {
        return false; // Not recreated yet.
      }
      List<long[]> locks = ProcLocks.on(ino, Set.of(hub.pid, f.pid));
      return locks.stream().filter(l -> l[1] == 0).count() == 1
          && locks.stream().filter(l -> l[1] == 1).count() == 1;
    }, () -> "not one holder and one waiter on the new lock file");
    assertNotEquals(oldKey, Files.getAttribute(lock, "unix:ino"));
    Node.Await.until(LONG, () -> {
      JsonNode a = channel(hub);
      JsonNode b = channel(f);
      return a.path("epoch").asLong() > epoch && a.path("epoch").equals(b.path("epoch"))
          && Set.of(a.path("status").asText(), b.path("status").asText())
              .equals(Set.of("HUB", "FOLLOWER"));
    }, () -> "not one hub and one follower in a new term: " + channel(hub) + " " + channel(f)
        + "\nhub " + hub.events("status") + hub.events("log") + hub.events("resync")
        + "\nf " + f.events("status") + f.events("log") + f.events("resync"));
    Node newHub = channel(hub).path("status").asText().equals("HUB") ? hub : f;
    Node other = newHub == hub ? f : hub;
    int before = counters(newHub, 0).size();
    other.send("post 0 1 16");
    Node.Await.until(LONG, () -> counters(newHub, 0).size() > before, () -> "no traffic");
    assertEquals(1, logged(hub, "ERROR", "lock file"), "one ERROR per member");
    assertEquals(1, logged(f, "ERROR", "lock file"), "one ERROR per member");
  }
}
