package dev.statesync.core;

import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * A data-less hint that a topic changed: {@code {topic, revision, sourceId, timestampMs, epoch}}.
 *
 * <p>Events may be lost, duplicated or reordered; the engine treats them only as a reason to
 * fetch. {@code sourceId}, {@code timestampMs} and {@code epoch} are optional; the timestamp is
 * informational and never orders anything. Immutable; equality is by value.
 */
public final class InvalidationEvent {
  private final String topic;
  private final Revision revision;
  private final String sourceId;
  private final long timestampMs;
  private final boolean hasTimestamp;
  private final Epoch epoch;

  private InvalidationEvent(
      String topic, Revision revision, String sourceId, long timestampMs, boolean hasTimestamp,
      Epoch epoch) {
    this.topic = topic;
    this.revision = revision;
    this.sourceId = sourceId;
    this.timestampMs = timestampMs;
    this.hasTimestamp = hasTimestamp;
    this.epoch = epoch;
  }

  /**
   * Returns an event with no optional members.
   *
   * @throws IllegalArgumentException if {@code topic} is not a valid topic ({@link Topics})
   */
  public static InvalidationEvent of(String topic, Revision revision) {
    Topics.validate(topic);
    Objects.requireNonNull(revision, "revision");
    return new InvalidationEvent(topic, revision, null, 0L, false, null);
  }

  /** Returns a copy with the given source id; null removes it. */
  public InvalidationEvent withSourceId(String sourceId) {
    return new InvalidationEvent(topic, revision, sourceId, timestampMs, hasTimestamp, epoch);
  }

  /** Returns a copy with the given wall-clock timestamp in epoch milliseconds. */
  public InvalidationEvent withTimestampMs(long timestampMs) {
    return new InvalidationEvent(topic, revision, sourceId, timestampMs, true, epoch);
  }

  /** Returns a copy without a timestamp. */
  public InvalidationEvent withoutTimestamp() {
    return new InvalidationEvent(topic, revision, sourceId, 0L, false, epoch);
  }

  /** Returns a copy with the given epoch; null removes it. */
  public InvalidationEvent withEpoch(Epoch epoch) {
    return new InvalidationEvent(topic, revision, sourceId, timestampMs, hasTimestamp, epoch);
  }

  /** Returns the topic. */
  public String topic() {
    return topic;
  }

  /** Returns the revision the source reached. */
  public Revision revision() {
    return revision;
  }

  /** Returns the id of the process instance that caused the change, if known. */
  public Optional<String> sourceId() {
    return Optional.ofNullable(sourceId);
  }

  /** Returns the wall-clock time of the change in epoch milliseconds, if known. */
  public OptionalLong timestampMs() {
    return hasTimestamp ? OptionalLong.of(timestampMs) : OptionalLong.empty();
  }

  /** Returns the epoch of the source, if it has one. */
  public Optional<Epoch> epoch() {
    return Optional.ofNullable(epoch);
  }

  /** Returns the source id or null; for the engine's allocation-free hot path. */
  String sourceIdOrNull() {
    return sourceId;
  }

  /** Returns the epoch or null; for the engine's allocation-free hot path. */
  Epoch epochOrNull() {
    return epoch;
  }

  @Override
  public boolean equals(Object o) {
    if (!(o instanceof InvalidationEvent)) {
      return false;
    }
    InvalidationEvent e = (InvalidationEvent) o;
    return topic.equals(e.topic)
        && revision.equals(e.revision)
        && Objects.equals(sourceId, e.sourceId)
        && hasTimestamp == e.hasTimestamp
        && timestampMs == e.timestampMs
        && Objects.equals(epoch, e.epoch);
  }

  @Override
  public int hashCode() {
    return Objects.hash(topic, revision, sourceId, hasTimestamp, timestampMs, epoch);
  }

  @Override
  public String toString() {
    StringBuilder sb = new StringBuilder("InvalidationEvent{topic=").append(topic)
        .append(", revision=").append(revision);
    if (sourceId != null) {
      sb.append(", sourceId=").append(sourceId);
    }
    if (hasTimestamp) {
      sb.append(", timestampMs=").append(timestampMs);
    }
    if (epoch != null) {
      sb.append(", epoch=").append(epoch);
    }
    return sb.append('}').toString();
  }
}
