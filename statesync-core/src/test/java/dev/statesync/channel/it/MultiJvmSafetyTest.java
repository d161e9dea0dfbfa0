package dev.statesync.channel.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.statesync.channel.internal.Frame;
import dev.statesync.channel.internal.FrameCodec;
import dev.statesync.channel.internal.RuntimeDirs;
import java.io.EOFException;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.UUID;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;
import org.junit.jupiter.api.Test;

/** Hostile peers, the TCP fallback and elections, with real JVM processes. */
class MultiJvmSafetyTest extends MultiJvmHarness {
  static final ObjectMapper JSON = new ObjectMapper();

  Node joinedWith(String command) {
    return started(command);
  }

  java.nio.channels.SocketChannel rawUnix(String name) throws IOException {
    var ch = java.nio.channels.SocketChannel.open(StandardProtocolFamily.UNIX);
    ch.connect(UnixDomainSocketAddress.of(dir.resolve("c-" + RuntimeDirs.hash("channel", name)
        + ".sock")));
    return ch;
  }

  static void write(java.nio.channels.SocketChannel ch, ByteBuffer b) throws IOException {
    while (b.hasRemaining()) {
      ch.write(b);
    }
  }

  static ByteBuffer hello(String name, int proto, String token) {
    var h = JSON.createObjectNode().put("proto", proto).put("kind", "channel").put("name", name)
        .put("member", UUID.randomUUID().toString()).put("pid", 1).put("cursorEpoch", 0)
        .put("cursorSeq", 0);
    if (token != null) {
      h.put("token", token);
    }
    return FrameCodec.encode(Frame.control(Frame.HELLO, 0,
        h.toString().getBytes(StandardCharsets.UTF_8)));
  }

  /** Reads frames until EOF; returns them (a REJECT, if any, is among them). */
  static List<Frame> readUntilClosed(java.nio.channels.SocketChannel ch) {
    List<Frame> out = new ArrayList<>();
    ByteBuffer len = ByteBuffer.allocate(4);
    try {
      while (true) {
        out.add(FrameCodec.read(ch, len, 16 * 1024 * 1024));
      }
    } catch (EOFException e) {
      return out;
    } catch (IOException e) {
      return out;
    }
  }

  static String rejectCode(List<Frame> frames) throws IOException {
    for (Frame f : frames) {
      if (f.type() == Frame.REJECT) {
        return JSON.readTree(f.payloadBytes()).path("code").asText();
      }
    }
    return null;
  }

  void assertStillServing(Node a, Node b) {
    int before = b.events("msg").size();
    a.send("post 0 1 16");
    Node.Await.until(LONG, () -> b.events("msg").size() > before, () -> "hub stopped serving");
  }

  @Test
  @DisplayName("AC-CHAN-25 a raw client announcing 32 MiB is cut off; the others are served")
  void aRawClientAnnouncingA32MibFrameIsDisconnectedAndOthersAreServed() throws IOException {
    Node a = joinedWith("open raw");
    Node b = joinedWith("open raw");
    try (var ch = rawUnix("raw")) {
      write(ch, hello("raw", 1, null));
      ByteBuffer huge = ByteBuffer.allocate(8);
      huge.putInt(60 + 32 * 1024 * 1024).put((byte) 1).put((byte) Frame.PUB).putShort((short) 0);
      huge.flip();
      write(ch, huge);
      List<Frame> frames = readUntilClosed(ch);
      assertEquals(Frame.WELCOME, frames.get(0).type(), "queued frames go out before REJECT");
      assertEquals(Frame.REJECT, frames.get(frames.size() - 1).type());
      assertEquals("PROTOCOL", rejectCode(frames));
    }
    assertStillServing(a, b);
  }

