/**
 * The statesync engine: protocol types ({@link dev.statesync.core.Revision},
 * {@link dev.statesync.core.Epoch}, {@link dev.statesync.core.InvalidationEvent},
 * {@link dev.statesync.core.SnapshotEnvelope}), the three roles
 * ({@link dev.statesync.core.InvalidationSubscriber}, {@link dev.statesync.core.SnapshotProvider},
 * {@link dev.statesync.core.SnapshotApplier}) and the handle created by
 * {@link dev.statesync.core.StateSync#createRevisionSync(RevisionSyncOptions)}.
 *
 * <p>The one rule: an event is only a hint, the snapshot is the truth, and a snapshot is applied
 * only if it is newer (a greater revision within the same epoch, or any revision of a new epoch).
 */
package dev.statesync.core;
