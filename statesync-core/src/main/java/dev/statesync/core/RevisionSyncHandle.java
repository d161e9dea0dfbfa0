package dev.statesync.core;

import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Flow;

/**
 * A running sync of one topic: subscribes to invalidations, fetches snapshots and applies each one
 * only if it is newer than the state already applied.
 *
 * <p><b>Threading.</b> Every method may be called from any thread, including from role code and
 * listeners. State changes, gate decisions, role calls, {@code onError} and the logger run in the
 * handle's serial context on its executor; listeners and {@link #changes()} run in order on a
 * separate notification lane. Returned futures are private copies: completing or cancelling them
 * never affects the handle. Failed futures carry the original exception, unwrapped.
 *
 * <p><b>Stop barrier.</b> Once {@link #stop()} returns, no applier call begins. A call that began
 * earlier runs to completion, and if it succeeds its revision is recorded, so
 * {@link #localRevision()} matches what the applier received.
 *
 * @param <T> the type of the snapshot data
 */
public interface RevisionSyncHandle<T> extends AutoCloseable {
  /**
   * Subscribes and runs the initial refresh cycle.
   *
   * <p>From IDLE or FAILED the status becomes STARTING and one future is shared by every caller
   * until it completes: normally once the initial cycle has applied (or found nothing newer), or
   * exceptionally with the subscriber's or the cycle's exception. In RUNNING it returns a
   * completed future. On a STOPPED handle it returns a future failed with
   * {@link IllegalStateException} and reports a START error.
   */
  CompletableFuture<Void> start();

  /**
   * Stops for good: cancels timers and any in-flight fetch, unsubscribes, completes pending
   * futures with {@link ApplyOutcome#STOPPED} (a pending start fails with
   * {@link java.util.concurrent.CancellationException}) and completes {@link #changes()}.
   * Idempotent and non-blocking.
   */
  void stop();

  /**
   * Stops, then waits up to {@code closeTimeout} for a running apply, a running unsubscribe and
   * the notification lane to finish. Called from the handle's own role code or listener, it does
   * not wait. On timeout it logs {@code close timed out} and returns; on interrupt it restores the
   * interrupt flag and returns.
   */
  @Override
  void close();

  /**
   * Stops; the future completes once any running apply and unsubscribe have finished and the
   * notification lane has drained. It does not wait for a cancelled provider call.
   */
  CompletableFuture<Void> closeAsync();

  /**
   * Fetches now, bypassing throttling. The future completes with the outcome of the first refresh
   * cycle that begins after this call ({@link ApplyOutcome#APPLIED} or
   * {@link ApplyOutcome#NOT_NEWER}), fails with that cycle's final exception, or completes with
   * {@link ApplyOutcome#STOPPED}. Allowed in IDLE and FAILED, where it does not change the status.
   */
  CompletableFuture<ApplyOutcome> refresh();

  /**
   * Offers a snapshot the application already holds, such as its own write response, through the
   * same gate as fetched snapshots, with origin {@link ApplyOrigin#OFFER}. Never fetches; a
   * snapshot of another epoch gives {@link ApplyOutcome#REFRESH_REQUESTED} and a refresh.
   */
  CompletableFuture<ApplyOutcome> offer(SnapshotEnvelope<T> snapshot);

  /**
   * As {@link #offer(SnapshotEnvelope)}, with the given origin.
   *
   * @throws IllegalArgumentException if {@code origin} is {@link ApplyOrigin#CACHE}; use
   *     {@link #hydrate(SnapshotEnvelope)}
   */
  CompletableFuture<ApplyOutcome> offer(SnapshotEnvelope<T> snapshot, ApplyOrigin origin);

  /**
   * Seeds the handle from a persisted cache, with origin {@link ApplyOrigin#CACHE}: applied if the
   * handle has no state or the snapshot is newer in the same epoch; another epoch gives
   * {@link ApplyOutcome#NOT_NEWER} without a refresh. Call it before {@link #start()}: the initial
   * snapshot is then gated against the cache, so the same state is never applied twice.
   */
  CompletableFuture<ApplyOutcome> hydrate(SnapshotEnvelope<T> snapshot);

  /** Returns the last applied or seeded revision, or {@link Revision#ZERO}. Non-blocking. */
  Revision localRevision();

  /** Returns the epoch of the applied state, if it has one. Non-blocking. */
  Optional<Epoch> localEpoch();

  /** Returns the current status. */
  SyncStatus status();

  /** Returns an immutable snapshot of the counters and state. */
  SyncStats stats();

  /** Returns the topic. */
  String topic();

  /** Returns the source id this handle compares events against. */
  String sourceId();

  /**
   * Registers a listener. Registering the same listener twice creates two registrations; the
   * returned subscription removes exactly this one.
   */
  Subscription addListener(SyncListener listener);

  /**
   * Returns a publisher of changes. Each subscriber has a 256-item buffer; when it is full, items
   * are dropped for that subscriber only and counted in {@link SyncStats#droppedNotifications()}.
   * After STOPPED every subscriber receives {@code onComplete}.
   */
  Flow.Publisher<SyncChange> changes();
}
