package dev.statesync.relay;

/**
 * A running broadcast of a {@link StreamSource} on a channel, from
 * {@link StreamSource#broadcast(String)}.
 */
public interface BroadcastHandle extends AutoCloseable {
  /** The channel name the source broadcasts on. */
  String channelName();

  /**
   * Stops broadcasting: tells mirrors that the source closed (a STREAMING stream shows as
   * ABORTED/SOURCE_CLOSED there), then closes the channel instance. The source itself keeps its
   * state and can go on streaming. Idempotent; never throws.
   */
  @Override
  void close();
}
