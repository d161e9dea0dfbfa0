package dev.statesync.core;

/** Where a snapshot given to an applier came from. */
public enum ApplyOrigin {
  /** Fetched from the {@link SnapshotProvider}. */
  PROVIDER,
  /** Offered by the local write path ({@link RevisionSyncHandle#offer}). */
  OFFER,
  /** Received from another process on the host. */
  PEER,
  /** Loaded from a persisted cache ({@link RevisionSyncHandle#hydrate}). */
  CACHE
}
