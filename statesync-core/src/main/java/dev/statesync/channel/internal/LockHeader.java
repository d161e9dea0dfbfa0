package dev.statesync.channel.internal;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.util.UUID;

/**
 * The lock file's header, read and written only by the lock holder with positional I/O through
 * the registered channel (never another descriptor: closing one would drop the POSIX lock).
 *
 * @param epoch the last leader's epoch, 0 when the header is missing or invalid
 * @param leader the last leader's memberId, or null
 * @param pid the last leader's pid
 * @param clean whether the last term ended cleanly
 * @param lastSeq the last seq of a term that ended cleanly
 */
record LockHeader(long epoch, UUID leader, long pid, boolean clean, long lastSeq) {
  static final int SIZE = 45;
  static final int ACTIVE = 1;
  static final int ENDED = 2;
  private static final int MAGIC = 0x53534c31; // "SSL1"

  static LockHeader read(FileChannel fc) throws IOException {
    ByteBuffer b = ByteBuffer.allocate(SIZE);
    while (b.hasRemaining()) {
      if (fc.read(b, b.position()) < 0) {
        break;
      }
    }
    b.flip();
    if (b.remaining() < SIZE || b.getInt() != MAGIC) {
      return new LockHeader(0, null, 0, false, 0);
    }
    long epoch = b.getLong();
    UUID leader = new UUID(b.getLong(), b.getLong());
    long pid = b.getLong();
    int state = b.get();
    long lastSeq = b.getLong();
    return new LockHeader(epoch, leader, pid, state == ENDED, lastSeq);
  }

  static void write(FileChannel fc, long epoch, UUID leader, long pid, int state, long lastSeq)
      throws IOException {
    ByteBuffer b = ByteBuffer.allocate(SIZE);
    b.putInt(MAGIC).putLong(epoch).putLong(leader.getMostSignificantBits())
        .putLong(leader.getLeastSignificantBits()).putLong(pid).put((byte) state).putLong(lastSeq);
    b.flip();
    while (b.hasRemaining()) {
      fc.write(b, b.position());
    }
  }
}
