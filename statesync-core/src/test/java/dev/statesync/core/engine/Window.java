package dev.statesync.core.engine;

import dev.statesync.core.RevisionSyncHandle;
import dev.statesync.core.RevisionSyncOptions;
import dev.statesync.core.SnapshotEnvelope;
import dev.statesync.core.SnapshotProvider;
import dev.statesync.core.StateSync;
import dev.statesync.core.SyncErrorContext;
import dev.statesync.core.testing.VirtualTime;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.LongSupplier;

/**
 * One application window: a handle subscribed to the bus, reading the store through a provider
 * whose answer is read at call time and delivered after a configurable virtual delay.
 */
final class Window {
  final String name;
  final RevisionSyncHandle<String> handle;
  final List<SnapshotEnvelope<String>> applied = new ArrayList<>();
  final List<SyncErrorContext> errors = new ArrayList<>();
  private final InMemoryStore store;
  private final VirtualTime time;
  LongSupplier providerDelayMs = () -> 0;
  /** Runs after each apply is recorded, inside the applier; lets a window write (a cascade). */
  Consumer<SnapshotEnvelope<String>> onApplied = env -> { };
  private CompletableFuture<SnapshotEnvelope<String>> hung;
  private boolean hangNext;
  private int snapshotCalls;
  private String data;

  Window(String name, InMemoryStore store, SimulatedBus bus, VirtualTime time,
      Consumer<RevisionSyncOptions.Builder<String>> customize) {
    this.name = name;
    this.store = store;
    this.time = time;
    SnapshotProvider<String> provider = this::getSnapshot;
    RevisionSyncOptions.Builder<String> b = RevisionSyncOptions.<String>builder()
        .topic("settings")
        .subscriber(bus.subscriber())
        .provider(provider)
        .applier((env, ctx) -> {
          applied.add(env);
          data = env.data();
          onApplied.accept(env);
          return CompletableFuture.completedFuture(null);
        })
        .onError(errors::add)
        .sourceId(name)
        .retry(EngineHarness.noRetry())
        .executor(Runnable::run)
        .timeSource(time)
        .scheduler(time)
        .random(new SplittableRandom(name.hashCode()));
    customize.accept(b);
    this.handle = StateSync.createRevisionSync(b.build());
  }

  private CompletionStage<SnapshotEnvelope<String>> getSnapshot() {
    snapshotCalls++;
    SnapshotEnvelope<String> read = store.snapshot(); // a read at call time may go stale
    CompletableFuture<SnapshotEnvelope<String>> f = new CompletableFuture<>();
    if (hangNext) {
      hangNext = false;
      hung = f;
      return f;
    }
    long delay = providerDelayMs.getAsLong();
    if (delay == 0) {
      f.complete(read);
    } else {
      time.schedule(() -> f.complete(read), delay, TimeUnit.MILLISECONDS);
    }
    return f;
  }

  /** The next getSnapshot call hangs until {@link #releaseHang()}. */
  void hangNextCall() {
    hangNext = true;
  }

  /** Completes the hung call with the store's state as of now. */
  void releaseHang() {
    hung.complete(store.snapshot());
  }

  int snapshotCalls() {
    return snapshotCalls;
  }

  String data() {
    return data;
  }

  /** Writes through the store as this window, announcing with this window's sourceId. */
  SnapshotEnvelope<String> write(String newData) {
    return store.mutate(newData, name);
  }
}
