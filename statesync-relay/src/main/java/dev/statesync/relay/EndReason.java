package dev.statesync.relay;

/** Refines a terminal {@link StreamStatus}: why the stream ended. */
public enum EndReason {
  /** {@link StreamStatus#DONE}: the producer completed the stream. */
  COMPLETED,
  /** {@link StreamStatus#ERROR}: the producer failed the stream. */
  FAILED,
  /** {@link StreamStatus#ABORTED}: the stream was aborted. */
  ABORTED,
  /** {@link StreamStatus#ABORTED}: a new stream of the same source replaced it. */
  SUPERSEDED,
  /** {@link StreamStatus#ABORTED}: the source was closed while streaming. */
  SOURCE_CLOSED,
  /** {@link StreamStatus#ERROR}: the source's process left the channel while streaming. */
  SOURCE_LOST;

  /** Returns the terminal status this reason belongs to. */
  public StreamStatus status() {
    switch (this) {
      case COMPLETED:
        return StreamStatus.DONE;
      case FAILED:
      case SOURCE_LOST:
        return StreamStatus.ERROR;
      default:
        return StreamStatus.ABORTED;
    }
  }
}
