package dev.statesync.persistence;

/** Who cleared a stored record. */
public enum ClearOrigin {
  /** This applier's {@code clear()}. */
  LOCAL,
  /** A {@code clear} message from a peer process. */
  REMOTE
}
