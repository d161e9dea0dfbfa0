package dev.statesync.relay;

import dev.statesync.core.StateSyncException;
import java.net.URI;

/**
 * An SSE endpoint gave an answer that reconnecting cannot fix (RELAY-4): status 204, or status
 * 200 with a {@code Content-Type} other than {@code text/event-stream}. {@link SseCoordinator}
 * stops retrying at once and reports it through {@code onError}.
 */
public class SseFatalResponseException extends StateSyncException {
  private static final long serialVersionUID = 1L;
  private final int statusCode;
  private final String contentType;

  /**
   * Creates the exception.
   *
   * @param uri the SSE endpoint
   * @param statusCode the status received
   * @param contentType the {@code Content-Type} received, or {@code ""} when absent
   */
  public SseFatalResponseException(URI uri, int statusCode, String contentType) {
    super(
        "SSE endpoint "
            + uri
            + " answered HTTP "
            + statusCode
            + (statusCode == 204
                ? " (No Content): the server asks clients not to reconnect"
                : " with Content-Type '" + contentType + "', expected text/event-stream"));
    this.statusCode = statusCode;
    this.contentType = contentType;
  }

  /** Creates the exception from a message relayed by another process. */
  public SseFatalResponseException(String message) {
    super(message);
    this.statusCode = 0;
    this.contentType = "";
  }

  /** Returns the status received, or 0 when the error was relayed from another process. */
  public int statusCode() {
    return statusCode;
  }

  /** Returns the {@code Content-Type} received, or {@code ""}. */
  public String contentType() {
    return contentType;
  }
}