  @Test
  @DisplayName("AC-CHAN-25 malformed frames from a raw client get REJECT PROTOCOL and a close")
  void malformedFramesFromARawClientAreRejectedAndTheConnectionClosed() throws IOException {
    Node a = joinedWith("open bad");
    Node b = joinedWith("open bad");
    try (var ch = rawUnix("bad")) {
      ByteBuffer garbage = ByteBuffer.allocate(64);
      garbage.putInt(60).put((byte) 7).put((byte) Frame.HELLO);
      garbage.position(64);
      garbage.flip();
      write(ch, garbage);
      assertEquals("PROTOCOL", rejectCode(readUntilClosed(ch)));
    }
    try (var ch = rawUnix("bad")) {
      write(ch, hello("bad", 1, null));
      UUID notMe = UUID.randomUUID();
      write(ch, FrameCodec.encode(new Frame(Frame.PUB, 0, 0, 0, notMe, notMe, 1,
          ByteBuffer.allocate(8))));
      assertEquals("PROTOCOL", rejectCode(readUntilClosed(ch)),
          "a PUB claiming another member is refused");
    }
    assertStillServing(a, b);
    assertEquals(0, b.count("msg", e -> e.path("len").asInt() == 8 && e.path("n").asLong() == 0
        && e.path("originSeq").asLong() == 1 && e.path("seq").asLong() < 0));
  }

  @Test
  @DisplayName("AC-CHAN-26 a HELLO with proto 99 gets REJECT PROTOCOL_VERSION")
  void aHelloWithAnotherProtocolVersionIsRejected() throws IOException {
    joinedWith("open ver");
    try (var ch = rawUnix("ver")) {
      write(ch, hello("ver", 99, null));
      assertEquals("PROTOCOL_VERSION", rejectCode(readUntilClosed(ch)));
    }
  }

  @Test
  @DisplayName("AC-CHAN-24 a raw client that sends no HELLO is closed after 1 s")
  void aClientThatSendsNoHelloIsClosedAfterOneSecond() throws IOException {
    joinedWith("open silent");
    try (var ch = rawUnix("silent")) {
      long start = System.nanoTime();
      List<Frame> frames = readUntilClosed(ch);
      long ms = (System.nanoTime() - start) / 1_000_000;
      assertTrue(frames.isEmpty());
      // The lower bound is the rule; the upper one only keeps a never-closing hub from hanging.
      assertTrue(ms >= 900 && ms < LONG.toMillis(), "closed after " + ms + " ms");
    }
  }

