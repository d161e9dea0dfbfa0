package dev.statesync.channel.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.statesync.channel.internal.Frame;
import dev.statesync.channel.internal.FrameCodec;
import dev.statesync.channel.internal.RuntimeDirs;
import dev.statesync.fuzz.FuzzRun;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Malformed byte streams sent from a raw socket client to a real hub in another JVM (issue 9).
 * Each connection must end, within the per-case bound, with a REJECT carrying a documented code,
 * or with the hub closing after the client's end of stream; a first frame whose header breaks
 * CHAN-44 (or that is not a HELLO) must get {@code REJECT PROTOCOL}. Throughout, the hub (64 MiB
 * heap, exit on OutOfMemoryError) must stay alive and the leader, no hub thread may die of an
 * exception, and a regular member's posts must still be served. The case count is
 * {@code -Dstatesync.fuzz.socketCases}, by default a quarter of {@code statesync.fuzz.cases}.
 */
class HubSocketFuzzTest {
  static final Duration LONG = Duration.ofSeconds(30);
  static final ObjectMapper JSON = new ObjectMapper();
  static final Set<String> CODES = Set.of("PROTOCOL", "PROTOCOL_VERSION", "NAME_MISMATCH");
  final List<Node> nodes = new ArrayList<>();

  @AfterEach
  void tearDown() {
    nodes.forEach(Node::close);
  }

  static byte[] frames(Frame... frames) {
    ByteBuffer all = ByteBuffer.allocate(1 << 16);
    for (Frame f : frames) {
      all.put(FrameCodec.encode(f));
    }
    all.flip();
    byte[] b = new byte[all.remaining()];
    all.get(b);
    return b;
  }

  static List<byte[]> corpus(String name) {
    // Fixed ids: the corpus, and so every input of a seed, is the same on every run.
    UUID member = new UUID(0x5eed_0001L, 0x0000_0001L);
    UUID instance = new UUID(0x5eed_0002L, 0x0000_0002L);
    byte[] hello = ("{\"proto\":1,\"kind\":\"channel\",\"name\":\"" + name + "\",\"member\":\""
        + member + "\",\"pid\":7,\"cursorEpoch\":0,\"cursorSeq\":0}")
        .getBytes(StandardCharsets.UTF_8);
    byte[] resume = ("{\"proto\":1,\"kind\":\"channel\",\"name\":\"" + name + "\",\"member\":\""
        + member + "\",\"pid\":7,\"cursorEpoch\":1,\"cursorSeq\":3,\"token\":\"x\"}")
        .getBytes(StandardCharsets.UTF_8);
    return List.of(
        frames(Frame.control(Frame.HELLO, 0, hello)),
        frames(Frame.control(Frame.HELLO, 0, resume),
            Frame.control(Frame.BYE, 0, "{}".getBytes(StandardCharsets.UTF_8))),
        // The hub is the first of its directory, so its epoch is 1: PUBs of epoch 1 are stamped,
        // and a mutated epoch below 1 is fenced (CHAN-33).
        frames(Frame.control(Frame.HELLO, 0, hello),
            new Frame(Frame.PUB, 0, 1, 0, member, instance, 1, ByteBuffer.wrap(new byte[24])),
            new Frame(Frame.PUB, 0, 1, 0, member, instance, 2, ByteBuffer.wrap(hello)),
            Frame.control(Frame.BYE, 0, "{}".getBytes(StandardCharsets.UTF_8))));
  }

  /**
   * What CHAN-44/46 say about the first frame: "reject" if its header is illegal or it is not a
   * HELLO, "incomplete" if the stream ends inside it, "hello" otherwise.
   */
  static String firstFrame(byte[] b) {
    if (b.length < 4) {
      return "incomplete";
    }
    ByteBuffer in = ByteBuffer.wrap(b);
    long length = in.getInt();
    if (length < 60 || length > 60 + 1024 * 1024) {
      return "reject";
    }
    if (in.remaining() < length) {
      return "incomplete";
    }
    int version = in.get() & 0xff;
    int type = in.get() & 0xff;
    if (version != 1 || type != Frame.HELLO || length - 60 > 64 * 1024) {
      return "reject";
    }
    return "hello";
  }

