package dev.statesync.core;

/** The outcome of a refresh, an offer or a hydration. */
public enum ApplyOutcome {
  /** The snapshot was newer and the applier applied it. */
  APPLIED,
  /** The snapshot was not newer than the applied state; the applier was not called. */
  NOT_NEWER,
  /** An offered snapshot carried another epoch; a refresh was requested instead of applying it. */
  REFRESH_REQUESTED,
  /** The handle was stopped first. */
  STOPPED
}
