package dev.statesync.core;

import java.util.Optional;
import java.util.OptionalLong;

/**
 * An immutable snapshot of a handle's counters and state, from {@link RevisionSyncHandle#stats()}.
 *
 * @param fetches {@code getSnapshot} attempts
 * @param fetchFailures attempts that failed before the gate (provider failure or timeout)
 * @param applies successful applier calls
 * @param applyFailures failed applier calls
 * @param coalesced demands merged into a cycle already in flight
 * @param droppedStale events and snapshots dropped as not newer
 * @param droppedSelf events dropped as own echoes ({@code ignoreOwnEvents})
 * @param droppedByFilter events dropped by {@code shouldRefresh}
 * @param eventsReceived events for this topic that reached the gate
 * @param protocolErrors PROTOCOL errors
 * @param errors errors of every phase
 * @param retries retried attempts plus cycles scheduled after a failure
 * @param rearms cycles started because the target was not reached
 * @param epochResets snapshots applied across an epoch change
 * @param droppedNotifications changes dropped for a slow {@code changes()} subscriber
 * @param lastEventAt wall time of the last event, in epoch ms
 * @param lastAppliedAt wall time of the last apply
 * @param lastErrorAt wall time of the last error
 * @param lastErrorPhase the phase of the last error
 * @param localRevision the applied revision (ZERO without state)
 * @param latestSeenRevision the greatest event revision seen in the local epoch
 * @param inFlight whether a refresh cycle is in flight
 * @param lag {@code latestSeen − localRevision} within the local epoch (0 without state)
 */
public record SyncStats(
    long fetches,
    long fetchFailures,
    long applies,
    long applyFailures,
    long coalesced,
    long droppedStale,
    long droppedSelf,
    long droppedByFilter,
    long eventsReceived,
    long protocolErrors,
    long errors,
    long retries,
    long rearms,
    long epochResets,
    long droppedNotifications,
    OptionalLong lastEventAt,
    OptionalLong lastAppliedAt,
    OptionalLong lastErrorAt,
    Optional<SyncPhase> lastErrorPhase,
    Revision localRevision,
    Revision latestSeenRevision,
    boolean inFlight,
    long lag) {}
