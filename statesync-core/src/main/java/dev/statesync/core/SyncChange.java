package dev.statesync.core;

import java.util.Optional;

/** One item of {@link RevisionSyncHandle#changes()}. */
public sealed interface SyncChange
    permits SyncChange.StatusChanged, SyncChange.SnapshotApplied, SyncChange.ErrorReported {

  /** The status changed. */
  record StatusChanged(SyncStatus from, SyncStatus to) implements SyncChange {}

  /** A snapshot was applied. */
  record SnapshotApplied(
      Revision revision, Optional<Epoch> epoch, ApplyOrigin origin, boolean epochReset)
      implements SyncChange {}

  /** An error was reported. */
  record ErrorReported(SyncErrorContext error) implements SyncChange {}
}
