package dev.statesync.relay;

import dev.statesync.core.StateSyncException;
import java.net.URI;

/**
 * An HTTP request answered with a status other than the one expected: {@link
 * HttpSnapshotProvider} fails its stage with it for every status but 200. The message names the
 * URI, the status and quotes the start of the body.
 */
public class HttpStatusException extends StateSyncException {
  private static final long serialVersionUID = 1L;
  /** How many characters of the response body are kept. */
  public static final int MAX_BODY_CHARS = 512;

  private final int statusCode;
  private final String body;
  private final URI uri;

  /**
   * Creates the exception.
   *
   * @param uri the requested URI
   * @param statusCode the HTTP status received
   * @param body the response body, truncated here to {@link #MAX_BODY_CHARS} characters
   */
  public HttpStatusException(URI uri, int statusCode, String body) {
    super(message(uri, statusCode, truncate(body)));
    this.uri = uri;
    this.statusCode = statusCode;
    this.body = truncate(body);
  }

  private static String truncate(String body) {
    if (body == null) {
      return "";
    }
    return body.length() <= MAX_BODY_CHARS ? body : body.substring(0, MAX_BODY_CHARS);
  }

  private static String message(URI uri, int status, String body) {
    String quoted = body.length() <= 256 ? body : body.substring(0, 256) + "...";
    return "GET " + uri + " answered HTTP " + status + (quoted.isEmpty() ? "" : ": " + quoted);
  }

  /** Returns the HTTP status code. */
  public int statusCode() {
    return statusCode;
  }

  /** Returns at most the first {@link #MAX_BODY_CHARS} characters of the response body. */
  public String body() {
    return body;
  }

  /** Returns the requested URI. */
  public URI uri() {
    return uri;
  }
}
