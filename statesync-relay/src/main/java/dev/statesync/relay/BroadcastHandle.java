package dev.statesync.relay;

import dev.statesync.channel.ChannelStats;

/**
 * A running broadcast of a {@link StreamSource} on a channel, from
 * {@link StreamSource#broadcast(String)}.
 */
public interface BroadcastHandle extends AutoCloseable {
  /** The channel name the source broadcasts on. */
  String channelName();

  /**
   * The counters of the channel instance this source posts on; {@code payloadBytesPosted} is
   * the cost of the broadcast in bytes.
   */
  ChannelStats stats();

  /**
   * Stops broadcasting: tells mirrors that the source closed (a STREAMING stream shows as
   * ABORTED/SOURCE_CLOSED there), then closes the channel instance. The source itself keeps its
   * state and can go on streaming. Idempotent; never throws.
   */
  @Override
  void close();
}
