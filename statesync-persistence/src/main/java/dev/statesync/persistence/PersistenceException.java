package dev.statesync.persistence;

import dev.statesync.core.StateSyncException;

/**
 * Root of every exception raised by statesync-persistence because of stored data, storage or
 * encoding. API misuse (a call after close, a second attach) throws {@link IllegalStateException}
 * instead.
 */
public class PersistenceException extends StateSyncException {
  private static final long serialVersionUID = 1L;

  /** Creates an exception with a message. */
  public PersistenceException(String message) {
    super(message);
  }

  /** Creates an exception with a message and a cause. */
  public PersistenceException(String message, Throwable cause) {
    super(message, cause);
  }
}
