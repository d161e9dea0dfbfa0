package dev.statesync.persistence;

/** A schema migration could not run: no path from the stored version, or a step threw or returned null. */
public class MigrationException extends PersistenceException {
  private static final long serialVersionUID = 1L;

  /** Creates an exception with a message. */
  public MigrationException(String message) {
    super(message);
  }

  /** Creates an exception with a message and a cause. */
  public MigrationException(String message, Throwable cause) {
    super(message, cause);
  }
}
