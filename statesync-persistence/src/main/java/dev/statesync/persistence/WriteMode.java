package dev.statesync.persistence;

/** How a {@link StorageBackend#write} treats an existing record. */
public enum WriteMode {
  /** Write only if {@link RecordFormat#decideWrite} allows it, atomically with the decision. */
  MONOTONIC,
  /** Write unconditionally; for tools and tests, never used by the persistence applier. */
  REPLACE
}
