package dev.statesync.core;

import java.util.Optional;

/**
 * Observes a handle. Every method has a no-op default. Listeners are called in order on the
 * handle's notification lane (its executor, never the engine's serial context); a listener that
 * throws is logged at warn as {@code listener threw} and stays registered.
 */
public interface SyncListener {
  /** The status changed from {@code from} to {@code to}. */
  default void onStatusChanged(SyncStatus from, SyncStatus to) {}

  /** A snapshot was applied. */
  default void onSnapshotApplied(
      Revision revision, Optional<Epoch> epoch, ApplyOrigin origin, boolean epochReset) {}

  /** An error was reported. */
  default void onError(SyncErrorContext error) {}
}
