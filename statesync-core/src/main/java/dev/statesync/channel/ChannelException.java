package dev.statesync.channel;

import dev.statesync.core.StateSyncException;

/**
 * Root of every exception thrown by the host channel and leader election, so callers can catch
 * one type for everything that can go wrong on the host.
 */
public class ChannelException extends StateSyncException {
  private static final long serialVersionUID = 1L;

  /** Creates an exception with a message and no cause. */
  public ChannelException(String message) {
    super(message);
  }

  /** Creates an exception with a message and a cause (which may be null). */
  public ChannelException(String message, Throwable cause) {
    super(message, cause);
  }
}
