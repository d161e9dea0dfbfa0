package dev.statesync.persistence;

/** Data carries a schema version newer than this application's current version; it was written by a newer application and is left untouched. */
public class FutureSchemaVersionException extends MigrationException {
  private static final long serialVersionUID = 1L;

  /** Creates an exception with a message. */
  public FutureSchemaVersionException(String message) {
    super(message);
  }

  /** Creates an exception with a message and a cause. */
  public FutureSchemaVersionException(String message, Throwable cause) {
    super(message, cause);
  }
}
