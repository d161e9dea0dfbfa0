package dev.statesync.channel.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.statesync.channel.internal.Frame;
import dev.statesync.channel.internal.FrameCodec;
import dev.statesync.channel.internal.RuntimeDirs;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * CHAN-33 with raw peers: a member drops a frame of an epoch below the highest it has seen and
 * closes the connection it came on, at a follower (frames from the hub) and at the hub (PUBs).
 */
class MultiJvmFencingTest extends MultiJvmHarness {

  /** Frames until the peer closes the connection; fails if it does not within the bound. */
  static List<Frame> readToEnd(SocketChannel ch) throws IOException {
    List<Frame> out = new java.util.ArrayList<>();
    Frame f;
    while ((f = RawHub.read(ch)) != null) {
      out.add(f);
    }
    return out;
  }

  @Test
  @DisplayName("CHAN-33 a follower drops a frame of an older epoch and closes its connection")
  void aFollowerDropsAFrameOfAnOlderEpochAndReconnects() throws IOException {
    try (RawHub hub = new RawHub(dir, "channel", "fence")) {
      Node n = node();
      n.send("open fence");
      try (SocketChannel c1 = hub.accept(LONG)) {
        assertEquals(Frame.HELLO, RawHub.read(c1).type());
        RawHub.write(c1, hub.welcome(5));
        assertEquals(5, n.await("opened", LONG).path("epoch").asLong());
        RawHub.write(c1, RawHub.msg(5, 1, 1));
        RawHub.write(c1, RawHub.msg(4, 2, 2));
        RawHub.write(c1, RawHub.msg(5, 2, 3));
        // Ends when the follower closes c1, or fails when RawHub's watchdog closes it.
        assertEquals(List.of(), readToEnd(c1), "the follower closed the connection");
      }
      try (SocketChannel c2 = hub.accept(LONG)) {
        JsonNode hello = RawHub.json(RawHub.read(c2));
        assertEquals(5, hello.path("cursorEpoch").asLong());
        assertEquals(1, hello.path("cursorSeq").asLong(),
            "neither the stale frame nor the one behind it was processed");
      }
      Node.Await.until(LONG, () -> !counters(n, 0).isEmpty(), () -> "MSG 1 not delivered");
      assertEquals(List.of(1L), counters(n, 0));
      assertEquals(1, logged(n, "WARN", "dropping a frame of epoch 4 below 5"));
    }
  }

  static ByteBuffer hello(String name, UUID member) {
    String h = "{\"proto\":1,\"kind\":\"channel\",\"name\":\"" + name + "\",\"member\":\""
        + member + "\",\"pid\":1,\"cursorEpoch\":0,\"cursorSeq\":0}";
    return FrameCodec.encode(Frame.control(Frame.HELLO, 0, h.getBytes(StandardCharsets.UTF_8)));
  }

  static ByteBuffer pub(long epoch, UUID member, long counter) {
    return FrameCodec.encode(new Frame(Frame.PUB, 0, epoch, 0, member, member, counter,
        ByteBuffer.allocate(8).putLong(0, counter)));
  }

  SocketChannel connect(String name) throws IOException {
    SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX);
    ch.connect(UnixDomainSocketAddress.of(dir.resolve("c-" + RuntimeDirs.hash("channel", name)
        + ".sock")));
    return RawHub.bounded(ch, LONG);
  }

  @Test
  @DisplayName("CHAN-33 the hub drops a PUB of an older epoch and closes its connection")
  void theHubDropsAPubOfAnOlderEpochAndClosesItsConnection() throws IOException {
    Node hub = joined("fencepub");
    Node b = joined("fencepub");
    UUID member = UUID.randomUUID();
    long epoch;
    try (SocketChannel ch = connect("fencepub")) {
      MultiJvmSafetyTest.write(ch, hello("fencepub", member));
      Frame welcome = RawHub.read(ch);
      assertEquals(Frame.WELCOME, welcome.type());
      epoch = RawHub.json(welcome).path("epoch").asLong();
      assertTrue(epoch >= 1);
      MultiJvmSafetyTest.write(ch, pub(epoch - 1, member, 111));
      List<Frame> rest = readToEnd(ch);
      assertTrue(rest.stream().noneMatch(f -> f.type() == Frame.MSG
          && f.payload().remaining() == 8 && f.payload().getLong(0) == 111),
          "the stale PUB was not stamped: " + rest);
    }
    try (SocketChannel ch = connect("fencepub")) {
      MultiJvmSafetyTest.write(ch, hello("fencepub", member));
      assertEquals(Frame.WELCOME, RawHub.read(ch).type());
      MultiJvmSafetyTest.write(ch, pub(epoch, member, 222));
      // PUBs of one connection are stamped in read order, and the stale one was read first.
      Node.Await.until(LONG, () -> counters(b, 0).contains(222L), () -> "current PUB lost");
    }
    assertFalse(counters(b, 0).contains(111L), "the stale PUB reached b");
    assertEquals(1, logged(hub, "WARN", "dropping a PUB of epoch " + (epoch - 1) + " below "
        + epoch));
  }
}
