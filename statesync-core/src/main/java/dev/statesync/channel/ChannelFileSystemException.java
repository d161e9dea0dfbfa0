package dev.statesync.channel;

/**
 * Thrown by {@code open} when the runtime directory cannot be created or checked, or lives on a network
 * file system where locks and sockets are unreliable.
 */
public class ChannelFileSystemException extends ChannelException {
  private static final long serialVersionUID = 1L;

  /** Creates the exception with a message that says what happened and what to do about it. */
  public ChannelFileSystemException(String message) {
    super(message);
  }

  /** Creates the exception with a message and a cause (which may be null). */
  public ChannelFileSystemException(String message, Throwable cause) {
    super(message, cause);
  }
}
