package dev.statesync.persistence;

/** The data codec could not encode a value exactly; nothing was stored. */
public class PayloadEncodeException extends PersistenceException {
  private static final long serialVersionUID = 1L;

  /** Creates an exception with a message. */
  public PayloadEncodeException(String message) {
    super(message);
  }

  /** Creates an exception with a message and a cause. */
  public PayloadEncodeException(String message, Throwable cause) {
    super(message, cause);
  }
}
