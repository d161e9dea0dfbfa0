package dev.statesync.persistence;

/** The configured validator rejected decoded data, or threw; the data is not applied. */
public class ValidationException extends PersistenceException {
  private static final long serialVersionUID = 1L;

  /** Creates an exception with a message. */
  public ValidationException(String message) {
    super(message);
  }

  /** Creates an exception with a message and a cause. */
  public ValidationException(String message, Throwable cause) {
    super(message, cause);
  }
}
