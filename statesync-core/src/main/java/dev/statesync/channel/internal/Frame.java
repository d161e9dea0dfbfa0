package dev.statesync.channel.internal;

import java.nio.ByteBuffer;
import java.util.Objects;
import java.util.UUID;

/**
 * One wire frame: a 60-byte header after the 4-byte length, then the payload.
 *
 * @param type one of the {@code TYPE_*} codes
 * @param flags reserved, 0 when sent; unknown bits are ignored
 * @param epoch the sender's epoch
 * @param seq the stamped sequence number, 0 for frames that are not sequenced
 * @param originMember the posting JVM's memberId, or {@link #ZERO}
 * @param originId the posting instance's id, or {@link #ZERO}
 * @param originSeq the per-instance post counter, 0 for control frames
 * @param payload the payload (position 0, limit = length); not copied
 */
public record Frame(int type, int flags, long epoch, long seq, UUID originMember, UUID originId,
    long originSeq, ByteBuffer payload) {

  public static final int HELLO = 1;
  public static final int WELCOME = 2;
  public static final int PUB = 3;
  public static final int MSG = 4;
  public static final int MEMBER = 5;
  public static final int HEARTBEAT = 6;
  public static final int BYE = 7;
  public static final int REJECT = 8;

  /** The wire protocol version. */
  public static final int VERSION = 1;
  /** Bytes after the length field that precede the payload. */
  public static final int HEADER_AFTER_LENGTH = 60;
  /** The largest data payload any member can ever accept. */
  public static final int MAX_DATA_PAYLOAD = 16 * 1024 * 1024;
  /** The largest control payload. */
  public static final int MAX_CONTROL_PAYLOAD = 64 * 1024;

  public static final UUID ZERO = new UUID(0, 0);

  /** Rejects null components. */
  public Frame {
    Objects.requireNonNull(originMember, "originMember");
    Objects.requireNonNull(originId, "originId");
    Objects.requireNonNull(payload, "payload");
  }

  /** A control frame (no origin, no seq). */
  public static Frame control(int type, long epoch, byte[] payload) {
    return new Frame(type, 0, epoch, 0, ZERO, ZERO, 0, ByteBuffer.wrap(payload));
  }

  /** Whether frames of this type carry a seq and enter the total order. */
  public boolean sequenced() {
    return type == MSG || type == MEMBER;
  }

  /** Whether the payload is user data (bounded by maxMessageBytes) rather than control JSON. */
  public static boolean isData(int type) {
    return type == PUB || type == MSG;
  }

  /** Payload length in bytes. */
  public int payloadLength() {
    return payload.remaining();
  }

  /** Payload bytes, copied. */
  public byte[] payloadBytes() {
    ByteBuffer view = payload.duplicate();
    byte[] out = new byte[view.remaining()];
    view.get(out);
    return out;
  }

  /** Human-readable type name for messages. */
  public static String typeName(int type) {
    switch (type) {
      case HELLO: return "HELLO";
      case WELCOME: return "WELCOME";
      case PUB: return "PUB";
      case MSG: return "MSG";
      case MEMBER: return "MEMBER";
      case HEARTBEAT: return "HEARTBEAT";
      case BYE: return "BYE";
      case REJECT: return "REJECT";
      default: return "type " + type;
    }
  }
}
