package dev.statesync.persistence;

/** What {@link PersistenceApplier#closeAsync(CloseMode)} does with unsaved snapshots. */
public enum CloseMode {
  /** Write the pending snapshot first. */
  FLUSH,
  /** Drop the pending snapshot. */
  DISCARD
}
