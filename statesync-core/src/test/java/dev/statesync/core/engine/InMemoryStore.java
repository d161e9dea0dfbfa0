package dev.statesync.core.engine;

import dev.statesync.core.Epoch;
import dev.statesync.core.InvalidationEvent;
import dev.statesync.core.Revision;
import dev.statesync.core.SnapshotEnvelope;
import java.util.function.Consumer;

/**
 * The source of truth for the multi-window scenarios: (epoch, revision, data), advanced with
 * {@link Revision#next()}, announcing every change on a bus.
 */
final class InMemoryStore {
  private final String topic;
  private final Consumer<InvalidationEvent> announce;
  private Epoch epoch;
  private Revision revision = Revision.of(1);
  private String data = "initial";

  InMemoryStore(String topic, String epoch, Consumer<InvalidationEvent> announce) {
    this.topic = topic;
    this.epoch = epoch == null ? null : Epoch.of(epoch);
    this.announce = announce;
  }

  /** Writes {@code newData}, bumps the revision and announces it; returns the written snapshot. */
  SnapshotEnvelope<String> mutate(String newData, String sourceId) {
    SnapshotEnvelope<String> written;
    synchronized (this) {
      revision = revision.next();
      data = newData;
      written = snapshot();
    }
    announce.accept(currentEvent(sourceId));
    return written;
  }

  /** Sets the revision without announcing it, as a restore or a lost announcement would. */
  synchronized void jumpTo(long newRevision, String newData) {
    revision = Revision.of(newRevision);
    data = newData;
  }

  /** The source restarts with a fresh counter in a new epoch, at revision 0, and announces it. */
  void resetEpoch(String newEpoch) {
    synchronized (this) {
      epoch = Epoch.of(newEpoch);
      revision = Revision.ZERO;
      data = "reset-" + newEpoch;
    }
    announce.accept(currentEvent(null));
  }

  synchronized SnapshotEnvelope<String> snapshot() {
    return epoch == null ? SnapshotEnvelope.of(revision, data) : SnapshotEnvelope.of(revision, data, epoch);
  }

  synchronized InvalidationEvent currentEvent(String sourceId) {
    InvalidationEvent e = InvalidationEvent.of(topic, revision);
    if (epoch != null) {
      e = e.withEpoch(epoch);
    }
    return sourceId == null ? e : e.withSourceId(sourceId);
  }

  synchronized Revision revision() {
    return revision;
  }

  synchronized String data() {
    return data;
  }

  synchronized Epoch epoch() {
    return epoch;
  }
}
