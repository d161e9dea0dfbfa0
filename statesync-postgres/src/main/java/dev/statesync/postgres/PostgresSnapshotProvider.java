package dev.statesync.postgres;

import com.fasterxml.jackson.core.type.TypeReference;
import dev.statesync.core.Revision;
import dev.statesync.core.SnapshotEnvelope;
import dev.statesync.core.SnapshotProvider;
import dev.statesync.core.StateSync;
import dev.statesync.core.Topics;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.function.Supplier;

/**
 * Reads one topic's row from a {@link PostgresStateStore} for a statesync handle.
 *
 * <p>The blocking JDBC read runs on an executor, {@link StateSync#defaultBlockingExecutor()}
 * unless one is given; the stage completes on that executor's thread. A topic without a row
 * reads as revision 0 with null data and no epoch, which the engine's gate treats as "nothing
 * newer". A database failure fails the stage with the store's {@link
 * dev.statesync.core.StateSyncException}, which the engine retries according to its policy.
 *
 * @param <T> the type of the topic's data
 */
public final class PostgresSnapshotProvider<T> implements SnapshotProvider<T> {
  private final Supplier<SnapshotEnvelope<T>> read;
  private final Executor executor;

  private PostgresSnapshotProvider(Supplier<SnapshotEnvelope<T>> read, Executor executor) {
    this.read = read;
    this.executor = Objects.requireNonNull(executor, "executor");
  }

  /**
   * Returns a provider of {@code topic} decoded as {@code type}, read on the default blocking
   * executor.
   *
   * @throws IllegalArgumentException if {@code topic} is not a valid topic
   */
  public static <T> PostgresSnapshotProvider<T> of(
      PostgresStateStore store, String topic, Class<T> type) {
    return of(store, topic, type, StateSync.defaultBlockingExecutor());
  }

  /** As {@link #of(PostgresStateStore, String, Class)}, read on {@code executor}. */
  public static <T> PostgresSnapshotProvider<T> of(
      PostgresStateStore store, String topic, Class<T> type, Executor executor) {
    Objects.requireNonNull(store, "store");
    Objects.requireNonNull(type, "type");
    Topics.validate(topic);
    return new PostgresSnapshotProvider<>(
        () -> store.read(topic, type).orElseGet(PostgresSnapshotProvider::absent), executor);
  }

  /** As {@link #of(PostgresStateStore, String, Class)}, for a generic data type. */
  public static <T> PostgresSnapshotProvider<T> of(
      PostgresStateStore store, String topic, TypeReference<T> type) {
    return of(store, topic, type, StateSync.defaultBlockingExecutor());
  }

  /** As {@link #of(PostgresStateStore, String, TypeReference)}, read on {@code executor}. */
  public static <T> PostgresSnapshotProvider<T> of(
      PostgresStateStore store, String topic, TypeReference<T> type, Executor executor) {
    Objects.requireNonNull(store, "store");
    Objects.requireNonNull(type, "type");
    Topics.validate(topic);
    return new PostgresSnapshotProvider<>(
        () -> store.read(topic, type).orElseGet(PostgresSnapshotProvider::absent), executor);
  }

  /** Reads the row on the executor; see the class comment for the outcomes. */
  @Override
  public CompletionStage<SnapshotEnvelope<T>> getSnapshot() {
    return CompletableFuture.supplyAsync(() -> {
      try {
        return read.get();
      } catch (RuntimeException e) {
        throw new CompletionException(e);
      }
    }, executor);
  }

  private static <T> SnapshotEnvelope<T> absent() {
    return SnapshotEnvelope.of(Revision.ZERO, null);
  }
}
