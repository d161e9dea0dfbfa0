package dev.statesync.channel;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.statesync.channel.internal.Frame;
import dev.statesync.channel.internal.FrameCodec;
import dev.statesync.channel.internal.ProtocolException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;

/** The frame codec survives arbitrary splits and rejects illegal lengths and versions. */
class FrameCodecProperties {

  @Property(tries = 300)
  void framesSurviveEncodingAndDecodingSplitAtRandomBoundaries(
      @ForAll @IntRange(min = 1, max = 8) int type, @ForAll long epoch, @ForAll long seq,
      @ForAll long originSeq, @ForAll @Size(max = 300) List<Byte> payload,
      @ForAll @Size(min = 1, max = 20) List<@IntRange(min = 1, max = 97) Integer> cuts) {
    byte[] p = new byte[payload.size()];
    for (int i = 0; i < p.length; i++) {
      p[i] = payload.get(i);
    }
    Frame f = new Frame(type, 0, epoch, seq, UUID.randomUUID(), UUID.randomUUID(), originSeq,
        ByteBuffer.wrap(p));
    ByteBuffer one = FrameCodec.encode(f);
    ByteBuffer two = ByteBuffer.allocate(one.remaining() * 2);
    two.put(one.duplicate()).put(one.duplicate()).flip();
    FrameCodec.Decoder d = new FrameCodec.Decoder(1024);
    List<Frame> out = new ArrayList<>();
    int c = 0;
    while (two.hasRemaining()) {
      int n = Math.min(cuts.get(c++ % cuts.size()), two.remaining());
      ByteBuffer part = two.slice();
      part.limit(n);
      two.position(two.position() + n);
      out.addAll(d.feed(part));
    }
    assertEquals(2, out.size());
    for (Frame g : out) {
      assertEquals(f.type(), g.type());
      assertEquals(f.epoch(), g.epoch());
      assertEquals(f.seq(), g.seq());
      assertEquals(f.originMember(), g.originMember());
      assertEquals(f.originId(), g.originId());
      assertEquals(f.originSeq(), g.originSeq());
      assertArrayEquals(p, g.payloadBytes());
    }
  }

  @Property(tries = 200)
  void illegalLengthsAreRejectedBeforeAllocation(@ForAll int length) {
    boolean legal = length >= 60 && length <= 60 + 64 * 1024;
    ByteBuffer b = ByteBuffer.allocate(4).putInt(length).flip();
    FrameCodec.Decoder d = new FrameCodec.Decoder(1024);
    if (legal) {
      assertEquals(0, d.feed(b).size());
    } else {
      assertThrows(ProtocolException.class, () -> d.feed(b));
    }
  }

  @Property(tries = 100)
  void unknownVersionsAreRejected(@ForAll @IntRange(min = 0, max = 255) int version) {
    ByteBuffer b = ByteBuffer.allocate(64).putInt(60).put((byte) version).put((byte) 1);
    b.position(64);
    b.flip();
    FrameCodec.Decoder d = new FrameCodec.Decoder(1024);
    if (version == 1) {
      assertEquals(1, d.feed(b).size());
    } else {
      assertThrows(ProtocolException.class, () -> d.feed(b));
    }
  }
}
