package dev.statesync.persistence;

/**
 * Receives persistence events. Every method has a no-op default. Events are delivered in
 * emission order, one at a time per applier; a listener that throws is logged at warn and the
 * others still run.
 *
 * @param <T> the data type
 */
public interface PersistenceListener<T> {
  /** Before each write attempt. */
  default void onSaveStart(SaveInfo info) {}

  /** After each completed write, with its status, duration and record size. */
  default void onSaveComplete(SaveInfo info, WriteStatus status, long durationMs,
      long recordBytes) {}

  /** After each failed write. */
  default void onSaveError(SaveInfo info, Throwable error) {}

  /** Once per load or hydration. */
  default void onLoadComplete(LoadResult<T> result, long durationMs) {}

  /** When a load finds a record older than its TTL. */
  default void onExpired(RecordHeader header, long ageMs, long ttlMs) {}

  /** After a successful migration of loaded or received data. */
  default void onMigrated(int from, int to, RecordHeader header) {}

  /** After a clear. */
  default void onCleared(ClearOrigin origin) {}
}
