package dev.statesync.persistence;

import dev.statesync.core.Topics;
import java.util.Arrays;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletionStage;

/**
 * Stores record bytes per key. Every backend stores exactly the bytes {@link RecordFormat#encode}
 * produced and returns them unchanged; no metadata is kept anywhere else.
 *
 * <p><b>Contract.</b> Methods return promptly and run blocking I/O on the backend's executor.
 * Writes are atomic per key: a reader sees the previous complete bytes or the new complete bytes.
 * With {@link WriteMode#MONOTONIC}, the {@link RecordFormat#decideWrite} decision and the
 * replacement are atomic with respect to every writer of that key sharing the storage, thread or
 * process. A key must satisfy {@link Topics#validate}; otherwise a method throws
 * {@link IllegalArgumentException}. After {@link #close()}, every operation throws
 * {@link IllegalStateException}. Implementations are thread-safe.
 */
public interface StorageBackend extends AutoCloseable {
  /** Reads the record bytes of {@code key}; empty if nothing is stored. */
  CompletionStage<Optional<byte[]>> read(String key);

  /** Writes {@code record} for {@code key} according to {@code mode}. */
  CompletionStage<WriteResult> write(String key, byte[] record, WriteMode mode);

  /** Deletes the record of {@code key}; the stage yields true if something existed. */
  CompletionStage<Boolean> delete(String key);

  /** Lists the keys that hold a readable record. */
  CompletionStage<Set<String>> keys();

  /**
   * Moves the record of {@code key} out of the way if its bytes still equal {@code observed}, so
   * a corrupt record stops failing every load. The default deletes it in that case; the stage
   * yields true if it took effect. The default is not atomic with concurrent writers; backends
   * override it where they can make it so.
   */
  default CompletionStage<Boolean> quarantine(String key, byte[] observed) {
    return read(key).thenCompose(current -> current.isPresent()
        && Arrays.equals(current.get(), observed)
        ? delete(key)
        : java.util.concurrent.CompletableFuture.completedFuture(false));
  }

  /** Returns a short name for diagnostics, such as {@code file} or {@code memory}. */
  String name();

  /** Releases resources; idempotent. In-flight operations still complete. */
  @Override
  void close();
}
