package dev.statesync.bench.chaos;

import dev.statesync.bench.chaos.ChaosWorker.Value;
import dev.statesync.channel.HostCoordinationOptions;
import dev.statesync.core.RevisionSyncHandle;
import dev.statesync.core.RevisionSyncOptions;
import dev.statesync.core.SnapshotEnvelope;
import dev.statesync.core.StateSync;
import dev.statesync.postgres.PostgresHostCoordination;
import dev.statesync.postgres.PostgresInvalidationSubscriber;
import dev.statesync.postgres.PostgresSnapshotProvider;
import dev.statesync.postgres.PostgresStateStore;
import dev.statesync.postgres.RevisionConflictException;
import java.time.Duration;

/**
 * A worker's client of the run's PostgreSQL table ({@link PostgresTruth}): a
 * {@link PostgresStateStore} for reads and compare-and-set writes, and a
 * {@link PostgresInvalidationSubscriber} whose {@code LISTEN} connection opens in every worker,
 * or only in the host leader when host-coordinated ({@link PostgresHostCoordination}). The
 * connections are named for the controller's count (see {@link PostgresTruth}).
 */
final class PostgresWorkerSource implements WorkerSource {
  private final String self;
  private final PostgresStateStore store;
  private final PostgresInvalidationSubscriber listener;

  PostgresWorkerSource(String url, String tag, String table, String self) {
    long pid = ProcessHandle.current().pid();
    this.self = self;
    this.store = PostgresStateStore.builder().jdbcUrl(PostgresTruth.withApplicationName(url,
        "chaos-" + tag + "-store-" + pid)).tableName(table).channel(table).sourceId(self).build();
    this.listener = PostgresInvalidationSubscriber.builder().jdbcUrl(
        PostgresTruth.withApplicationName(url, "chaos-" + tag + "-listen-" + pid)).channel(table)
        .pollInterval(Duration.ofMillis(100)).backoff(Duration.ofMillis(20), Duration.ofSeconds(1))
        .build();
  }

  @Override
  public SourceKind kind() {
    return SourceKind.POSTGRES;
  }

  @Override
  public RevisionSyncHandle<Value> createHandle(RevisionSyncOptions.Builder<Value> engine,
      String topic, HostCoordinationOptions host) {
    if (host == null) {
      return StateSync.createRevisionSync(engine.subscriber(listener)
          .provider(PostgresSnapshotProvider.of(store, topic, Value.class)).build());
    }
    return PostgresHostCoordination.createRevisionSync(engine, Value.class, listener, store, host);
  }

  @Override
  public SnapshotEnvelope<Value> write(String topic) {
    try {
      // The value of a row always equals its revision, so the next value is the next revision.
      return store.update(topic, Value.class, v -> new Value(v.value() + 1, self, v.pad()));
    } catch (RevisionConflictException e) {
      return null;
    }
  }
}
