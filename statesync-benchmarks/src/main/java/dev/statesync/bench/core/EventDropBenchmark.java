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
 * The hot path: an event that is not newer than the applied revision (a stale event, or a
 * self-echo after the writer offered its write response) must be dropped with a volatile read and
 * a compare, no lock and no allocation. Target: ≤ 20 ns/op and 0 B/op (run with {@code -prof gc}).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class EventDropBenchmark {
  private RevisionSyncHandle<String> sync;
  private InvalidationSink sink;
  private InvalidationEvent staleEvent;
  private InvalidationEvent selfEcho;

  @Setup(Level.Trial)
  public void setUp() {
    AtomicReference<InvalidationSink> captured = new AtomicReference<>();
    sync = StateSync.createRevisionSync(RevisionSyncOptions.<String>builder()
        .topic("settings")
        .sourceId("writer")
        .ignoreOwnEvents(true)
        .subscriber(InvalidationSubscriber.of(s -> {
          captured.set(s);
          return () -> { };
        }))
        .provider(SnapshotProvider.of(() -> SnapshotEnvelope.of(Revision.of(1_000), "v")))
        .applier(SnapshotApplier.ofData(v -> { }))
        .executor(Runnable::run)
        .build());
    sync.start().join();
    sink = captured.get();
    staleEvent = InvalidationEvent.of("settings", Revision.of(999));
    // The writer offered r1000 with its write response; its own event for r1000 is then stale.
    selfEcho = InvalidationEvent.of("settings", Revision.of(1_000)).withSourceId("writer");
  }

  @TearDown(Level.Trial)
  public void tearDown() {
    sync.close();
  }

  @Benchmark
  public void dropStaleEvent() {
    sink.accept(staleEvent);
  }

  @Benchmark
  public void dropSelfEcho() {
    sink.accept(selfEcho);
  }
}
