package dev.statesync.persistence;

/** The operation a {@link PersistenceErrorContext} reports. */
public enum PersistenceOperation {
  /** Writing a snapshot. */
  SAVE,
  /** Loading or hydrating. */
  LOAD,
  /** Migrating loaded or received data. */
  MIGRATE,
  /** Deleting the record. */
  CLEAR,
  /** Posting to peer processes. */
  BROADCAST,
  /** Handling a message from a peer process. */
  RECEIVE
}
