package dev.statesync.channel;

/**
 * Thrown synchronously by {@code post} when the message exceeds {@code maxMessageBytes}; nothing is
 * sent.
 */
public class MessageTooLargeException extends ChannelException {
  private static final long serialVersionUID = 1L;

  /** Creates the exception with a message that says what happened and what to do about it. */
  public MessageTooLargeException(String message) {
    super(message);
  }

  /** Creates the exception with a message and a cause (which may be null). */
  public MessageTooLargeException(String message, Throwable cause) {
    super(message, cause);
  }
}
