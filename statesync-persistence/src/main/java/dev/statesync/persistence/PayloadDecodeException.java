package dev.statesync.persistence;

/** The data codec could not decode stored or received bytes into the data type. */
public class PayloadDecodeException extends PersistenceException {
  private static final long serialVersionUID = 1L;

  /** Creates an exception with a message. */
  public PayloadDecodeException(String message) {
    super(message);
  }

  /** Creates an exception with a message and a cause. */
  public PayloadDecodeException(String message, Throwable cause) {
    super(message, cause);
  }
}
