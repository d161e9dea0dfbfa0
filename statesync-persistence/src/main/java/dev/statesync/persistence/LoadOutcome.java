package dev.statesync.persistence;

/** The outcome of a load. Only FOUND and MIGRATED carry an envelope. */
public enum LoadOutcome {
  /** A valid record at the current schema version. */
  FOUND,
  /** A valid record migrated to the current schema version (and re-saved). */
  MIGRATED,
  /** Nothing is stored. */
  NOT_FOUND,
  /** The record is older than its TTL; not an error. */
  EXPIRED,
  /** The record failed verification; it is never applied. */
  CORRUPT,
  /** The record has a format this version cannot read; it is left untouched. */
  UNSUPPORTED,
  /** The schema version is newer than current, or a migration failed. */
  MIGRATION_FAILED,
  /** The data does not decode or the validator rejected it. */
  INVALID,
  /** The storage read failed. */
  ERROR
}
