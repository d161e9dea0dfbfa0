package dev.statesync.channel;

/**
 * Thrown by {@code open} when the runtime directory is a symlink, not a directory, or owned by another
 * user; the message names the path, the owner and the override.
 */
public class ChannelSecurityException extends ChannelException {
  private static final long serialVersionUID = 1L;

  /** Creates the exception with a message that says what happened and what to do about it. */
  public ChannelSecurityException(String message) {
    super(message);
  }

  /** Creates the exception with a message and a cause (which may be null). */
  public ChannelSecurityException(String message, Throwable cause) {
    super(message, cause);
  }
}