  /** Sends {@code input}, ends the stream, and reads until the hub closes; returns the label. */
  static String exchange(Path sock, byte[] input) throws IOException {
    List<Frame> got = new ArrayList<>();
    try (SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX)) {
      ch.connect(UnixDomainSocketAddress.of(sock));
      try {
        ByteBuffer b = ByteBuffer.wrap(input);
        while (b.hasRemaining()) {
          ch.write(b);
        }
        ch.shutdownOutput();
      } catch (IOException closedByHub) {
        // The hub may reject and close before it has read everything; read what it said.
      }
      ByteBuffer len = ByteBuffer.allocate(4);
      try {
        while (true) {
          got.add(FrameCodec.read(ch, len, 16 * 1024 * 1024));
        }
      } catch (IOException endOfStream) {
        // EOF, or a reset after the hub closed: the connection is over either way.
      }
    }
    String expect = firstFrame(input);
    for (Frame f : got) {
      if (f.type() == Frame.REJECT) {
        String code = JSON.readTree(f.payloadBytes()).path("code").asText();
        assertTrue(CODES.contains(code), "undocumented REJECT code " + code);
        assertTrue(!expect.equals("reject") || code.equals("PROTOCOL"),
            "an illegal first frame got " + code + " instead of PROTOCOL");
        return "reject " + code;
      }
    }
    assertTrue(!expect.equals("reject"), "an illegal first frame was not rejected: " + got);
    boolean welcomed = !got.isEmpty() && got.get(0).type() == Frame.WELCOME;
    assertTrue(welcomed || got.isEmpty(), "first frame from the hub: " + got);
    // A HELLO followed by the end of the stream may close before the queued WELCOME is written.
    return welcomed ? "welcomed, then closed at end of stream" : "closed at end of stream ("
        + expect + ")";
  }

  @Test
  void malformedStreamsFromARawClientAreRejectedAndTheHubKeepsServing() throws IOException {
    Path dir = Files.createTempDirectory(Path.of("/tmp"), "sf").resolve("r");
    Node hub = Node.start(dir, "-XX:+ExitOnOutOfMemoryError");
    nodes.add(hub);
    hub.send("open fuzz");
    assertEquals("HUB", hub.await("opened", LONG).path("status").asText());
    Node member = Node.start(dir);
    nodes.add(member);
    member.send("open fuzz");
    member.await("opened", LONG);
    Path sock = dir.resolve("c-" + RuntimeDirs.hash("channel", "fuzz") + ".sock");
    List<byte[]> corpus = corpus("fuzz");
    int[] done = {0};
    // Each case is a connection to another JVM (about 5 ms), so CI runs a quarter of the count;
    // FrameDecoderFuzzTest drives the same decoder in-process with the full count.
    int cases = Integer.getInteger("statesync.fuzz.socketCases", FuzzRun.cases() / 4);
    FuzzRun.Report r = FuzzRun.<byte[]>of("hub-socket").allocationLimit(len -> -1)
        .run(cases, m -> m.mutate(corpus), input -> {
          String label = exchange(sock, input);
          if (++done[0] % 2_000 == 0) {
            assertHealthy(hub, member);
          }
          return label;
        });
    assertHealthy(hub, member);
    assertTrue(r.countPrefix("reject PROTOCOL") > 0 && r.countPrefix("welcomed") > 0
        && r.countPrefix("closed") > 0, r.toString());
  }

  private static void assertHealthy(Node hub, Node member) {
    assertTrue(hub.process.isAlive(), "the hub JVM died");
    List<JsonNode> uncaught = hub.events("uncaught");
    assertNull(uncaught.isEmpty() ? null : uncaught.get(0), "a hub thread died of an exception ("
        + uncaught.size() + " in all); the first");
    int before = hub.events("msg").size();
    member.send("post 0 1 16");
    Node.Await.until(LONG, () -> hub.events("msg").size() > before,
        () -> "the hub stopped serving its members");
    assertEquals("FOLLOWER", member.channelStatus(), "leadership moved during the campaign");
  }
}
