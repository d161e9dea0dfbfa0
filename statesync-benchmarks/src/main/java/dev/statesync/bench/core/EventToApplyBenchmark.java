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
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
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
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * One accepted event, all the way through: gate, single-flight fetch from an in-memory provider,
 * snapshot gate, apply. Runs on the caller's thread ({@code Runnable::run}) so the figure is the
 * engine's own cost, not a thread hand-off.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class EventToApplyBenchmark {
  private RevisionSyncHandle<String> sync;
  private InvalidationSink sink;
  private long revision;
  private volatile SnapshotEnvelope<String> current;
  private long applied;

  @Setup(Level.Trial)
  public void setUp() {
    AtomicReference<InvalidationSink> captured = new AtomicReference<>();
    current = SnapshotEnvelope.of(Revision.of(1), "v");
    revision = 1;
    sync = StateSync.createRevisionSync(RevisionSyncOptions.<String>builder()
        .topic("settings")
        .subscriber(InvalidationSubscriber.of(s -> {
          captured.set(s);
          return () -> { };
        }))
        .provider(SnapshotProvider.of(() -> current))
        .applier(SnapshotApplier.ofData(v -> applied++))
        .noSnapshotTimeout()
        .executor(Runnable::run)
        .build());
    sync.start().join();
    sink = captured.get();
  }

  @TearDown(Level.Trial)
  public void tearDown() {
    sync.close();
    if (!sync.localRevision().equals(Revision.of(revision))) {
      throw new IllegalStateException("engine fell behind: " + sync.localRevision() + " < " + revision);
    }
  }

  @Benchmark
  public long acceptedEventToApplied() {
    Revision next = Revision.of(++revision);
    current = SnapshotEnvelope.of(next, "v");
    sink.accept(InvalidationEvent.of("settings", next));
    return applied;
  }
}
