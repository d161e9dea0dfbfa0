package dev.statesync.persistence;

/** The per-key lock of a storage backend was not acquired within the backend's lock timeout; the stored record is unchanged. */
public class LockTimeoutException extends PersistenceException {
  private static final long serialVersionUID = 1L;

  /** Creates an exception with a message. */
  public LockTimeoutException(String message) {
    super(message);
  }

  /** Creates an exception with a message and a cause. */
  public LockTimeoutException(String message, Throwable cause) {
    super(message, cause);
  }
}
