package dev.statesync.persistence;

/** A record, payload or message exceeds a configured size limit; nothing was written or posted. */
public class RecordTooLargeException extends PersistenceException {
  private static final long serialVersionUID = 1L;

  /** Creates an exception with a message. */
  public RecordTooLargeException(String message) {
    super(message);
  }

  /** Creates an exception with a message and a cause. */
  public RecordTooLargeException(String message, Throwable cause) {
    super(message, cause);
  }
}
