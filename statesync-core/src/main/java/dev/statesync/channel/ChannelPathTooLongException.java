package dev.statesync.channel;

/**
 * Thrown by {@code open} when the socket path exceeds the platform limit; the message names the
 * path, its length, the limit and the remedies (a shorter {@code statesync.runtimeDir} or transport TCP).
 */
public class ChannelPathTooLongException extends ChannelException {
  private static final long serialVersionUID = 1L;

  /** Creates the exception with a message that says what happened and what to do about it. */
  public ChannelPathTooLongException(String message) {
    super(message);
  }

  /** Creates the exception with a message and a cause (which may be null). */
  public ChannelPathTooLongException(String message, Throwable cause) {
    super(message, cause);
  }
}