  @Test
  @DisplayName("AC-CHAN-24 TCP fans out, keeps the token in a 0600 .addr, refuses a wrong token")
  void tcpTransportFansOutUsesAPrivateTokenFileAndRejectsAWrongToken() throws IOException {
    Node a = joinedWith("open tcp tcp");
    Node b = joinedWith("open tcp tcp");
    a.send("post 0 100 1024");
    Node.Await.until(LONG, () -> b.events("msg").size() == 100, () -> "tcp fan-out incomplete");
    Path addr = dir.resolve("c-" + RuntimeDirs.hash("channel", "tcp") + ".addr");
    assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(addr)));
    JsonNode content = JSON.readTree(Files.readAllBytes(addr));
    assertEquals("tcp", content.path("transport").asText());
    assertTrue(content.path("port").asInt() > 0);
    assertEquals(22, content.path("token").asText().length());
    try (var ch = java.nio.channels.SocketChannel.open(new InetSocketAddress(
        InetAddress.getLoopbackAddress(), content.path("port").asInt()))) {
      write(ch, hello("tcp", 1, "AAAAAAAAAAAAAAAAAAAAAA"));
      assertEquals("BAD_TOKEN", rejectCode(readUntilClosed(ch)));
    }
    assertStillServing(a, b);
  }

  @Test
  @DisplayName("AC-CHAN-30 an election has one leader and relinquish hands over")
  void electionHasExactlyOneLeaderAndRelinquishHandsOver() {
    List<Node> ns = List.of(joinedWith("elect e"), joinedWith("elect e"), joinedWith("elect e"));
    Node.Await.until(LONG, () -> ns.stream().filter(n -> n.state().path("elections").path(0)
        .path("leader").asBoolean()).count() == 1, () -> "no leader");
    assertTrue(Node.Await.never(Duration.ofMillis(600), () -> ns.stream().filter(n -> n.state()
        .path("elections").path(0).path("leader").asBoolean()).count() != 1),
        "leadership count changed without cause");
    Node leader = ns.stream().filter(n -> n.state().path("elections").path(0).path("leader")
        .asBoolean()).findFirst().orElseThrow();
    long e1 = leader.state().path("elections").path(0).path("epoch").asLong();
    leader.send("relinquish 0");
    leader.await("relinquished", e -> e.path("ok").asBoolean(), LONG);
    Node.Await.until(LONG, () -> ns.stream().filter(n -> n != leader)
        .anyMatch(n -> n.state().path("elections").path(0).path("leader").asBoolean()),
        () -> "no other JVM took over");
    assertFalse(leader.state().path("elections").path(0).path("leader").asBoolean());
    Node.Await.until(LONG, () -> leader.state().path("elections").path(0).path("epoch")
        .asLong() == e1 + 1, () -> "the relinquished JVM did not follow the new leader");
    // The node registers its listener after open returned, so the first (true, e1) may have
    // fired before it; what it saw must still be (true, e1) then (false, e1).
    List<JsonNode> changes = new ArrayList<>(leader.events("leadership"));
    if (!changes.isEmpty() && changes.get(0).path("leader").asBoolean()) {
      assertEquals(e1, changes.remove(0).path("epoch").asLong());
    }
    assertEquals(false, changes.get(0).path("leader").asBoolean());
    assertEquals(e1, changes.get(0).path("epoch").asLong());
  }

  @Test
  @DisplayName("AC-CHAN-04 a channel and an election of one name are independent groups")
  void aChannelAndAnElectionOfTheSameNameAreIndependent() {
    Node hub = joinedWith("open iso");
    hub.send("elect iso");
    hub.await("elected", LONG);
    Node other = joinedWith("elect iso");
    other.send("open iso");
    other.await("opened", LONG);
    Node.Await.until(LONG, () -> other.state().path("elections").path(0).path("hasLeader")
        .asBoolean(), () -> "election follower never saw a leader");
    long electionEpoch = other.state().path("elections").path(0).path("epoch").asLong();
    boolean hubLeadsElection = hub.state().path("elections").path(0).path("leader").asBoolean();
    if (!hubLeadsElection) {
      // The channel hub and the election leader are the same JVM or not; kill the channel hub.
      assertEquals("HUB", hub.channelStatus());
      hub.kill9();
      Node.Await.until(LONG, () -> other.channelStatus().equals("HUB"), () -> "no new hub");
      assertTrue(other.state().path("elections").path(0).path("leader").asBoolean());
      assertEquals(electionEpoch, other.state().path("elections").path(0).path("epoch")
          .asLong(), "election epoch unchanged by the channel failover");
    } else {
      assertEquals("HUB", hub.channelStatus());
      assertTrue(hub.state().path("elections").path(0).path("leader").asBoolean());
      assertEquals("FOLLOWER", other.channelStatus());
    }
  }

  @Test
  @EnabledOnOs(OS.LINUX)
  @DisplayName("AC-CHAN-23 a peer of another user is refused with WARN; nothing is exchanged")
  void aPeerOfAnotherUserIsRefused() throws Exception {
    Assumptions.assumeTrue(RuntimeDirs.uid() == 0,
        "needs root to run a peer as user nobody; skipped when not root");
    Assumptions.assumeTrue(Files.isExecutable(Path.of("/usr/sbin/runuser"))
        || Files.isExecutable(Path.of("/sbin/runuser")), "needs runuser to switch users");
    Node hub = joinedWith("open peer");
    Path sock = dir.resolve("c-" + RuntimeDirs.hash("channel", "peer") + ".sock");
    // A copy of the one JDK-only class the peer runs, readable by nobody.
    Path cp = Files.createTempDirectory(Path.of("/tmp"), "peer");
    Path cls = cp.resolve("dev/statesync/channel/it/RawPeer.class");
    Files.createDirectories(cls.getParent());
    Files.copy(Path.of(RawPeer.class.getResource("RawPeer.class").toURI()), cls);
    for (Path p = cls; p.startsWith(cp); p = p.getParent()) {
      Files.setPosixFilePermissions(p, PosixFilePermissions.fromString(
          Files.isDirectory(p) ? "rwxr-xr-x" : "rw-r--r--"));
    }
    Set<PosixFilePermission> dirPerms = Files.getPosixFilePermissions(dir);
    Set<PosixFilePermission> parentPerms = Files.getPosixFilePermissions(dir.getParent());
    Set<PosixFilePermission> sockPerms = Files.getPosixFilePermissions(sock);
    String out;
    try {
      Files.setPosixFilePermissions(dir.getParent(), PosixFilePermissions.fromString("rwx--x--x"));
      Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx--x--x"));
      Files.setPosixFilePermissions(sock, PosixFilePermissions.fromString("rwxrwxrwx"));
      Process p = new ProcessBuilder("runuser", "-u", "nobody", "--",
          Path.of(System.getProperty("java.home"), "bin", "java").toString(),
          "-XX:-UsePerfData", "-Xshare:auto", "-cp", cp.toString(), RawPeer.class.getName(),
          sock.toString(), "peer").redirectErrorStream(true).start();
      assertTrue(p.waitFor(LONG.toMillis(), TimeUnit.MILLISECONDS), "the peer did not end");
      out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    } finally {
      Files.setPosixFilePermissions(sock, sockPerms);
      Files.setPosixFilePermissions(dir, dirPerms);
      Files.setPosixFilePermissions(dir.getParent(), parentPerms);
    }
    assertTrue(out.contains("frame " + Frame.REJECT) && out.contains("PEER_USER"), out);
    assertFalse(out.contains("frame " + Frame.WELCOME + " "), "no WELCOME: " + out);
    assertFalse(out.contains("frame " + Frame.MSG + " "), "no message: " + out);
    hub.await("log", e -> e.path("level").asText().equals("WARN")
        && e.path("msg").asText().contains("nobody"), LONG);
    assertEquals(0, hub.events("joined").size(), "the refused peer never joined");
  }

  @Test
  @EnabledOnOs(OS.LINUX)
  @DisplayName("AC-CHAN-27 1,000 opens and closes in the hub JVM: one lock, one open, no takeover")
  void openingAndClosingManyInstancesNeverReopensTheLockFile() {
    Node hub = joinedWith("open reg");
    hub.send("elect reg");
    awaitLeads(hub);
    Node f = joinedWith("open reg");
    f.send("elect reg");
    f.await("elected", LONG);
    JsonNode done = hub.ask("stress reg 4 1000", "stressed");
    assertEquals(0, done.path("errors").asInt(), done.toString());
    assertEquals(2, done.path("lockOpens").asInt(),
        "one open per lock file (channel and election) in the hub JVM");
    assertEquals("HUB", done.path("status").asText());
    assertEquals(0, f.count("status", e -> e.path("status").asText().equals("HUB")));
    assertEquals("FOLLOWER", f.channelStatus());
    assertFalse(f.state().path("elections").path(0).path("leader").asBoolean());
    for (String k : List.of("c-" + RuntimeDirs.hash("channel", "reg"),
        "e-" + RuntimeDirs.hash("election", "reg"))) {
      long ino;
      try {
        ino = ((Number) Files.getAttribute(dir.resolve(k + ".lock"), "unix:ino")).longValue();
      } catch (IOException e) {
        throw new AssertionError(e);
      }
      List<long[]> locks = ProcLocks.on(ino, Set.of(hub.pid, f.pid));
      List<long[]> held = locks.stream().filter(l -> l[1] == 0).collect(Collectors.toList());
      assertEquals(1, held.size(), "exactly one POSIX lock held on " + k);
      assertEquals(hub.pid, held.get(0)[0]);
    }
    assertEquals(2, hub.ask("hook opens", "hooked").path("lockOpens").asInt());
  }

  @Test
  @DisplayName("AC-CHAN-28 interrupting posting threads never costs the hub its leadership")
  void interruptingPostingThreadsNeverCostsLeadership() {
    Node hub = joinedWith("open intr");
    Node f = joinedWith("open intr");
    long epoch = epoch(f);
    JsonNode r = hub.ask("ipost 0 4 500", "iposted");
    assertEquals(0, r.path("others").asInt(), "only ChannelExceptions: " + r);
    assertEquals(2000, r.path("ok").asInt() + r.path("channelExceptions").asInt());
    assertTrue(r.path("interrupts").asLong() > 0);
    int ok = r.path("ok").asInt();
    Node.Await.until(LONG, () -> f.events("msg").size() >= ok, () -> "messages missing");
    // Only the initial FOLLOWER (if it was dispatched after the node subscribed), nothing else.
    assertEquals(0, f.count("status", e -> !e.path("status").asText().equals("FOLLOWER")),
        "the follower's status changed: " + f.events("status"));
    assertEquals(epoch, epoch(f));
    assertEquals("HUB", hub.channelStatus());
    assertEquals(0, f.events("resync").size());
  }

  @Test
  @DisplayName("AC-CHAN-31 two candidates in one JVM and one in another: one leader on the host")
  void electionsInOneJvmAndAnotherHaveOneLeaderOnTheHost() {
    Node jvm1 = joinedWith("elect one");
    awaitLeads(jvm1);
    jvm1.send("elect one");
    jvm1.await("elected", e -> e.path("i").asInt() == 1, LONG);
    Node jvm2 = joinedWith("elect one");
    Node.Await.until(LONG, () -> election(jvm2).path("hasLeader").asBoolean(),
        () -> "jvm2 never saw the leader");
    // Samples the successor first: a handover from jvm1 to jvm2 between the two reads cannot
    // then look like two leaders (jvm2 leads only after jvm1 stopped leading).
    java.util.function.IntSupplier leaders = () -> {
      int n = 0;
      for (Node x : List.of(jvm2, jvm1)) {
        for (JsonNode l : x.ask("leaders", "leaders").path("leader")) {
          n += l.asBoolean() ? 1 : 0;
        }
      }
      return n;
    };
    assertTrue(Node.Await.never(java.time.Duration.ofSeconds(1),
        () -> leaders.getAsInt() != 1), "not exactly one leader while stable");
    assertTrue(jvm1.state().path("elections").path(0).path("leader").asBoolean());
    jvm1.send("eclose 0");
    jvm1.await("eclosed", LONG);
    long deadline = System.nanoTime() + LONG.toNanos();
    int n;
    while ((n = leaders.getAsInt()) != 1) {
      assertTrue(n == 0, "two leaders during the handover");
      assertTrue(System.nanoTime() < deadline, "no new leader");
      java.util.concurrent.locks.LockSupport.parkNanos(10_000_000L);
    }
    assertTrue(Node.Await.never(java.time.Duration.ofMillis(500),
        () -> leaders.getAsInt() != 1), "not exactly one leader after the handover");
  }

  @Test
  @DisplayName("AC-CHAN-32 relinquish and kill -9 in election x leave channel x untouched")
  void electionFailoversLeaveTheChannelOfTheSameNameAlone() {
    Node hub = joinedWith("open x");
    Node a = joinedWith("elect x");
    long e1 = awaitLeads(a);
    a.send("open x");
    a.await("opened", LONG);
    Node b = joinedWith("elect x");
    b.send("open x");
    b.await("opened", LONG);
    Node.Await.until(LONG, () -> election(b).path("hasLeader").asBoolean(), () -> "no leader");
    long channelEpoch = epoch(hub);
    a.send("relinquish 0");
    a.await("relinquished", e -> e.path("ok").asBoolean(), LONG);
    b.await("leadership", e -> e.path("leader").asBoolean(), LONG);
    b.kill9();
    a.await("leadership", e -> e.path("leader").asBoolean()
        && e.path("epoch").asLong() > e1 + 1, LONG);
    hub.await("left", e -> e.path("pid").asLong() == b.pid, LONG);
    for (Node n : List.of(hub, a)) {
      assertEquals(0, n.events("resync").size(), "channel x resynced");
      assertEquals(channelEpoch, epoch(n));
    }
    assertEquals(0, hub.count("status", e -> !e.path("status").asText().equals("HUB")),
        "the hub's status changed: " + hub.events("status"));
    assertEquals(0, a.count("status", e -> !e.path("status").asText().equals("FOLLOWER")),
        "a follower's status changed: " + a.events("status"));
    assertEquals("HUB", hub.channelStatus());
  }

  @Test
  @EnabledOnOs({OS.LINUX, OS.MAC})
  @DisplayName("AC-CHAN-34 with the hub stopped, open times out and LeaderElection.open does not")
  void withTheHubStoppedOpenTimesOutButElectionOpenReturnsAtOnce() {
    Node hub = joinedWith("open to");
    hub.send("elect to");
    awaitLeads(hub);
    hub.signal("STOP");
    Node n = node();
    JsonNode failed = n.ask("open to openTimeout=1000", "openfailed");
    assertEquals("ChannelUnavailableException", failed.path("type").asText());
    // The lower bound is the rule; the upper one is loose because CI cores are loaded.
    assertTrue(failed.path("ms").asLong() >= 1000, failed.toString());
    assertTrue(failed.path("ms").asLong() < LONG.toMillis(), failed.toString());
    JsonNode elected = n.ask("elect to", "elected");
    assertFalse(elected.path("leader").asBoolean());
    assertTrue(elected.path("ms").asLong() < 5000, "LeaderElection.open blocked: " + elected);
    assertFalse(n.state().path("elections").path(0).path("leader").asBoolean());
    hub.signal("CONT");
  }
}
