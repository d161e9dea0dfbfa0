package dev.statesync.persistence.peer;

import dev.statesync.core.ApplyOrigin;
import dev.statesync.core.Epoch;
import dev.statesync.core.InvalidationSubscriber;
import dev.statesync.core.Revision;
import dev.statesync.core.RevisionSyncHandle;
import dev.statesync.core.RevisionSyncOptions;
import dev.statesync.core.SnapshotEnvelope;
import dev.statesync.core.SnapshotProvider;
import dev.statesync.core.StateSync;
import dev.statesync.persistence.JsonCodec;
import dev.statesync.persistence.LoadOptions;
import dev.statesync.persistence.Persistence;
import dev.statesync.persistence.PersistenceApplier;
import dev.statesync.persistence.PersistenceErrorContext;
import dev.statesync.persistence.PersistenceOptions;
import dev.statesync.persistence.memory.MemoryStorageBackend;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;

/** One applier with its own memory storage and engine handle, synced over a channel. */
final class Peer implements AutoCloseable {
  /** The data type shared by the peers. */
  public record Settings(String theme, String text) {}

  static final String KEY = "settings";

  final MemoryStorageBackend storage = MemoryStorageBackend.builder().build();
  final List<SnapshotEnvelope<Settings>> applied = new CopyOnWriteArrayList<>();
  final List<ApplyOrigin> origins = new CopyOnWriteArrayList<>();
  final List<PersistenceErrorContext> errors = new CopyOnWriteArrayList<>();
  final AtomicReference<SnapshotEnvelope<Settings>> upstream =
      new AtomicReference<>(env(1, "initial"));
  final PersistenceApplier<Settings> applier;
  final RevisionSyncHandle<Settings> handle;

  Peer(CrossProcessOptions sync) {
    applier = Persistence.createPersistenceApplier(PersistenceOptions.<Settings>builder()
        .storage(storage).key(KEY)
        .applier((s, ctx) -> {
          applied.add(s);
          origins.add(ctx.origin());
          return CompletableFuture.completedFuture(null);
        })
        .codec(JsonCodec.of(Settings.class)).executor(Runnable::run)
        .onPersistenceError(errors::add).crossProcessSync(sync).build());
    handle = StateSync.createRevisionSync(RevisionSyncOptions.<Settings>builder().topic(KEY)
        .subscriber(InvalidationSubscriber.none())
        .provider(SnapshotProvider.of(upstream::get)).applier(applier)
        .executor(Runnable::run).build());
    applier.attach(handle);
  }

  static SnapshotEnvelope<Settings> env(long r, String theme) {
    return SnapshotEnvelope.of(Revision.of(r), new Settings(theme, "t"), Epoch.of("e1"));
  }

  /** Applies {@code r} as if the provider returned it. */
  void providerApplies(long r, String theme) {
    upstream.set(env(r, theme));
    handle.refresh().join();
  }

  Revision storedRevision() {
    return applier.loadPersistedSnapshot(LoadOptions.defaults()).join().envelope()
        .map(SnapshotEnvelope::revision).orElse(Revision.ZERO);
  }

  List<Long> appliedRevisions() {
    return applied.stream().map(e -> e.revision().unsignedBits()).toList();
  }

  /** Waits, bounded, until {@code condition} holds. */
  static void await(BooleanSupplier condition, String what) {
    long deadline = System.nanoTime() + Duration.ofSeconds(15).toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("timed out waiting for " + what);
      }
      LockSupport.parkNanos(Duration.ofMillis(2).toNanos());
    }
  }

  @Override
  public void close() {
    handle.close();
    applier.close();
  }
}
