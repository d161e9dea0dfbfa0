package dev.statesync.channel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.statesync.channel.internal.Frame;
import dev.statesync.channel.internal.FrameCodec;
import dev.statesync.channel.internal.ProtocolException;
import dev.statesync.fuzz.FuzzRun;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * Mutated frame streams fed to the incremental frame decoder in random pieces (issue 9). Each
 * input must give exactly the frames, or the {@link ProtocolException}, that the CHAN-44 rules
 * predict (restated independently in {@link #expected}), never another exception, and no input
 * may make the decoder allocate more than the largest legal frame. The socket-level campaign
 * against a real hub is {@code HubSocketFuzzTest}.
 */
class FrameDecoderFuzzTest {
  static final int MAX_DATA = 1024 * 1024;

  /** Valid streams of frames, the corpus the mutations start from. */
  static List<byte[]> corpus() {
    // Fixed ids: the corpus, and so every input of a seed, is the same on every run.
    UUID member = new UUID(0x5eed_0001L, 0x0000_0001L);
    UUID instance = new UUID(0x5eed_0002L, 0x0000_0002L);
    String hello = "{\"proto\":1,\"kind\":\"channel\",\"name\":\"fuzz\",\"member\":\"" + member
        + "\",\"pid\":42,\"cursorEpoch\":0,\"cursorSeq\":0}";
    List<byte[]> out = new ArrayList<>();
    out.add(concat(Frame.control(Frame.HELLO, 0, hello.getBytes(StandardCharsets.UTF_8))));
    out.add(concat(Frame.control(Frame.HELLO, 0, hello.getBytes(StandardCharsets.UTF_8)),
        new Frame(Frame.PUB, 0, 0, 0, member, instance, 1, ByteBuffer.wrap(new byte[16])),
        new Frame(Frame.PUB, 0, 0, 0, member, instance, 2,
            ByteBuffer.wrap("{\"revision\":\"5\"}".getBytes(StandardCharsets.UTF_8))),
        Frame.control(Frame.BYE, 0, "{}".getBytes(StandardCharsets.UTF_8))));
    out.add(concat(Frame.control(Frame.WELCOME, 3, ("{\"epoch\":3,\"leader\":\"" + member
        + "\",\"leaderPid\":1,\"nextSeq\":1,\"heartbeatMs\":1000,\"maxMessageBytes\":1048576,"
        + "\"members\":[],\"resync\":null}").getBytes(StandardCharsets.UTF_8)),
        new Frame(Frame.MSG, 0, 3, 1, member, instance, 1, ByteBuffer.wrap(new byte[300])),
        Frame.control(Frame.HEARTBEAT, 3, new byte[0]),
        Frame.control(Frame.REJECT, 3,
            "{\"code\":\"PROTOCOL\",\"message\":\"x\"}".getBytes(StandardCharsets.UTF_8))));
    return out;
  }

  static byte[] concat(Frame... frames) {
    ByteBuffer all = ByteBuffer.allocate(1 << 16);
    for (Frame f : frames) {
      all.put(FrameCodec.encode(f));
    }
    all.flip();
    byte[] b = new byte[all.remaining()];
    all.get(b);
    return b;
  }

  /**
   * CHAN-44 restated: the number of complete frames in {@code b}, or -1 if a frame header is
   * illegal before the stream ends.
   */
  static int expected(byte[] b) {
    ByteBuffer in = ByteBuffer.wrap(b);
    int frames = 0;
    while (in.remaining() >= 4) {
      long length = in.getInt();
      long maxPayload = Math.max(64 * 1024, MAX_DATA);
      if (length < 60 || length > 60 + maxPayload) {
        return -1;
      }
      if (in.remaining() < length) {
        return frames;
      }
      int version = in.get() & 0xff;
      int type = in.get() & 0xff;
      boolean data = type == 3 || type == 4;
      if (version != 1 || type < 1 || type > 8
          || length - 60 > (data ? MAX_DATA : 64 * 1024)) {
        return -1;
      }
      in.position(in.position() + (int) length - 2);
      frames++;
    }
    return frames;
  }

  @Test
  void mutatedFrameStreamsDecodeAsTheWireRulesSayOrFailWithProtocolException() {
    List<byte[]> corpus = corpus();
    FuzzRun.Report r = FuzzRun.<byte[]>of("frame-decoder").documented(ProtocolException.class)
        // One legal frame may be up to 1 MiB; anything beyond that plus slack is unbounded.
        .allocationLimit(len -> MAX_DATA + 16L * 1024 * 1024 + 8 * len)
        .run(m -> m.mutate(corpus), input -> {
          int want = expected(input);
          FrameCodec.Decoder d = new FrameCodec.Decoder(MAX_DATA);
          SplittableRandom split = new SplittableRandom(input.length);
          ByteBuffer all = ByteBuffer.wrap(input);
          int got = 0;
          try {
            while (all.hasRemaining()) {
              ByteBuffer part = all.slice();
              part.limit(Math.min(part.remaining(), 1 + split.nextInt(96)));
              all.position(all.position() + part.limit());
              got += d.feed(part).size();
            }
          } catch (ProtocolException e) {
            assertEquals(-1, want, "rejected a stream the rules accept: " + e.getMessage());
            throw e;
          }
          assertEquals(want, got, "decoded frame count");
          return got == 0 ? "valid: incomplete" : "valid: frames";
        });
    assertTrue(r.countPrefix("valid") > 0 && r.countPrefix("rejected") > 0, r.toString());
  }
}
