package dev.statesync.channel.internal;

import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ReadableByteChannel;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * Encodes frames and decodes them from a byte stream, validating lengths and versions before any
 * allocation so that a hostile length cannot make the reader allocate 4 GiB.
 */
public final class FrameCodec {
  private FrameCodec() {}

  /** Encodes a frame into a fresh buffer ready for writing (position 0). */
  public static ByteBuffer encode(Frame f) {
    ByteBuffer p = f.payload().duplicate();
    ByteBuffer out = ByteBuffer.allocate(4 + Frame.HEADER_AFTER_LENGTH + p.remaining());
    out.putInt(Frame.HEADER_AFTER_LENGTH + p.remaining());
    out.put((byte) Frame.VERSION);
    out.put((byte) f.type());
    out.putShort((short) f.flags());
    out.putLong(f.epoch());
    out.putLong(f.seq());
    putUuid(out, f.originMember());
    putUuid(out, f.originId());
    out.putLong(f.originSeq());
    out.put(p);
    out.flip();
    return out;
  }

  /**
   * Validates the length field before the rest of the frame is read.
   *
   * @param maxDataPayload the largest PUB/MSG payload this reader accepts
   */
  static void checkLength(int length, int maxDataPayload) {
    // The per-type payload limit is checked once the type is known; here only the largest
    // payload of any type bounds the allocation.
    long max = Frame.HEADER_AFTER_LENGTH
        + (long) Math.max(Frame.MAX_CONTROL_PAYLOAD, Math.min(maxDataPayload,
            Frame.MAX_DATA_PAYLOAD));
    if (length < Frame.HEADER_AFTER_LENGTH || length > max) {
      throw new ProtocolException("PROTOCOL", "frame length field held " + length
          + ", allowed " + Frame.HEADER_AFTER_LENGTH + " .. " + max);
    }
  }

  /** Decodes the 60 bytes after the length field plus the payload; the buffer is consumed. */
  static Frame decodeBody(ByteBuffer body, int maxDataPayload) {
    int version = body.get() & 0xff;
    if (version != Frame.VERSION) {
      throw new ProtocolException("PROTOCOL", "frame version field held " + version
          + ", expected " + Frame.VERSION);
    }
    int type = body.get() & 0xff;
    int flags = body.getShort() & 0xffff;
    long epoch = body.getLong();
    long seq = body.getLong();
    UUID member = getUuid(body);
    UUID origin = getUuid(body);
    long originSeq = body.getLong();
    if (type < Frame.HELLO || type > Frame.REJECT) {
      throw new ProtocolException("PROTOCOL", "frame type field held " + type);
    }
    int payloadLength = body.remaining();
    int limit = Frame.isData(type) ? maxDataPayload : Frame.MAX_CONTROL_PAYLOAD;
    if (payloadLength > limit) {
      throw new ProtocolException("PROTOCOL", Frame.typeName(type) + " payload of "
          + payloadLength + " bytes exceeds the limit of " + limit);
    }
    return new Frame(type, flags, epoch, seq, member, origin, originSeq, body.slice());
  }

  /**
   * Reads exactly one frame from a blocking channel.
   *
   * @throws EOFException at a clean end of stream before a frame starts, or mid-frame
   * @throws ProtocolException when the frame is malformed or too large
   */
  public static Frame read(ReadableByteChannel ch, ByteBuffer lengthBuf, int maxDataPayload)
      throws IOException {
    lengthBuf.clear();
    readFully(ch, lengthBuf);
    lengthBuf.flip();
    int length = lengthBuf.getInt();
    checkLength(length, maxDataPayload);
    ByteBuffer body = ByteBuffer.allocate(length);
    readFully(ch, body);
    body.flip();
    return decodeBody(body, maxDataPayload);
  }

  private static void readFully(ReadableByteChannel ch, ByteBuffer buf) throws IOException {
    while (buf.hasRemaining()) {
      if (ch.read(buf) < 0) {
        throw new EOFException("end of stream");
      }
    }
  }

  /**
   * An incremental decoder for bytes that arrive split at arbitrary boundaries; used by
   * non-blocking readers and by the codec's property tests.
   */
  public static final class Decoder {
    private final int maxDataPayload;
    private final ByteBuffer lengthBuf = ByteBuffer.allocate(4);
    private ByteBuffer body;

    /** Creates a decoder accepting data payloads up to {@code maxDataPayload}. */
    public Decoder(int maxDataPayload) {
      this.maxDataPayload = maxDataPayload;
    }

    /**
     * Consumes all of {@code in} and returns the frames completed by it.
     *
     * @throws ProtocolException on a malformed frame; the decoder is then unusable
     */
    public List<Frame> feed(ByteBuffer in) {
      List<Frame> out = new ArrayList<>();
      Frame f;
      while ((f = next(in)) != null) {
        out.add(f);
      }
      return out;
    }

    /**
     * Consumes bytes of {@code in} up to the end of the next frame and returns that frame, or
     * returns null once {@code in} is used up without completing one. Bytes after the frame stay
     * in {@code in}, so a reader can stop between any two frames.
     *
     * @throws ProtocolException on a malformed frame; the decoder is then unusable
     */
    public Frame next(ByteBuffer in) {
      while (in.hasRemaining()) {
        if (body == null) {
          while (in.hasRemaining() && lengthBuf.hasRemaining()) {
            lengthBuf.put(in.get());
          }
          if (lengthBuf.hasRemaining()) {
            return null;
          }
          lengthBuf.flip();
          int length = lengthBuf.getInt();
          lengthBuf.clear();
          checkLength(length, maxDataPayload);
          body = ByteBuffer.allocate(length);
        }
        int n = Math.min(body.remaining(), in.remaining());
        ByteBuffer part = in.slice();
        part.limit(n);
        body.put(part);
        in.position(in.position() + n);
        if (!body.hasRemaining()) {
          ByteBuffer done = body.flip();
          body = null;
          return decodeBody(done, maxDataPayload);
        }
      }
      return null;
    }
  }

  private static void putUuid(ByteBuffer b, UUID u) {
    b.putLong(u.getMostSignificantBits());
    b.putLong(u.getLeastSignificantBits());
  }

  private static UUID getUuid(ByteBuffer b) {
    return new UUID(b.getLong(), b.getLong());
  }
}
