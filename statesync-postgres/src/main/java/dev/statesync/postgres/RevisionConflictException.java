package dev.statesync.postgres;

import dev.statesync.core.Revision;
import dev.statesync.core.StateSyncException;
import java.util.Optional;

/**
 * A compare-and-set write found a different revision than it expected: another writer committed
 * first. Nothing was written and nothing was notified. Read again (or use
 * {@link PostgresStateStore#update}) and retry.
 */
public final class RevisionConflictException extends StateSyncException {
  private final String topic;
  private final Revision expected;
  private final Revision current;

  /**
   * Creates the exception.
   *
   * @param current the topic's revision at the time of the conflict, or null if it has no row
   */
  public RevisionConflictException(String topic, Revision expected, Revision current) {
    super("revision conflict on topic \"" + topic + "\": expected " + expected + ", current "
        + (current == null ? "none (no row)" : current.toString()));
    this.topic = topic;
    this.expected = expected;
    this.current = current;
  }

  /** Returns the topic of the failed write. */
  public String topic() {
    return topic;
  }

  /** Returns the revision the write expected. */
  public Revision expectedRevision() {
    return expected;
  }

  /** Returns the topic's revision when the conflict was found; empty if the topic has no row. */
  public Optional<Revision> currentRevision() {
    return Optional.ofNullable(current);
  }
}
