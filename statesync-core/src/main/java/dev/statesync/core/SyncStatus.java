package dev.statesync.core;

/**
 * The lifecycle of a handle: {@code IDLE → STARTING → RUNNING}, {@code STARTING → FAILED},
 * {@code FAILED → STARTING}, and from any state to {@code STOPPED}, which is terminal. Errors at
 * run time do not change the status; {@link SyncStats} records them.
 */
public enum SyncStatus {
  /** Created, not started. {@code refresh} and {@code offer} work without a subscription. */
  IDLE,
  /** Subscribing, or running the initial refresh cycle. */
  STARTING,
  /** Subscribed, and the initial cycle succeeded. */
  RUNNING,
  /** The last start attempt failed; {@code start()} may be called again. */
  FAILED,
  /** Stopped for good. */
  STOPPED
}
