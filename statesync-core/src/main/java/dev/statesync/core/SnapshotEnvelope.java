package dev.statesync.core;

import java.util.Objects;
import java.util.Optional;

/**
 * The truth about a topic at one revision: {@code {revision, data, epoch}}.
 *
 * <p>{@code data} may be null; {@code epoch} is optional. Immutable if {@code data} is; equality
 * is by value, with data compared by {@link Objects#equals}.
 *
 * @param <T> the type of the data
 */
public final class SnapshotEnvelope<T> {
  private final Revision revision;
  private final T data;
  private final Epoch epoch;

  private SnapshotEnvelope(Revision revision, T data, Epoch epoch) {
    this.revision = revision;
    this.data = data;
    this.epoch = epoch;
  }

  /** Returns an envelope without an epoch; {@code data} may be null. */
  public static <T> SnapshotEnvelope<T> of(Revision revision, T data) {
    return new SnapshotEnvelope<>(Objects.requireNonNull(revision, "revision"), data, null);
  }

  /** Returns an envelope; {@code data} and {@code epoch} may be null. */
  public static <T> SnapshotEnvelope<T> of(Revision revision, T data, Epoch epoch) {
    return new SnapshotEnvelope<>(Objects.requireNonNull(revision, "revision"), data, epoch);
  }

  /** Returns the revision. */
  public Revision revision() {
    return revision;
  }

  /** Returns the data, possibly null. */
  public T data() {
    return data;
  }

  /** Returns the epoch, if the source has one. */
  public Optional<Epoch> epoch() {
    return Optional.ofNullable(epoch);
  }

  /** Returns a copy carrying {@code data} instead (same revision and epoch). */
  public <U> SnapshotEnvelope<U> withData(U data) {
    return new SnapshotEnvelope<>(revision, data, epoch);
  }

  /** Returns the epoch or null; for the engine's hot path. */
  Epoch epochOrNull() {
    return epoch;
  }

  @Override
  public boolean equals(Object o) {
    if (!(o instanceof SnapshotEnvelope)) {
      return false;
    }
    SnapshotEnvelope<?> s = (SnapshotEnvelope<?>) o;
    return revision.equals(s.revision) && Objects.equals(data, s.data)
        && Objects.equals(epoch, s.epoch);
  }

  @Override
  public int hashCode() {
    return Objects.hash(revision, data, epoch);
  }

  @Override
  public String toString() {
    return "SnapshotEnvelope{revision=" + revision + ", data=" + data
        + (epoch != null ? ", epoch=" + epoch : "") + '}';
  }
}
