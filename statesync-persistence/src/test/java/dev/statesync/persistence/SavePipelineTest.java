package dev.statesync.persistence;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.statesync.core.ApplyContext;
import dev.statesync.core.ApplyOrigin;
import dev.statesync.core.Epoch;
import dev.statesync.core.Revision;
import dev.statesync.core.SnapshotEnvelope;
import dev.statesync.core.ThrottlingOptions;
import dev.statesync.core.testing.VirtualTime;
import dev.statesync.persistence.PersistenceApplierTest.Settings;
import dev.statesync.persistence.memory.MemoryStorageBackend;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** The save pipeline under failures, timeouts, throttling bounds and random backend latency. */
class SavePipelineTest {
  private final VirtualTime time = new VirtualTime();
  private final List<SnapshotEnvelope<Settings>> applied = new CopyOnWriteArrayList<>();
  private final List<PersistenceErrorContext> errors = new CopyOnWriteArrayList<>();
  private final List<String> events = new CopyOnWriteArrayList<>();

  private PersistenceOptions.Builder<Settings> options(StorageBackend storage) {
    return PersistenceOptions.<Settings>builder().storage(storage).key("settings")
        .applier((s, ctx) -> {
          applied.add(s);
          return CompletableFuture.completedFuture(null);
        })
        .codec(JsonCodec.of(Settings.class)).executor(Runnable::run).timeSource(time)
        .scheduler(time).onPersistenceError(errors::add);
  }

  private PersistenceApplier<Settings> listened(PersistenceApplier<Settings> p) {
    p.addListener(new PersistenceListener<>() {
      @Override
      public void onSaveComplete(SaveInfo info, WriteStatus status, long ms, long bytes) {
        events.add("complete " + info.revision() + " " + status + " @" + time.nanoTime()
            / 1_000_000);
      }

      @Override
      public void onSaveError(SaveInfo info, Throwable error) {
        events.add("error " + info.revision() + " " + error.getClass().getSimpleName());
      }
    });
    return p;
  }

  private static SnapshotEnvelope<Settings> env(String epoch, long r) {
    return SnapshotEnvelope.of(Revision.of(r), new Settings("t" + r, "x"), Epoch.of(epoch));
  }

  private static ApplyContext provider() {
    return ApplyContext.of("settings", ApplyOrigin.PROVIDER);
  }

  private static long storedRevision(MemoryStorageBackend store) {
    return RecordFormat.readHeader(store.rawBytes("settings").orElseThrow(), "settings")
        .revision().unsignedBits();
  }

  @Test
  @DisplayName("PA-34 injected write, read and delete failures: each reported once, the inner "
      + "applier still runs, the next save succeeds")
  void injectedFailuresAreReportedOnceAndLoseNothing() {
    MemoryStorageBackend store = MemoryStorageBackend.builder().build();
    PersistenceApplier<Settings> p = listened(Persistence.createPersistenceApplier(
        options(store).build()));
    store.failNextWrites(2, () -> new IllegalStateException("disk full"));
    p.apply(env("e1", 1), provider());
    p.apply(env("e1", 2), provider());
    assertEquals(List.of("error 1 IllegalStateException", "error 2 IllegalStateException"),
        events);
    assertEquals(2, errors.size());
    assertTrue(errors.stream().allMatch(e -> e.operation() == PersistenceOperation.SAVE
        && e.error().getMessage().equals("disk full")), errors.toString());
    assertEquals(List.of(Revision.of(1), Revision.of(2)),
        errors.stream().map(PersistenceErrorContext::revision).toList());
    assertEquals(List.of(env("e1", 1), env("e1", 2)), applied, "the inner applier still ran");
    assertTrue(store.rawBytes("settings").isEmpty(), "a failed write changes nothing");

    p.apply(env("e1", 3), provider());
    assertEquals(3, storedRevision(store));
    assertEquals(2, p.stats().saveErrorCount());
    assertEquals(1, p.stats().saveCount());

    store.failReads(() -> new IllegalStateException("io error"));
    LoadResult<Settings> load = p.loadPersistedSnapshot().join();
    assertEquals(LoadOutcome.ERROR, load.outcome());
    assertEquals("io error", load.error().orElseThrow().getMessage());
    assertEquals(PersistenceOperation.LOAD, errors.get(2).operation());
    store.clearFailures();

    store.failDeletes(() -> new IllegalStateException("read-only"));
    assertThrows(Exception.class, () -> p.clear().join());
    assertEquals(PersistenceOperation.CLEAR, errors.get(3).operation());
    assertEquals(4, errors.size(), "every failure is reported exactly once");
    assertEquals(3, storedRevision(store), "a failed clear deletes nothing");
  }

  @Test
  @DisplayName("PA-47 a write that hangs past writeTimeout gives saveError(TimeoutException); the "
      + "next snapshot is still written and the late completion changes nothing")
  void hungWriteTimesOutAndTheNextSnapshotIsWritten() {
    MemoryStorageBackend store = MemoryStorageBackend.builder().build();
    DelayedBackend backend = new DelayedBackend(store, time, () -> 0);
    PersistenceApplier<Settings> p = listened(Persistence.createPersistenceApplier(
        options(backend).writeTimeout(Duration.ofSeconds(1)).build()));
    backend.hangNextWrites(1);
    p.apply(env("e1", 1), provider());
    assertTrue(p.isSaving());
    time.advanceMs(999);
    assertTrue(events.isEmpty(), "not timed out before writeTimeout");
    time.advanceMs(1);
    assertEquals(List.of("error 1 TimeoutException"), events);
    assertTrue(errors.get(0).error() instanceof TimeoutException);
    assertEquals(PersistenceOperation.SAVE, errors.get(0).operation());

    p.apply(env("e1", 2), provider());
    time.advanceMs(1);
    assertEquals(2, storedRevision(store));
    backend.releaseHung(); // the hung r1 finally lands: the monotonic rule skips it
    assertEquals(2, storedRevision(store));
    assertEquals(1, errors.size());
  }

