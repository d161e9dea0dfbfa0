package dev.statesync.relay;

import dev.statesync.core.StateSyncException;

/**
 * An SSE connection failed {@code maxReconnectAttempts} times in a row and stopped retrying
 * (RELAY-25). The cause, when known in this process, is the last failure. Call {@link
 * SseCoordinator#reconnect()} to try again.
 */
public class SseReconnectExhaustedException extends StateSyncException {
  private static final long serialVersionUID = 1L;

  /** Creates the exception; {@code cause} may be null. */
  public SseReconnectExhaustedException(String message, Throwable cause) {
    super(message, cause);
  }
}
