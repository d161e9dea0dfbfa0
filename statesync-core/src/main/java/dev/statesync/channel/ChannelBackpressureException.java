package dev.statesync.channel;

/**
 * Fails a post future when more than {@code pendingPostBytes} of posts are waiting to be written
 * (no leader, or a leader that is not reading). The message was not sent.
 */
public class ChannelBackpressureException extends ChannelException {
  private static final long serialVersionUID = 1L;

  /** Creates the exception with a message that says what happened and what to do about it. */
  public ChannelBackpressureException(String message) {
    super(message);
  }

  /** Creates the exception with a message and a cause (which may be null). */
  public ChannelBackpressureException(String message, Throwable cause) {
    super(message, cause);
  }
}
