package dev.statesync.core;

import dev.statesync.core.json.ProtocolCodec;
import com.fasterxml.jackson.core.type.TypeReference;
import java.util.Objects;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * The role that reads the truth: the current snapshot of a topic from its source.
 *
 * <p>At most one {@code getSnapshot} call is outstanding per handle. A synchronous throw counts as
 * a failed stage; a null stage or a null envelope is a contract violation reported as
 * {@code NullPointerException("provider returned null")}.
 *
 * @param <T> the type of the snapshot data
 */
@FunctionalInterface
public interface SnapshotProvider<T> {
  /** Fetches the current snapshot. */
  CompletionStage<SnapshotEnvelope<T>> getSnapshot();

  /** Adapts a supplier run inline, in the engine's serial context. Use only for fast reads. */
  static <T> SnapshotProvider<T> of(Supplier<SnapshotEnvelope<T>> supplier) {
    Objects.requireNonNull(supplier, "supplier");
    return () -> CompletableFuture.completedFuture(supplier.get());
  }

  /** Adapts a blocking read run on {@link StateSync#defaultBlockingExecutor()}. */
  static <T> SnapshotProvider<T> blocking(Callable<SnapshotEnvelope<T>> read) {
    return blocking(read, StateSync.defaultBlockingExecutor());
  }

  /** Adapts a blocking read run on {@code executor}. */
  static <T> SnapshotProvider<T> blocking(Callable<SnapshotEnvelope<T>> read, Executor executor) {
    Objects.requireNonNull(read, "read");
    Objects.requireNonNull(executor, "executor");
    return () -> CompletableFuture.supplyAsync(() -> {
      try {
        return read.call();
      } catch (RuntimeException e) {
        throw e;
      } catch (Exception e) {
        throw new CompletionException(e);
      }
    }, executor);
  }

  /**
   * Adapts a source of raw snapshot JSON, decoded with a default {@link ProtocolCodec}. A decode
   * failure fails the stage with {@link ProtocolException}.
   */
  static <T> SnapshotProvider<T> json(Supplier<? extends CompletionStage<String>> json, Class<T> type) {
    return json(json, type, ProtocolCodec.create());
  }

  /** As {@link #json(Supplier, Class)}, decoded with {@code codec}. */
  static <T> SnapshotProvider<T> json(
      Supplier<? extends CompletionStage<String>> json, Class<T> type, ProtocolCodec codec) {
    Objects.requireNonNull(type, "type");
    Objects.requireNonNull(codec, "codec");
    return decoding(json, text -> codec.decodeSnapshot(text, type));
  }

  /** As {@link #json(Supplier, Class)}, for a generic data type. */
  static <T> SnapshotProvider<T> json(
      Supplier<? extends CompletionStage<String>> json, TypeReference<T> type) {
    return json(json, type, ProtocolCodec.create());
  }

  /** As {@link #json(Supplier, TypeReference)}, decoded with {@code codec}. */
  static <T> SnapshotProvider<T> json(
      Supplier<? extends CompletionStage<String>> json, TypeReference<T> type, ProtocolCodec codec) {
    Objects.requireNonNull(type, "type");
    Objects.requireNonNull(codec, "codec");
    return decoding(json, text -> codec.decodeSnapshot(text, type));
  }

  private static <T> SnapshotProvider<T> decoding(
      Supplier<? extends CompletionStage<String>> json,
      Function<String, SnapshotEnvelope<T>> decode) {
    Objects.requireNonNull(json, "json");
    return () -> {
      CompletionStage<String> stage = json.get();
      return stage == null ? null : stage.thenApply(decode);
    };
  }
}
