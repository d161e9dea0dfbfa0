package dev.statesync.persistence;

import dev.statesync.core.RevisionSyncHandle;
import dev.statesync.core.SnapshotApplier;
import dev.statesync.core.Subscription;
import java.util.concurrent.CompletableFuture;

/**
 * A {@link SnapshotApplier} that wraps the application's applier and persists each applied
 * snapshot as a record in a {@link StorageBackend}, through one serialized, latest-wins,
 * revision-monotonic writer. Create one with {@link Persistence#createPersistenceApplier}.
 *
 * <p><b>Saving by origin.</b> PROVIDER and OFFER applies are saved (and, with cross-process sync,
 * broadcast after the save); PEER applies are saved but not broadcast; CACHE applies
 * (hydration) are neither saved nor broadcast. {@code apply} completes when the inner applier
 * completes; saves run in the background, throttled by the configured {@code saveThrottling}.
 *
 * <p><b>Threads.</b> Thread-safe. Events are delivered one at a time in emission order; blocking
 * encoding runs on the configured executor.
 *
 * <p><b>After close.</b> {@code apply} and {@code loadPersistedSnapshot} throw or fail with
 * {@link IllegalStateException}; {@code flush} completes at once.
 *
 * @param <T> the data type
 */
public interface PersistenceApplier<T> extends SnapshotApplier<T>, AutoCloseable {
  /** Returns this applier's random instance id, stored as {@code writerId}. */
  String instanceId();

  /**
   * Binds this applier to the handle that uses it; required for {@link #hydrate()}.
   *
   * @throws IllegalStateException if already attached, or closed
   */
  void attach(RevisionSyncHandle<T> handle);

  /**
   * Loads the stored record: read, verify, TTL, migrate, decode, validate. The future never
   * fails because of the data; the outcome says what was found. A corrupt record is quarantined
   * when so configured, migrated data is re-saved once (never broadcast).
   *
   * @throws IllegalStateException if closed
   */
  CompletableFuture<LoadResult<T>> loadPersistedSnapshot(LoadOptions options);

  /** Same as {@code loadPersistedSnapshot(LoadOptions.defaults())}. */
  default CompletableFuture<LoadResult<T>> loadPersistedSnapshot() {
    return loadPersistedSnapshot(LoadOptions.defaults());
  }

  /**
   * Loads the stored record and, on FOUND or MIGRATED, seeds the attached handle with
   * {@link RevisionSyncHandle#hydrate}: the engine applies it through this applier with origin
   * CACHE, so nothing is saved or broadcast, and the handle's revision and epoch are seeded.
   *
   * @throws IllegalStateException if not attached, or closed
   */
  CompletableFuture<LoadResult<T>> hydrate();

  /**
   * Writes the pending snapshot now. The future completes when the last snapshot queued at the
   * time of the call is written, or fails with that write's exception. An unsaved snapshot whose
   * write failed is re-queued once. Completes at once when nothing is pending or after close.
   */
  CompletableFuture<Void> flush();

  /**
   * Discards pending saves, waits for an in-flight write, deletes the stored record and emits
   * {@code onCleared(LOCAL)}. Application state and the engine are untouched. The future fails
   * (and a CLEAR error is raised) if the delete fails.
   *
   * @throws IllegalStateException if closed
   */
  CompletableFuture<Void> clear();

  /** Whether a snapshot waits to be written. */
  boolean hasPendingSave();

  /** Whether a write is in flight. */
  boolean isSaving();

  /** Returns the current counters. */
  PersistenceStats stats();

  /**
   * Registers a listener; the same listener registered twice is called twice, and each
   * subscription removes only its own registration.
   */
  Subscription addListener(PersistenceListener<T> listener);

  /**
   * Closes: FLUSH writes the pending snapshot first, DISCARD drops it; then waits for an
   * in-flight write, disposes the throttler, delivers queued events, drops the listeners and
   * closes the storage if the applier owns it. Idempotent.
   */
  CompletableFuture<Void> closeAsync(CloseMode mode);

  /**
   * {@code closeAsync(CloseMode.FLUSH)}, waited on for at most {@code closeTimeout}; on timeout
   * it logs a warning and returns.
   */
  @Override
  void close();
}
