package dev.statesync.persistence;

import java.util.OptionalLong;

/**
 * A snapshot of an applier's counters. Immutable. Sizes are in bytes.
 *
 * @param saveCount writes that stored a record (WRITTEN or REPLACED_CORRUPT)
 * @param saveSkippedCount writes skipped because the store held a newer record
 * @param saveErrorCount failed writes
 * @param throttledCount snapshots superseded before reaching storage
 * @param bytesWritten record bytes stored
 * @param payloadBytesWritten uncompressed payload bytes stored
 * @param lastSaveAt wall-clock ms of the last stored write
 * @param lastSaveDurationMs duration of the last stored write
 * @param loadCount loads and hydrations
 * @param loadErrorCount loads that ended CORRUPT, UNSUPPORTED, MIGRATION_FAILED, INVALID or ERROR
 * @param expiredCount loads that found an expired record
 * @param migratedCount loads that migrated data
 * @param broadcastsSent snapshot and clear messages posted to peers
 * @param messagesReceived valid peer messages handled
 * @param messagesRejected invalid peer messages
 * @param peerApplied peer snapshots the engine applied
 * @param pendingSave whether a snapshot waits to be written
 * @param saving whether a write is in flight
 */
public record PersistenceStats(long saveCount, long saveSkippedCount, long saveErrorCount,
    long throttledCount, long bytesWritten, long payloadBytesWritten, OptionalLong lastSaveAt,
    OptionalLong lastSaveDurationMs, long loadCount, long loadErrorCount, long expiredCount,
    long migratedCount, long broadcastsSent, long messagesReceived, long messagesRejected,
    long peerApplied, boolean pendingSave, boolean saving) {}
