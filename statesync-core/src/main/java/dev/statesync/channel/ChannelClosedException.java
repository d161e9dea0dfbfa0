package dev.statesync.channel;

/**
 * Thrown (or used to fail a future) when an operation is attempted on, or was pending at, a closed
 * instance.
 */
public class ChannelClosedException extends ChannelException {
  private static final long serialVersionUID = 1L;

  /** Creates the exception with a message that says what happened and what to do about it. */
  public ChannelClosedException(String message) {
    super(message);
  }

  /** Creates the exception with a message and a cause (which may be null). */
  public ChannelClosedException(String message, Throwable cause) {
    super(message, cause);
  }
}
