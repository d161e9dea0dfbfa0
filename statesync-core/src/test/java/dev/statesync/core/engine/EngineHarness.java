package dev.statesync.core.engine;

import dev.statesync.core.ApplyContext;
import dev.statesync.core.Epoch;
import dev.statesync.core.InvalidationEvent;
import dev.statesync.core.RetryPolicy;
import dev.statesync.core.Revision;
import dev.statesync.core.RevisionSyncHandle;
import dev.statesync.core.RevisionSyncOptions;
import dev.statesync.core.SnapshotApplier;
import dev.statesync.core.SnapshotEnvelope;
import dev.statesync.core.StateSync;
import dev.statesync.core.SyncErrorContext;
import dev.statesync.core.SyncPhase;
import dev.statesync.core.testing.VirtualTime;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * The acceptance harness of spec section 12: virtual time, a synchronous executor, no retry, a
 * scripted provider, a test subscriber, a recording logger, a recording onError and a recording
 * applier whose behaviour a test may replace.
 */
final class EngineHarness {
  static final String TOPIC = "settings";

  record Applied(SnapshotEnvelope<String> snapshot, ApplyContext context) {}

  final VirtualTime time = new VirtualTime();
  final ScriptedProvider<String> provider = new ScriptedProvider<>();
  final TestSubscriber subscriber = new TestSubscriber();
  final RecordingLogger logger = new RecordingLogger();
  final List<SyncErrorContext> errors = new ArrayList<>();
  final List<Applied> applied = new ArrayList<>();
  /** What the applier does after recording a call; by default it completes at once. */
  Function<SnapshotEnvelope<String>, CompletionStage<Void>> applyBehaviour =
      env -> CompletableFuture.completedFuture(null);
  final RevisionSyncHandle<String> handle;

  private EngineHarness(Consumer<RevisionSyncOptions.Builder<String>> customize) {
    SnapshotApplier<String> applier = (env, ctx) -> {
      synchronized (applied) {
        applied.add(new Applied(env, ctx));
      }
      return applyBehaviour.apply(env);
    };
    RevisionSyncOptions.Builder<String> b = RevisionSyncOptions.<String>builder()
        .topic(TOPIC)
        .subscriber(subscriber)
        .provider(provider)
        .applier(applier)
        .logger(logger)
        .onError(e -> {
          synchronized (errors) {
            errors.add(e);
          }
        })
        .retry(noRetry())
        .executor(Runnable::run)
        .timeSource(time)
        .scheduler(time)
        .random(new SplittableRandom(7));
    customize.accept(b);
    handle = StateSync.createRevisionSync(b.build());
  }

  static EngineHarness create() {
    return new EngineHarness(b -> { });
  }

  static EngineHarness create(Consumer<RevisionSyncOptions.Builder<String>> customize) {
    return new EngineHarness(customize);
  }

  static RetryPolicy noRetry() {
    return RetryPolicy.builder().maxAttempts(1).jitter(0).build();
  }

  static Revision rev(long r) {
    return Revision.of(r);
  }

  static SnapshotEnvelope<String> env(long r) {
    return SnapshotEnvelope.of(Revision.of(r), "d" + r);
  }

  static SnapshotEnvelope<String> env(long r, String epoch) {
    return SnapshotEnvelope.of(Revision.of(r), "d" + r, Epoch.of(epoch));
  }

  static InvalidationEvent event(long r) {
    return InvalidationEvent.of(TOPIC, Revision.of(r));
  }

  static InvalidationEvent event(long r, String epoch) {
    return InvalidationEvent.of(TOPIC, Revision.of(r)).withEpoch(Epoch.of(epoch));
  }

  /** Starts the handle and answers the initial fetch with {@code initial}. */
  CompletableFuture<Void> startWith(SnapshotEnvelope<String> initial) {
    CompletableFuture<Void> f = handle.start();
    provider.complete(initial);
    return f;
  }

  void send(InvalidationEvent e) {
    subscriber.sink().accept(e);
  }

  List<Long> appliedRevisions() {
    synchronized (applied) {
      return applied.stream().map(a -> a.snapshot().revision().unsignedBits()).toList();
    }
  }

  List<SyncErrorContext> errors(SyncPhase phase) {
    synchronized (errors) {
      return errors.stream().filter(e -> e.phase() == phase).toList();
    }
  }

  List<SyncErrorContext> errors() {
    synchronized (errors) {
      return List.copyOf(errors);
    }
  }

  /** The exception a completed future failed with, unwrapped; fails the test otherwise. */
  static Throwable failureOf(CompletableFuture<?> f) {
    if (!f.isCompletedExceptionally()) {
      throw new AssertionError("expected a failed future, was " + f);
    }
    try {
      f.join();
      throw new AssertionError("unreachable");
    } catch (java.util.concurrent.CompletionException e) {
      return e.getCause();
    } catch (java.util.concurrent.CancellationException e) {
      return e;
    }
  }

  /** The reasons of every `refresh started` entry, in order. */
  List<Object> refreshReasons() {
    return logger.withMessage("refresh started").stream().map(e -> e.extra().get("reason")).toList();
  }
}
