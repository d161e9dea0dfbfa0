package dev.statesync.relay;

import dev.statesync.core.StateSyncException;

/**
 * Thrown by {@link StreamSource#append} when the chunk would take the stream's text past
 * {@link SourceOptions#maxTextChars()}. The chunk is not appended and the stream keeps streaming;
 * a feed that hits the cap fails its stream with this exception's message.
 */
public class StreamLimitException extends StateSyncException {
  private static final long serialVersionUID = 1L;

  /** Creates the exception with a message naming the limit. */
  public StreamLimitException(String message) {
    super(message);
  }
}
