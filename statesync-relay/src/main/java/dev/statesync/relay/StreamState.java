package dev.statesync.relay;

import java.util.Objects;

/**
 * An immutable snapshot of one text stream.
 *
 * @param sourceId the id of the {@link StreamSource} that produced the stream, "" when idle
 * @param streamId the stream's id, "" when idle
 * @param status the stream's status
 * @param text the text received so far, well-formed UTF-16
 * @param error the error message, non-null exactly when the status is {@link StreamStatus#ERROR}
 * @param endReason why the stream ended, non-null exactly when the status is terminal
 * @param sourceClosed true once the producing source closed or its process left
 */
public record StreamState(String sourceId, String streamId, StreamStatus status, String text,
    String error, EndReason endReason, boolean sourceClosed) {

  private static final StreamState IDLE =
      new StreamState("", "", StreamStatus.IDLE, "", null, null, false);

  /**
   * Validates the components.
   *
   * @throws NullPointerException if an id, the status or the text is null
   * @throws IllegalArgumentException if error or endReason do not match the status
   */
  public StreamState {
    Objects.requireNonNull(sourceId, "sourceId");
    Objects.requireNonNull(streamId, "streamId");
    Objects.requireNonNull(status, "status");
    Objects.requireNonNull(text, "text");
    if ((error != null) != (status == StreamStatus.ERROR)) {
      throw new IllegalArgumentException("error must be non-null exactly when status is ERROR, "
          + "got status " + status + " and error " + error);
    }
    if ((endReason != null) != status.isTerminal()
        || (endReason != null && endReason.status() != status)) {
      throw new IllegalArgumentException(
          "endReason " + endReason + " does not match status " + status);
    }
  }

  /** The state before any stream started. */
  public static StreamState idle() {
    return IDLE;
  }

  /** Returns true while the stream is {@link StreamStatus#STREAMING}. */
  public boolean loading() {
    return status == StreamStatus.STREAMING;
  }

  /** Returns true when the stream ended normally. */
  public boolean done() {
    return status == StreamStatus.DONE;
  }

  /** Returns a copy with the given fields changed; used by the source and the mirror. */
  StreamState with(StreamStatus newStatus, String newText, String newError, EndReason reason) {
    return new StreamState(sourceId, streamId, newStatus, newText, newError, reason, sourceClosed);
  }

  @Override
  public String toString() {
    String shown = text.length() > 64 ? text.substring(0, 64) + "..." : text;
    return "StreamState[" + sourceId + "/" + streamId + " " + status
        + (endReason == null ? "" : "/" + endReason) + (error == null ? "" : " '" + error + "'")
        + " " + text.length() + " chars '" + shown + "'" + (sourceClosed ? " closed" : "") + "]";
  }
}
