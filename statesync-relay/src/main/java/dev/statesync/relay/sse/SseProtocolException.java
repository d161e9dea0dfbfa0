package dev.statesync.relay.sse;

import dev.statesync.core.StateSyncException;

/**
 * A {@code text/event-stream} broke a limit of the parser: a line or an event's data grew beyond
 * {@link SseParser.Builder#maxEventChars(int) maxEventChars}. The message names the limit, the
 * size reached, and how to raise the limit. The parser that threw is failed: see {@link
 * SseParser#feed(byte[], int, int)}.
 */
public class SseProtocolException extends StateSyncException {
  private static final long serialVersionUID = 1L;

  /** Creates an exception with a message. */
  public SseProtocolException(String message) {
    super(message);
  }
}
