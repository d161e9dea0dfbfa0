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
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.DisplayName;
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
  @DisplayName("AC-CHAN-25 a raw client announcing a 32 MiB frame is cut off; the others are served")
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
    List<JsonNode> changes = leader.events("leadership");
    assertEquals(true, changes.get(0).path("leader").asBoolean());
    assertEquals(e1, changes.get(0).path("epoch").asLong());
    assertEquals(false, changes.get(1).path("leader").asBoolean());
    assertEquals(e1, changes.get(1).path("epoch").asLong());
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
}
