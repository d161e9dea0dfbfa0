package dev.statesync.bench.chaos;

import dev.statesync.bench.chaos.ChaosWorker.Value;
import dev.statesync.channel.HostCoordinationOptions;
import dev.statesync.core.RevisionSyncHandle;
import dev.statesync.core.RevisionSyncOptions;
import dev.statesync.core.SnapshotEnvelope;

/**
 * A worker's client of one source of truth: it creates the revision sync handle of a topic,
 * subscribing itself (direct) or through the host coordinator (host), and writes to the source.
 * It lives as long as its process, which ends by {@code kill -9} or when the controller's end of
 * its stdin closes: nothing is closed by hand.
 */
interface WorkerSource {
  /** The kind of source. */
  SourceKind kind();

  /**
   * Creates the handle of {@code topic}; {@code engine} holds every engine option except
   * subscriber and provider. With {@code host} non-null, the handle is host-coordinated on the
   * channel named in it.
   */
  RevisionSyncHandle<Value> createHandle(RevisionSyncOptions.Builder<Value> engine, String topic,
      HostCoordinationOptions host);

  /**
   * Raises {@code topic} by one revision, writing the value of the new revision.
   *
   * @return the written snapshot (the write response), or null if the source refused the write
   * @throws Exception if the source cannot be reached
   */
  SnapshotEnvelope<Value> write(String topic) throws Exception;
}
