package dev.statesync.relay;

/** The lifecycle of a text stream, as seen by a {@link StreamSource} or a {@link StreamMirror}. */
public enum StreamStatus {
  /** No stream has started; the text is empty. */
  IDLE,
  /** A stream is open and may still grow. */
  STREAMING,
  /** The stream ended normally; the text is final. */
  DONE,
  /** The stream ended in failure: upstream error, or its source process was lost. */
  ERROR,
  /** The stream was cancelled: aborted, superseded by a new stream, or its source closed. */
  ABORTED;

  /** Returns true for DONE, ERROR and ABORTED. */
  public boolean isTerminal() {
    return this == DONE || this == ERROR || this == ABORTED;
  }
}