  @Test
  @DisplayName("PA-40 debounce 50 and maxWait 150 with an apply every 20 ms for 1 s: every "
      + "snapshot is persisted, or superseded by a persisted newer one, within 150 ms")
  void maxWaitBoundsHowLongASnapshotWaitsUnderConstantApplies() {
    MemoryStorageBackend store = MemoryStorageBackend.builder().build();
    PersistenceApplier<Settings> p = Persistence.createPersistenceApplier(options(store)
        .saveThrottling(ThrottlingOptions.builder().debounceMs(50).maxWaitMs(150).build())
        .build());
    TreeMap<Long, Long> savedAtMs = new TreeMap<>(); // revision -> virtual ms of its save
    p.addListener(new PersistenceListener<>() {
      @Override
      public void onSaveComplete(SaveInfo info, WriteStatus status, long ms, long bytes) {
        savedAtMs.put(info.revision().unsignedBits(), time.nanoTime() / 1_000_000);
      }
    });
    Map<Long, Long> appliedAtMs = new TreeMap<>();
    long start = time.nanoTime() / 1_000_000;
    for (long r = 1; r <= 50; r++) {
      appliedAtMs.put(r, time.nanoTime() / 1_000_000 - start);
      p.apply(env("e1", r), provider());
      time.advanceMs(20);
    }
    time.advanceMs(200);
    assertTrue(savedAtMs.size() > 1, "saves happen during the burst, not only after it");
    for (Map.Entry<Long, Long> a : appliedAtMs.entrySet()) {
      Map.Entry<Long, Long> covering = savedAtMs.ceilingEntry(a.getKey());
      assertTrue(covering != null, "r" + a.getKey() + " never persisted");
      long waited = covering.getValue() - start - a.getValue();
      assertTrue(waited <= 150, "r" + a.getKey() + " waited " + waited + " ms for r"
          + covering.getKey());
    }
    assertEquals(50, storedRevision(store));
  }

  /** Applies {@code steps} with random gaps over a backend of random latency; checks PP-5. */
  void assertRandomLatencyRunKeepsPp5(long seed, int applies, int maxLatencyMs, int maxGapMs,
      int epochEvery) {
    SplittableRandom random = new SplittableRandom(seed);
    MemoryStorageBackend store = MemoryStorageBackend.builder().build();
    DelayedBackend backend = new DelayedBackend(store, time,
        () -> random.nextInt(maxLatencyMs + 1));
    PersistenceApplier<Settings> p = Persistence.createPersistenceApplier(options(backend)
        .build());
    int epoch = 1;
    long r = 0;
    SnapshotEnvelope<Settings> last = null;
    for (int i = 0; i < applies; i++) {
      if (epochEvery > 0 && random.nextInt(epochEvery) == 0) {
        epoch++;
        r = 0;
      }
      r += random.nextInt(1, 4);
      last = env("e" + epoch, r);
      p.apply(last, provider());
      time.advanceMs(random.nextInt(maxGapMs + 1));
    }
    CompletableFuture<Void> quiet = p.flush();
    for (int ms = 0; ms < 10_000 && !(quiet.isDone() && !p.isSaving()); ms++) {
      time.advanceMs(1); // virtual: lets in-flight writes finish
    }
    assertTrue(quiet.isDone() && !p.isSaving() && !p.hasPendingSave(), "the writer is idle");
    assertEquals(1, backend.maxInFlight(), "writes never overlap");
    List<RecordHeader> written = new ArrayList<>();
    store.writeHistory("settings").forEach(w -> written.add(w.incoming()));
    for (int i = 1; i < written.size(); i++) {
      RecordHeader a = written.get(i - 1);
      RecordHeader b = written.get(i);
      if (a.epoch().equals(b.epoch())) {
        assertTrue(a.revision().compareTo(b.revision()) < 0, "written " + a.revision()
            + " then " + b.revision() + " in epoch " + a.epoch());
      }
    }
    assertTrue(store.writeHistory("settings").stream().allMatch(w ->
        w.result().status() == WriteStatus.WRITTEN), "no write was ever refused or skipped");
    RecordHeader stored = RecordFormat.readHeader(store.rawBytes("settings").orElseThrow(),
        "settings");
    assertEquals(last.revision(), stored.revision(), "the last applied snapshot is stored");
    assertEquals(last.epoch(), stored.epoch());
  }

  @Test
  @DisplayName("PA-41 backend latency random in 0-20 ms and 200 applies: no overlapping writes, "
      + "strictly increasing written revisions, the last one stored")
  void randomBackendLatencyKeepsOneWriterAndEndsOnTheLastSnapshot() {
    assertRandomLatencyRunKeepsPp5(41, 200, 20, 10, 0);
  }
}
