package dev.statesync.core;

/**
 * The root of every exception that statesync itself throws or uses to fail a future.
 *
 * <p>Argument validation still uses the JDK's {@link NullPointerException} and
 * {@link IllegalArgumentException}; everything that describes a failure of the protocol, a
 * transport, a storage backend or the engine extends this class, so callers can catch one type.
 */
public class StateSyncException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  /** Creates an exception with a message and no cause. */
  public StateSyncException(String message) {
    super(message);
  }

  /** Creates an exception with a message and a cause (which may be null). */
  public StateSyncException(String message, Throwable cause) {
    super(message, cause);
  }
}
