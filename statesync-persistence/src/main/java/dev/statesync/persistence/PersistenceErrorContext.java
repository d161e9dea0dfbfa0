package dev.statesync.persistence;

import dev.statesync.core.Epoch;
import dev.statesync.core.Revision;

/**
 * One persistence error, as passed to {@code onPersistenceError}. Fields that do not apply are
 * null.
 *
 * @param operation what failed
 * @param key the storage key
 * @param error the failure
 * @param revision the revision concerned, or null
 * @param epoch the epoch concerned, or null
 * @param header the stored header concerned, or null
 */
public record PersistenceErrorContext(PersistenceOperation operation, String key,
    Throwable error, Revision revision, Epoch epoch, RecordHeader header) {}
