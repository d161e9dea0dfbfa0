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
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import java.util.function.UnaryOperator;

/** One applier with its own memory storage and engine handle, synced over a channel. */
final class Peer implements AutoCloseable {
  /** The data type shared by the peers. */
  public record Settings(String theme, String text) {}

  static final String KEY = "settings";

  final dev.statesync.persistence.StorageBackend storage;
  final List<SnapshotEnvelope<Settings>> applied = new CopyOnWriteArrayList<>();
  final List<ApplyOrigin> origins = new CopyOnWriteArrayList<>();
  final List<PersistenceErrorContext> errors = new CopyOnWriteArrayList<>();
  final AtomicReference<SnapshotEnvelope<Settings>> upstream =
      new AtomicReference<>(env(1, "initial"));
  final AtomicInteger fetches = new AtomicInteger();
  final PersistenceApplier<Settings> applier;
  final RevisionSyncHandle<Settings> handle;

  Peer(CrossProcessOptions sync) {
    this(sync, MemoryStorageBackend.builder().build(), b -> b);
  }

  /**
   * A peer on {@code storage}; {@code customize} may change the persistence options. The handle
   * is attached (so a {@code request-sync} is posted if the options ask for it) and not started.
   */
  Peer(CrossProcessOptions sync, dev.statesync.persistence.StorageBackend storage,
      UnaryOperator<PersistenceOptions.Builder<Settings>> customize) {
    this(sync, storage, customize, true);
  }

  Peer(CrossProcessOptions sync, dev.statesync.persistence.StorageBackend storage,
      UnaryOperator<PersistenceOptions.Builder<Settings>> customize, boolean attach) {
    this.storage = storage;
    applier = Persistence.createPersistenceApplier(customize.apply(PersistenceOptions.<Settings>builder()
        .storage(storage).key(KEY)
        .applier((s, ctx) -> {
          origins.add(ctx.origin()); // before applied: tests wait on applied, then read origins
          applied.add(s);
          return CompletableFuture.completedFuture(null);
        })
        .codec(JsonCodec.of(Settings.class)).executor(Runnable::run)
        .onPersistenceError(errors::add).crossProcessSync(sync)).build());
    handle = StateSync.createRevisionSync(RevisionSyncOptions.<Settings>builder().topic(KEY)
        .subscriber(InvalidationSubscriber.none())
        .provider(SnapshotProvider.of(() -> {
          fetches.incrementAndGet();
          return upstream.get();
        })).applier(applier)
        .executor(Runnable::run).build());
    if (attach) {
      applier.attach(handle);
    }
  }

  static SnapshotEnvelope<Settings> env(long r, String theme) {
    return env("e1", r, theme);
  }

  static SnapshotEnvelope<Settings> env(String epoch, long r, String theme) {
    return SnapshotEnvelope.of(Revision.of(r), new Settings(theme, "t"), Epoch.of(epoch));
  }

  /** Applies {@code r} as if the provider returned it. */
  void providerApplies(long r, String theme) {
    providerApplies(env(r, theme));
  }

  /** Makes {@code envelope} the provider's answer and refreshes. */
  dev.statesync.core.ApplyOutcome providerApplies(SnapshotEnvelope<Settings> envelope) {
    upstream.set(envelope);
    return handle.refresh().join();
  }

  Revision storedRevision() {
    return applier.loadPersistedSnapshot(LoadOptions.defaults()).join().envelope()
        .map(SnapshotEnvelope::revision).orElse(Revision.ZERO);
  }

  List<Long> appliedRevisions() {
    return applied.stream().map(e -> e.revision().unsignedBits()).toList();
  }

  /**
   * Waits until {@code condition} holds, bounded generously (60 s) because a loaded 2-core CI
   * machine may stall a JVM for seconds; a passing run returns as soon as the condition holds.
   */
  static void await(BooleanSupplier condition, String what) {
    long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
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
