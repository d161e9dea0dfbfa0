package dev.statesync.channel.internal;

import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;

/** The latest sequenced frames, bounded by count and bytes, kept for replay to reconnects. */
final class ReplayRing {
  private record Entry(long epoch, long seq, ByteBuffer frame) {}

  private final int maxFrames;
  private final long maxBytes;
  private final ArrayDeque<Entry> entries = new ArrayDeque<>();
  private long bytes;

  ReplayRing(int maxFrames, long maxBytes) {
    this.maxFrames = maxFrames;
    this.maxBytes = maxBytes;
  }

  void add(long epoch, long seq, ByteBuffer encoded) {
    if (maxFrames == 0 || encoded.remaining() > maxBytes) {
      entries.clear();
      bytes = 0;
      return;
    }
    entries.addLast(new Entry(epoch, seq, encoded));
    bytes += encoded.remaining();
    while (entries.size() > maxFrames || bytes > maxBytes) {
      bytes -= entries.removeFirst().frame().remaining();
    }
  }

  /**
   * The frames of {@code epoch} with seq {@code from..to} inclusive, or null if the ring no
   * longer holds all of them. An empty range gives an empty list.
   */
  List<ByteBuffer> range(long epoch, long from, long to) {
    List<ByteBuffer> out = new ArrayList<>();
    if (from > to) {
      return out;
    }
    long expect = from;
    for (Entry e : entries) {
      if (e.epoch() == epoch && e.seq() == expect) {
        out.add(e.frame().duplicate());
        expect++;
        if (expect > to) {
          return out;
        }
      }
    }
    return null;
  }
}
