package dev.statesync.core.apply;

import dev.statesync.core.ApplyContext;
import dev.statesync.core.SnapshotApplier;
import dev.statesync.core.SnapshotEnvelope;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;

/**
 * An applier that runs another applier on a given {@link Executor}, typically a UI thread, and
 * completes only after that applier has finished there.
 *
 * <pre>{@code
 * // Swing: the applier runs on the event dispatch thread.
 * SnapshotApplier<Settings> swing = DispatchedApplier.on(SwingUtilities::invokeLater, applier);
 * // JavaFX (no dependency needed here): the applier runs on the FX application thread.
 * SnapshotApplier<Settings> fx = DispatchedApplier.on(Platform::runLater, applier);
 * }</pre>
 *
 * <p><b>Ordering and stop.</b> The stage returned by {@link #apply} completes when the delegate's
 * stage does, which is after the delegate ran on the executor. The engine starts the next apply
 * only after that, so applies reach the UI thread one at a time and in the engine's order, and
 * the engine's stop barrier (no apply begins once {@code stop()} returned; a running one finishes
 * and is recorded) holds for the UI thread too.
 *
 * <p><b>Failures.</b> The stage fails with the original exception when the executor rejects the
 * task (or throws, as {@code Platform.runLater} does after the toolkit exited), when the delegate
 * throws or returns null ({@link NullPointerException}), or when the delegate's stage fails. The
 * engine reports each as an APPLY error. An executor that accepts the task but never runs it
 * leaves the stage pending, which stalls the handle's applies until it is closed.
 *
 * <p><b>Threads.</b> The delegate, and completion of the returned stage, run on the executor's
 * thread (or wherever the delegate's own stage completes); the engine moves its own follow-up
 * work back to its serial context, so no engine code runs on the UI thread.
 *
 * @param <T> the type of the snapshot data
 */
public final class DispatchedApplier<T> implements SnapshotApplier<T> {
  private final Executor executor;
  private final SnapshotApplier<T> delegate;

  private DispatchedApplier(Executor executor, SnapshotApplier<T> delegate) {
    this.executor = executor;
    this.delegate = delegate;
  }

  /**
   * Returns an applier that runs {@code delegate} on {@code executor}.
   *
   * @throws NullPointerException if {@code executor} or {@code delegate} is null
   */
  public static <T> DispatchedApplier<T> on(Executor executor, SnapshotApplier<T> delegate) {
    Objects.requireNonNull(executor, "executor");
    Objects.requireNonNull(delegate, "delegate");
    return new DispatchedApplier<>(executor, delegate);
  }

  /**
   * Submits the delegate's apply to the executor and returns a stage that completes with the
   * delegate's stage. Never throws: every failure, including a rejected submission, fails the
   * returned stage.
   */
  @Override
  public CompletionStage<Void> apply(SnapshotEnvelope<T> snapshot, ApplyContext context) {
    CompletableFuture<Void> done = new CompletableFuture<>();
    try {
      executor.execute(() -> runDelegate(snapshot, context, done));
    } catch (Throwable t) {
      done.completeExceptionally(t);
    }
    return done;
  }

  private void runDelegate(
      SnapshotEnvelope<T> snapshot, ApplyContext context, CompletableFuture<Void> done) {
    try {
      CompletionStage<Void> stage = delegate.apply(snapshot, context);
      if (stage == null) {
        throw new NullPointerException("applier returned null");
      }
      stage.whenComplete((ignored, err) -> {
        if (err != null) {
          done.completeExceptionally(err);
        } else {
          done.complete(null);
        }
      });
    } catch (Throwable t) {
      // Caught here rather than left to the executor, which would only log it (or drop it).
      done.completeExceptionally(t);
    }
  }

  @Override
  public String toString() {
    return "DispatchedApplier{executor=" + executor + ", delegate=" + delegate + '}';
  }
}
