package dev.statesync.persistence;

/** A record this library version cannot read: a future format version, non-zero flags, or an unknown codec or compression. Such a record is never overwritten by a monotonic write. */
public class UnsupportedRecordException extends PersistenceException {
  private static final long serialVersionUID = 1L;

  /** Creates an exception with a message. */
  public UnsupportedRecordException(String message) {
    super(message);
  }

  /** Creates an exception with a message and a cause. */
  public UnsupportedRecordException(String message, Throwable cause) {
    super(message, cause);
  }
}
