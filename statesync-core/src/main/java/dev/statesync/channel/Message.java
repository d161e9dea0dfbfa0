package dev.statesync.channel;

import java.nio.ByteBuffer;
import java.util.Objects;
import java.util.UUID;

/**
 * One delivered message, stamped by the hub with its place in the channel's total order.
 *
 * <p>The payload is shared by every listener of the JVM and never copied per listener; each call
 * to {@link #payload()} returns an independent read-only view, so listeners cannot disturb each
 * other's position.
 *
 * @param channel the channel name
 * @param epoch the hub's term in which the message was sequenced
 * @param seq the position within the epoch, from 1
 * @param memberId the member (JVM) that posted the message
 * @param originId the instance that posted the message
 * @param originSeq the per-instance post counter, from 1
 * @param payload the message bytes, read-only
 */
public record Message(String channel, long epoch, long seq, UUID memberId, UUID originId,
    long originSeq, ByteBuffer payload) {

  /** Validates the components and stores a read-only view of the payload. */
  public Message {
    Objects.requireNonNull(channel, "channel");
    Objects.requireNonNull(memberId, "memberId");
    Objects.requireNonNull(originId, "originId");
    Objects.requireNonNull(payload, "payload");
    payload = payload.asReadOnlyBuffer();
  }

  /** Returns a fresh read-only view of the payload, positioned at its start. */
  @Override
  public ByteBuffer payload() {
    return payload.duplicate();
  }

  /** Returns a copy of the payload bytes. */
  public byte[] bytes() {
    ByteBuffer view = payload.duplicate();
    byte[] out = new byte[view.remaining()];
    view.get(out);
    return out;
  }
}
