package dev.statesync.relay;

import java.util.Objects;

/**
 * An immutable snapshot of one text stream.
 *
 * <p>Taking a state is O(1) whatever the length of the text: the string returned by
 * {@link #text()} is built on first use and then kept. A listener that only needs the length or
 * the status never pays for a copy of the text ({@link #textLength()}).
 */
public final class StreamState {

  private static final StreamState IDLE =
      new StreamState("", "", StreamStatus.IDLE, "", null, null, false);

  private final String sourceId;
  private final String streamId;
  private final StreamStatus status;
  private final char[] chars; // null once text is set from a String
  private final int length;
  private final String error;
  private final EndReason endReason;
  private final boolean sourceClosed;
  private String text; // built lazily; a benign race, String is immutable

  /**
   * Creates a state.
   *
   * @param sourceId the id of the {@link StreamSource} that produced the stream, "" when idle
   * @param streamId the stream's id, "" when idle
   * @param status the stream's status
   * @param text the text received so far, well-formed UTF-16
   * @param error the error message, non-null exactly when the status is {@link StreamStatus#ERROR}
   * @param endReason why the stream ended, non-null exactly when the status is terminal
   * @param sourceClosed true once the producing source closed or its process left
   * @throws NullPointerException if an id, the status or the text is null
   * @throws IllegalArgumentException if error or endReason do not match the status
   */
  public StreamState(String sourceId, String streamId, StreamStatus status, String text,
      String error, EndReason endReason, boolean sourceClosed) {
    this(sourceId, streamId, status, null, Objects.requireNonNull(text, "text").length(), error,
        endReason, sourceClosed);
    this.text = text;
  }

  /** A state over the first {@code length} chars of {@code chars}, which must never change. */
  StreamState(String sourceId, String streamId, StreamStatus status, char[] chars, int length,
      String error, EndReason endReason, boolean sourceClosed) {
    this.sourceId = Objects.requireNonNull(sourceId, "sourceId");
    this.streamId = Objects.requireNonNull(streamId, "streamId");
    this.status = Objects.requireNonNull(status, "status");
    if ((error != null) != (status == StreamStatus.ERROR)) {
      throw new IllegalArgumentException("error must be non-null exactly when status is ERROR, "
          + "got status " + status + " and error " + error);
    }
    if ((endReason != null) != status.isTerminal()
        || (endReason != null && endReason.status() != status)) {
      throw new IllegalArgumentException(
          "endReason " + endReason + " does not match status " + status);
    }
    this.chars = chars;
    this.length = length;
    this.error = error;
    this.endReason = endReason;
    this.sourceClosed = sourceClosed;
  }

  /** The state before any stream started. */
  public static StreamState idle() {
    return IDLE;
  }

  /** The id of the {@link StreamSource} that produced the stream, "" when idle. */
  public String sourceId() {
    return sourceId;
  }

  /** The stream's id, "" when idle. */
  public String streamId() {
    return streamId;
  }

  /** The stream's status. */
  public StreamStatus status() {
    return status;
  }

  /** The text received so far, well-formed UTF-16; built on the first call, O(1) after. */
  public String text() {
    String t = text;
    if (t == null) {
      t = new String(chars, 0, length);
      text = t;
    }
    return t;
  }

  /** The length of {@link #text()} in UTF-16 chars, without building the text. */
  public int textLength() {
    return length;
  }

  /** The error message, non-null exactly when the status is {@link StreamStatus#ERROR}. */
  public String error() {
    return error;
  }

  /** Why the stream ended, non-null exactly when the status is terminal. */
  public EndReason endReason() {
    return endReason;
  }

  /** True once the producing source closed or its process left. */
  public boolean sourceClosed() {
    return sourceClosed;
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

  /** States are equal when every field, the text included, is equal. */
  @Override
  public boolean equals(Object o) {
    return o instanceof StreamState s
        && sourceClosed == s.sourceClosed
        && length == s.length
        && sourceId.equals(s.sourceId)
        && streamId.equals(s.streamId)
        && status == s.status
        && Objects.equals(error, s.error)
        && endReason == s.endReason
        && text().equals(s.text());
  }

  @Override
  public int hashCode() {
    return Objects.hash(sourceId, streamId, status, text(), error, endReason, sourceClosed);
  }

  @Override
  public String toString() {
    String shown = length > 64 ? new String(headChars(64)) + "..." : text();
    return "StreamState[" + sourceId + "/" + streamId + " " + status
        + (endReason == null ? "" : "/" + endReason) + (error == null ? "" : " '" + error + "'")
        + " " + length + " chars '" + shown + "'" + (sourceClosed ? " closed" : "") + "]";
  }

  private char[] headChars(int n) {
    String t = text;
    return t != null ? t.substring(0, n).toCharArray() : java.util.Arrays.copyOf(chars, n);
  }
}
