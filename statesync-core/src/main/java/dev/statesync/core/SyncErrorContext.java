package dev.statesync.core;

import java.util.Objects;

/**
 * One reported failure of a handle, as given to {@code onError}, listeners and the logger.
 *
 * <p>Fields that do not apply to the phase are null. {@code eventRevision} and
 * {@code snapshotRevision} hold the raw text when it was not a valid revision.
 *
 * @param phase where the failure happened
 * @param topic the handle's topic
 * @param error the failure, never null
 * @param sourceEvent the raw event (JSON text or the event's {@code toString}) for INVALIDATION
 *     and PROTOCOL
 * @param localRevision the applied revision when the failure was reported, never null
 * @param localEpoch the applied epoch, or null
 * @param eventRevision the event's revision (or, for a REFRESH target failure, the target)
 * @param snapshotRevision the snapshot's revision, for APPLY and PROTOCOL
 * @param snapshotEpoch the snapshot's epoch, for APPLY
 * @param sourceId the event's source id, for INVALIDATION
 * @param attempt the 1-based attempt within its cycle, for GET_SNAPSHOT and APPLY
 * @param willRetry whether another attempt or cycle is scheduled
 * @param nextDelayMs the delay before it, present exactly when {@code willRetry} is true
 */
public record SyncErrorContext(
    SyncPhase phase,
    String topic,
    Throwable error,
    String sourceEvent,
    Revision localRevision,
    Epoch localEpoch,
    String eventRevision,
    String snapshotRevision,
    Epoch snapshotEpoch,
    String sourceId,
    Integer attempt,
    Boolean willRetry,
    Long nextDelayMs) {

  /** Checks the fields that are never null. */
  public SyncErrorContext {
    Objects.requireNonNull(phase, "phase");
    Objects.requireNonNull(topic, "topic");
    Objects.requireNonNull(error, "error");
    Objects.requireNonNull(localRevision, "localRevision");
  }
}
