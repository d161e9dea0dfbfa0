package dev.statesync.persistence;

/** The outcome of a storage write (the rows of {@link RecordFormat#decideWrite}). */
public enum WriteStatus {
  /** The record was written. */
  WRITTEN,
  /** A corrupt record was replaced. */
  REPLACED_CORRUPT,
  /** The existing record is of a format this version cannot read; it was left untouched. */
  REFUSED_UNSUPPORTED,
  /** The existing record is as new or newer; nothing was written. */
  SKIPPED_NOT_NEWER
}
