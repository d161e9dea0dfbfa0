package dev.statesync.channel;

/**
 * Fails a post future whose frame was written to a leader that died or disconnected before it
 * echoed the frame: the outcome is unknown, some members may have received it, and it is never re-sent.
 */
public class LeaderLostException extends ChannelException {
  private static final long serialVersionUID = 1L;

  /** Creates the exception with a message that says what happened and what to do about it. */
  public LeaderLostException(String message) {
    super(message);
  }

  /** Creates the exception with a message and a cause (which may be null). */
  public LeaderLostException(String message, Throwable cause) {
    super(message, cause);
  }
}
