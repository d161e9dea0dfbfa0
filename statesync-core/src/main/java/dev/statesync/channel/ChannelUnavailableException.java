package dev.statesync.channel;

/**
 * Thrown when {@code open} could not join the group within {@code openTimeout}, or when the
 * processes on this host run incompatible statesync versions.
 */
public class ChannelUnavailableException extends ChannelException {
  private static final long serialVersionUID = 1L;

  /** Creates the exception with a message that says what happened and what to do about it. */
  public ChannelUnavailableException(String message) {
    super(message);
  }

  /** Creates the exception with a message and a cause (which may be null). */
  public ChannelUnavailableException(String message, Throwable cause) {
    super(message, cause);
  }
}
