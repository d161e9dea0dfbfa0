package dev.statesync.core;

import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * The role that makes a snapshot visible to the application.
 *
 * <p>The engine never enters the applier of one handle concurrently: each call begins after the
 * previous call's stage has completed, with happens-before. Between epoch resets the revisions
 * passed strictly increase. A synchronous throw counts as a failed stage.
 *
 * @param <T> the type of the snapshot data
 */
@FunctionalInterface
public interface SnapshotApplier<T> {
  /** Applies {@code snapshot}; the stage completes once the application shows it. */
  CompletionStage<Void> apply(SnapshotEnvelope<T> snapshot, ApplyContext context);

  /** Adapts a consumer that applies the whole envelope inline, in the engine's serial context. */
  static <T> SnapshotApplier<T> of(Consumer<SnapshotEnvelope<T>> apply) {
    Objects.requireNonNull(apply, "apply");
    return (snapshot, context) -> {
      apply.accept(snapshot);
      return CompletableFuture.completedFuture(null);
    };
  }

  /** Adapts a consumer of the data only, run inline. */
  static <T> SnapshotApplier<T> ofData(Consumer<T> apply) {
    Objects.requireNonNull(apply, "apply");
    return (snapshot, context) -> {
      apply.accept(snapshot.data());
      return CompletableFuture.completedFuture(null);
    };
  }

  /** Adapts a blocking consumer, run on {@code executor}; the stage completes when it returns. */
  static <T> SnapshotApplier<T> blocking(Consumer<SnapshotEnvelope<T>> apply, Executor executor) {
    Objects.requireNonNull(apply, "apply");
    Objects.requireNonNull(executor, "executor");
    return (snapshot, context) -> CompletableFuture.runAsync(() -> apply.accept(snapshot), executor);
  }

  /** Adapts an asynchronous function; the apply completes when its stage does. */
  static <T> SnapshotApplier<T> async(
      Function<SnapshotEnvelope<T>, ? extends CompletionStage<?>> apply) {
    Objects.requireNonNull(apply, "apply");
    return (snapshot, context) -> {
      CompletionStage<?> stage = apply.apply(snapshot);
      return stage == null ? null : stage.thenApply(ignored -> (Void) null);
    };
  }
}
