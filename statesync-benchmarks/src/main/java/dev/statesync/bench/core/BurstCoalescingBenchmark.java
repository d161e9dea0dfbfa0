package dev.statesync.bench.core;

import dev.statesync.core.InvalidationEvent;
import dev.statesync.core.InvalidationSink;
import dev.statesync.core.InvalidationSubscriber;
import dev.statesync.core.Revision;
import dev.statesync.core.RevisionSyncHandle;
import dev.statesync.core.RevisionSyncOptions;
import dev.statesync.core.SnapshotApplier;
import dev.statesync.core.SnapshotEnvelope;
import dev.statesync.core.SnapshotProvider;
import dev.statesync.core.StateSync;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.openjdk.jmh.annotations.AuxCounters;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Provider calls for a burst of 100,000 events that arrive while one slow fetch is in flight.
 * Single-flight plus the target re-arm must answer the whole burst with at most 2 fetches: the one
 * in flight and one follow-up that reaches the burst's last revision. The count is reported as
 * the {@code fetchesPerBurst} auxiliary counter (target ≤ 2).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 5)
@Measurement(iterations = 10)
@Fork(1)
public class BurstCoalescingBenchmark {
  static final int BURST = 100_000;

  /** Reported per iteration by JMH as secondary results. */
  @State(Scope.Thread)
  @AuxCounters(AuxCounters.Type.EVENTS)
  public static class Counts {
    public long fetchesPerBurst;
    public long appliedRevision;
  }

  private RevisionSyncHandle<String> sync;
  private InvalidationSink sink;
  private AtomicInteger fetches;
  private AtomicReference<CompletableFuture<SnapshotEnvelope<String>>> slowFetch;
  private volatile long sourceRevision;

  @Setup(Level.Invocation)
  public void setUp() {
    AtomicReference<InvalidationSink> captured = new AtomicReference<>();
    fetches = new AtomicInteger();
    slowFetch = new AtomicReference<>();
    sourceRevision = 1;
    sync = StateSync.createRevisionSync(RevisionSyncOptions.<String>builder()
        .topic("settings")
        .subscriber(InvalidationSubscriber.of(s -> {
          captured.set(s);
          return () -> { };
        }))
        .provider(() -> {
          fetches.incrementAndGet();
          SnapshotEnvelope<String> now = SnapshotEnvelope.of(Revision.of(sourceRevision), "v");
          CompletableFuture<SnapshotEnvelope<String>> f = new CompletableFuture<>();
          if (slowFetch.get() == null && sourceRevision > 1) {
            slowFetch.set(f); // the first fetch after start is slow: the test completes it by hand
          } else {
            f.complete(now);
          }
          return f;
        })
        .applier(SnapshotApplier.ofData(v -> { }))
        .noSnapshotTimeout()
        .executor(Runnable::run)
        .build());
    sync.start().join();
    fetches.set(0);
    sink = captured.get();
  }

  @Benchmark
  public void burstDuringSlowFetch(Counts counts) {
    sourceRevision = 2;
    sink.accept(InvalidationEvent.of("settings", Revision.of(2))); // starts the slow fetch
    for (int i = 3; i <= BURST + 2; i++) {
      sourceRevision = i;
      sink.accept(InvalidationEvent.of("settings", Revision.of(i)));
    }
    // The slow fetch returns the state it read when it began: r2, older than the burst's target.
    slowFetch.get().complete(SnapshotEnvelope.of(Revision.of(2), "v"));
    long last = BURST + 2;
    if (sync.localRevision().unsignedBits() != last) {
      throw new IllegalStateException("burst not reached: " + sync.localRevision());
    }
    counts.fetchesPerBurst = fetches.get();
    counts.appliedRevision = sync.localRevision().unsignedBits();
    sync.close();
  }
}
