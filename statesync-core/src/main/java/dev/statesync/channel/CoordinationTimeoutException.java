package dev.statesync.channel;

/**
 * A host-coordinated handle asked the host's leader for a snapshot and got no answer within
 * {@code snapshotRequestTimeout}, and {@link HostCoordinationOptions#directFetchFallback()} was
 * off. The leader may be hung or busy; the engine's retry policy decides what happens next.
 */
public class CoordinationTimeoutException extends ChannelException {
  private static final long serialVersionUID = 1L;

  /** Creates the exception with a message naming the topic, the channel and the timeout. */
  public CoordinationTimeoutException(String message) {
    super(message);
  }
}
