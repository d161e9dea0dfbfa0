package dev.statesync.relay;

import java.util.Objects;
import java.util.Optional;

/**
 * Which stream a {@link StreamMirror} shows (RELAY-14): the one that started last on the channel,
 * or the latest stream of one source. Immutable.
 */
public final class Follow {
  private static final Follow LATEST = new Follow(null);

  private final String sourceId;

  private Follow(String sourceId) {
    this.sourceId = sourceId;
  }

  /**
   * Shows the stream whose START came last in the channel's total order, whichever source it
   * belongs to; every mirror on the channel agrees. The default.
   */
  public static Follow latest() {
    return LATEST;
  }

  /**
   * Shows the latest stream of the source with this {@link StreamSource#sourceId()}, and
   * {@link StreamState#idle()} until that source announces one.
   *
   * @throws IllegalArgumentException if {@code sourceId} is empty
   */
  public static Follow source(String sourceId) {
    Objects.requireNonNull(sourceId, "sourceId");
    if (sourceId.isEmpty()) {
      throw new IllegalArgumentException("sourceId must not be empty");
    }
    return new Follow(sourceId);
  }

  /** The followed source id, or empty for {@link #latest()}. */
  public Optional<String> sourceId() {
    return Optional.ofNullable(sourceId);
  }

  boolean accepts(String src) {
    return sourceId == null || sourceId.equals(src);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Follow f && Objects.equals(sourceId, f.sourceId);
  }

  @Override
  public int hashCode() {
    return Objects.hashCode(sourceId);
  }

  @Override
  public String toString() {
    return sourceId == null ? "Follow.latest()" : "Follow.source(" + sourceId + ")";
  }
}
