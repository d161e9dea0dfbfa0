package dev.statesync.persistence;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.statesync.core.ApplyContext;
import dev.statesync.core.ApplyOrigin;
import dev.statesync.core.ApplyOutcome;
import dev.statesync.core.Epoch;
import dev.statesync.core.InvalidationSubscriber;
import dev.statesync.core.Revision;
import dev.statesync.core.RevisionSyncHandle;
import dev.statesync.core.RevisionSyncOptions;
import dev.statesync.core.SnapshotApplier;
import dev.statesync.core.SnapshotEnvelope;
import dev.statesync.core.SnapshotProvider;
import dev.statesync.core.StateSync;
import dev.statesync.core.ThrottlingOptions;
import dev.statesync.core.testing.VirtualTime;
import dev.statesync.persistence.memory.MemoryStorageBackend;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

class PersistenceApplierTest {
  /** The data type of the acceptance harness. */
  public record Settings(String theme, String text) {}

  private final VirtualTime time = new VirtualTime();
  private final MemoryStorageBackend storage = MemoryStorageBackend.builder().timeSource(time)
      .build();
  private final List<SnapshotEnvelope<Settings>> applied = new CopyOnWriteArrayList<>();
  private final List<ApplyOrigin> origins = new CopyOnWriteArrayList<>();
  private final List<PersistenceErrorContext> errors = new CopyOnWriteArrayList<>();
  private final List<String> events = new CopyOnWriteArrayList<>();

  private PersistenceOptions.Builder<Settings> options() {
    return PersistenceOptions.<Settings>builder().storage(storage).key("settings")
        .applier((s, ctx) -> {
          applied.add(s);
          origins.add(ctx.origin());
          return CompletableFuture.completedFuture(null);
        })
        .codec(JsonCodec.of(Settings.class)).executor(Runnable::run).timeSource(time)
        .scheduler(time).onPersistenceError(errors::add);
  }

  private PersistenceApplier<Settings> listen(PersistenceApplier<Settings> p) {
    p.addListener(new PersistenceListener<>() {
      @Override
      public void onSaveStart(SaveInfo info) {
        events.add("start " + info.revision());
      }

      @Override
      public void onSaveComplete(SaveInfo info, WriteStatus status, long ms, long bytes) {
        events.add("complete " + info.revision() + " " + status);
      }

      @Override
      public void onSaveError(SaveInfo info, Throwable error) {
        events.add("error " + info.revision());
      }

      @Override
      public void onLoadComplete(LoadResult<Settings> result, long ms) {
        events.add("load " + result.outcome());
      }

      @Override
      public void onExpired(RecordHeader header, long ageMs, long ttlMs) {
        events.add("expired " + ageMs + " " + ttlMs);
      }

      @Override
      public void onMigrated(int from, int to, RecordHeader header) {
        events.add("migrated " + from + " " + to);
      }

      @Override
      public void onCleared(ClearOrigin origin) {
        events.add("cleared " + origin);
      }
    });
    return p;
  }

  private static SnapshotEnvelope<Settings> env(long r, String theme) {
    return SnapshotEnvelope.of(Revision.of(r), new Settings(theme, "t"), Epoch.of("e1"));
  }

  private static ApplyContext ctx(ApplyOrigin origin) {
    return ApplyContext.of("settings", origin);
  }

  private RecordHeader storedHeader() {
    return RecordFormat.readHeader(storage.rawBytes("settings").orElseThrow(), "settings");
  }

  @Test
  void applyCallsInnerThenSavesOnceWithFullHeader() {
    time.setWallClock(1234);
    PersistenceApplier<Settings> p = listen(Persistence.createPersistenceApplier(options()
        .build()));
    p.apply(env(7, "dark"), ctx(ApplyOrigin.PROVIDER)).toCompletableFuture().join();
    assertEquals(List.of(env(7, "dark")), applied);
    RecordHeader h = storedHeader();
    assertEquals(Revision.of(7), h.revision());
    assertEquals(Epoch.of("e1"), h.epoch().orElseThrow());
    assertEquals(1, h.schemaVersion());
    assertEquals(1234, h.savedAt());
    assertEquals(p.instanceId(), h.writerId().orElseThrow());
    assertEquals(List.of("start 7", "complete 7 WRITTEN"), events);
    assertEquals(1, storage.writeHistory("settings").size());
  }

  @Test
  void failingInnerApplierPropagatesAndSavesNothing() {
    PersistenceApplier<Settings> p = Persistence.createPersistenceApplier(options()
        .applier(SnapshotApplier.of(s -> {
          throw new IllegalStateException("ui broke");
        })).build());
    assertThrows(IllegalStateException.class,
        () -> p.apply(env(1, "x"), ctx(ApplyOrigin.PROVIDER)));
    assertTrue(storage.rawBytes("settings").isEmpty());
  }

  @Test
  void debounceSavesOnlyTheLastOfABurst() {
    PersistenceApplier<Settings> p = listen(Persistence.createPersistenceApplier(options()
        .saveThrottling(ThrottlingOptions.builder().debounceMs(100).build()).build()));
    for (int r = 1; r <= 3; r++) {
      p.apply(env(r, "t" + r), ctx(ApplyOrigin.PROVIDER));
    }
    time.advanceMs(99);
    assertTrue(storage.rawBytes("settings").isEmpty());
    assertTrue(p.hasPendingSave());
    time.advanceMs(1);
    assertEquals(Revision.of(3), storedHeader().revision());
    assertEquals(1, storage.writeHistory("settings").size());
    assertEquals(2, p.stats().throttledCount());
  }

  @Test
  void throttleSavesFirstAtOnceAndLatestAtWindowEnd() {
    PersistenceApplier<Settings> p = Persistence.createPersistenceApplier(options()
        .saveThrottling(ThrottlingOptions.builder().throttleMs(100).build()).build());
    p.apply(env(1, "a"), ctx(ApplyOrigin.PROVIDER));
    assertEquals(Revision.of(1), storedHeader().revision());
    p.apply(env(2, "b"), ctx(ApplyOrigin.PROVIDER));
    p.apply(env(3, "c"), ctx(ApplyOrigin.PROVIDER));
    time.advanceMs(50);
    assertEquals(Revision.of(1), storedHeader().revision());
    time.advanceMs(50);
    assertEquals(Revision.of(3), storedHeader().revision());
  }

  @Test
  void writesDuringAnInFlightWriteCollapseToTheLatest() {
    MemoryStorageBackend slow = MemoryStorageBackend.builder().scheduler(time)
        .latency(Duration.ofMillis(10)).build();
    PersistenceApplier<Settings> p = Persistence.createPersistenceApplier(options()
        .storage(slow).build());
    for (int r = 1; r <= 10; r++) {
      p.apply(env(r, "t"), ctx(ApplyOrigin.PROVIDER));
    }
    assertTrue(p.isSaving());
    time.advanceMs(100);
    List<Long> written = new ArrayList<>();
    slow.writeHistory("settings").forEach(w -> written.add(w.incoming().revision()
        .unsignedBits()));
    assertEquals(List.of(1L, 10L), written);
    assertEquals(8, p.stats().throttledCount());
  }

  @Test
  void flushWritesThePendingSnapshotAndCompletesAfterTheWrite() {
    PersistenceApplier<Settings> p = Persistence.createPersistenceApplier(options()
        .saveThrottling(ThrottlingOptions.builder().debounceMs(1000).build()).build());
    assertTrue(p.flush().isDone());
    p.apply(env(4, "x"), ctx(ApplyOrigin.PROVIDER));
    CompletableFuture<Void> f = p.flush();
    assertTrue(f.isDone() && !f.isCompletedExceptionally());
    assertFalse(p.hasPendingSave());
    assertEquals(Revision.of(4), storedHeader().revision());
  }

  @Test
  void failedSaveIsReportedOnceAndFlushRequeuesIt() {
    PersistenceApplier<Settings> p = listen(Persistence.createPersistenceApplier(options()
        .build()));
    storage.failNextWrites(2, () -> new IllegalStateException("disk full"));
    p.apply(env(1, "a"), ctx(ApplyOrigin.PROVIDER));
    p.apply(env(2, "b"), ctx(ApplyOrigin.PROVIDER));
    assertEquals(2, errors.size());
    assertEquals(PersistenceOperation.SAVE, errors.get(0).operation());
    assertEquals(2, p.stats().saveErrorCount());
    assertEquals(List.of(env(1, "a"), env(2, "b")), applied);
    p.flush().join();
    assertEquals(Revision.of(2), storedHeader().revision());
    assertEquals(1, p.stats().saveCount());
    assertEquals(storage.rawBytes("settings").orElseThrow().length, p.stats().bytesWritten());
  }

  @Test
  void closeFlushesDiscardDropsAndApplyAfterCloseFails() {
    PersistenceApplier<Settings> p = Persistence.createPersistenceApplier(options()
        .saveThrottling(ThrottlingOptions.builder().debounceMs(1000).build()).build());
    p.apply(env(5, "x"), ctx(ApplyOrigin.PROVIDER));
    p.close();
    p.close();
    assertEquals(Revision.of(5), storedHeader().revision());
    assertThrows(IllegalStateException.class,
        () -> p.apply(env(6, "x"), ctx(ApplyOrigin.PROVIDER)));
    assertTrue(p.flush().isDone());

    MemoryStorageBackend other = MemoryStorageBackend.builder().build();
    PersistenceApplier<Settings> d = Persistence.createPersistenceApplier(options()
        .storage(other).saveThrottling(ThrottlingOptions.builder().debounceMs(1000).build())
        .build());
    d.apply(env(5, "x"), ctx(ApplyOrigin.PROVIDER));
    d.closeAsync(CloseMode.DISCARD).join();
    assertTrue(other.rawBytes("settings").isEmpty());
  }

  @Test
  void newerRecordFromAnotherWriterIsSkipped() {
    storage.putRaw("settings", RecordFormat.encode(new RecordHeader("settings", "settings",
        Revision.of(9), java.util.Optional.of(Epoch.of("e1")), 1, 0,
        java.util.OptionalLong.empty(), "json", "none", 0, java.util.Optional.empty()),
        "{\"theme\":\"z\",\"text\":\"t\"}".getBytes(StandardCharsets.UTF_8), Compression.NONE));
    PersistenceApplier<Settings> p = listen(Persistence.createPersistenceApplier(options()
        .build()));
    p.apply(env(5, "old"), ctx(ApplyOrigin.PROVIDER));
    assertEquals(List.of("start 5", "complete 5 SKIPPED_NOT_NEWER"), events);
    assertEquals(1, p.stats().saveSkippedCount());
    assertEquals(Revision.of(9), storedHeader().revision());
  }

  @Test
  void loadReturnsTheSavedEnvelopeAndEmptyStoreIsNotFound() {
    PersistenceApplier<Settings> p = listen(Persistence.createPersistenceApplier(options()
        .build()));
    assertEquals(LoadOutcome.NOT_FOUND, p.loadPersistedSnapshot().join().outcome());
    p.apply(env(3, "dark"), ctx(ApplyOrigin.PROVIDER));
    LoadResult<Settings> r = p.loadPersistedSnapshot().join();
    assertEquals(LoadOutcome.FOUND, r.outcome());
    assertEquals(env(3, "dark"), r.envelope().orElseThrow());
    assertEquals(2, events.stream().filter(e -> e.startsWith("load")).count());
  }

  @Test
  void ttlExpiresStrictlyAfterItsLifetimeAndIsNotAnError() {
    time.setWallClock(1000);
    PersistenceApplier<Settings> p = listen(Persistence.createPersistenceApplier(options()
        .ttl(Duration.ofMillis(500)).build()));
    p.apply(env(1, "a"), ctx(ApplyOrigin.PROVIDER));
    time.setWallClock(1500);
    assertEquals(LoadOutcome.FOUND, p.loadPersistedSnapshot().join().outcome());
    time.setWallClock(1501);
    assertEquals(LoadOutcome.EXPIRED, p.loadPersistedSnapshot().join().outcome());
    assertTrue(events.contains("expired 501 500"));
    assertTrue(errors.isEmpty());
    assertEquals(LoadOutcome.FOUND,
        p.loadPersistedSnapshot(LoadOptions.ignoringTtl(true)).join().outcome());
    time.setWallClock(10);
    assertEquals(LoadOutcome.FOUND, p.loadPersistedSnapshot().join().outcome());
  }

  @Test
  void olderSchemaIsMigratedAndReSavedWithSameRevisionAndSavedAt() {
    time.setWallClock(77);
    PersistenceApplier<Settings> v1 = Persistence.createPersistenceApplier(options().build());
    v1.apply(env(4, "dark"), ctx(ApplyOrigin.PROVIDER));
    time.setWallClock(99);
    Migrations m = Migrations.builder()
        .step(1, n -> ((ObjectNode) n).put("text", "from-v1"))
        .step(2, n -> ((ObjectNode) n).put("theme", ((ObjectNode) n).get("theme").asText()
            .toUpperCase()))
        .build(3);
    PersistenceApplier<Settings> v3 = listen(Persistence.createPersistenceApplier(options()
        .migrations(m).build()));
    LoadResult<Settings> r = v3.loadPersistedSnapshot().join();
    assertEquals(LoadOutcome.MIGRATED, r.outcome());
    assertEquals(new Settings("DARK", "from-v1"), r.envelope().orElseThrow().data());
    assertTrue(events.contains("migrated 1 3"));
    RecordHeader h = storedHeader();
    assertEquals(3, h.schemaVersion());
    assertEquals(Revision.of(4), h.revision());
    assertEquals(77, h.savedAt());
  }

  @Test
  void futureSchemaAndFailingStepAreMigrationFailedAndLeaveTheRecord() {
    PersistenceApplier<Settings> v5 = Persistence.createPersistenceApplier(options()
        .schemaVersion(5).build());
    v5.apply(env(4, "dark"), ctx(ApplyOrigin.PROVIDER));
    byte[] before = storage.rawBytes("settings").orElseThrow();
    PersistenceApplier<Settings> v3 = Persistence.createPersistenceApplier(options()
        .schemaVersion(3).build());
    LoadResult<Settings> r = v3.loadPersistedSnapshot().join();
    assertEquals(LoadOutcome.MIGRATION_FAILED, r.outcome());
    assertTrue(r.error().orElseThrow() instanceof FutureSchemaVersionException);
    assertEquals(PersistenceOperation.MIGRATE, errors.get(0).operation());
    assertTrue(java.util.Arrays.equals(before, storage.rawBytes("settings").orElseThrow()));

    Migrations failing = Migrations.builder().step(5, n -> {
      throw new IllegalStateException("bad step");
    }).build(6);
    LoadResult<Settings> f = Persistence.createPersistenceApplier(options().migrations(failing)
        .build()).loadPersistedSnapshot().join();
    assertEquals(LoadOutcome.MIGRATION_FAILED, f.outcome());
    assertTrue(f.error().orElseThrow().getCause() instanceof IllegalStateException);
  }

  @Test
  void migrationBuilderValidatesItsRange() {
    Migrations m = Migrations.builder().step(2, n -> n).build(3);
    assertThrows(MigrationException.class,
        () -> m.migrate(com.fasterxml.jackson.databind.node.JsonNodeFactory.instance
            .objectNode(), 1));
    assertThrows(IllegalArgumentException.class,
        () -> Migrations.builder().step(1, n -> n).step(3, n -> n).build(4));
    assertThrows(IllegalArgumentException.class,
        () -> Migrations.builder().step(1, n -> n).step(1, n -> n));
  }

  @Test
  void validatorRejectionIsInvalidAndNotApplied() {
    PersistenceApplier<Settings> p = Persistence.createPersistenceApplier(options().build());
    p.apply(env(1, "bad"), ctx(ApplyOrigin.PROVIDER));
    PersistenceApplier<Settings> strict = Persistence.createPersistenceApplier(options()
        .validator(s -> !s.theme().equals("bad")).build());
    LoadResult<Settings> r = strict.loadPersistedSnapshot().join();
    assertEquals(LoadOutcome.INVALID, r.outcome());
    assertTrue(r.error().orElseThrow() instanceof ValidationException);
  }

  @Test
  void corruptRecordIsReportedQuarantinedAndNeverApplied() {
    PersistenceApplier<Settings> p = Persistence.createPersistenceApplier(options().build());
    p.apply(env(1, "a"), ctx(ApplyOrigin.PROVIDER));
    applied.clear();
    storage.corrupt("settings", b -> {
      b[b.length - 40] ^= 1;
      return b;
    });
    LoadResult<Settings> r = p.loadPersistedSnapshot().join();
    assertEquals(LoadOutcome.CORRUPT, r.outcome());
    assertEquals(CorruptRecordException.Reason.DIGEST_MISMATCH,
        ((CorruptRecordException) errors.get(0).error()).reason());
    assertTrue(applied.isEmpty());
    assertEquals(LoadOutcome.NOT_FOUND, p.loadPersistedSnapshot().join().outcome());
  }

  @Test
  void compressionIsReadByTheHeaderWhateverTheReaderWrites() {
    PersistenceApplier<Settings> gz = Persistence.createPersistenceApplier(options()
        .compression(Compression.GZIP).build());
    gz.apply(env(1, "Привет мир! 你好世界! 👍🏽 עברית e\u0301 \u0000"), ctx(ApplyOrigin.PROVIDER));
    assertEquals("gzip", storedHeader().compression());
    PersistenceApplier<Settings> plain = Persistence.createPersistenceApplier(options().build());
    assertEquals(env(1, "Привет мир! 你好世界! 👍🏽 עברית e\u0301 \u0000"),
        plain.loadPersistedSnapshot().join().envelope().orElseThrow());
  }

  @Test
  void payloadBytesCountUtf8Bytes() {
    PersistenceApplier<Settings> p = Persistence.createPersistenceApplier(options().build());
    p.apply(SnapshotEnvelope.of(Revision.of(1), new Settings("é".repeat(10), "")),
        ctx(ApplyOrigin.PROVIDER));
    int expected = "{\"theme\":\"\",\"text\":\"\"}".length() + 20;
    assertEquals(expected, storedHeader().payloadBytes());
    assertEquals(expected, p.stats().payloadBytesWritten());
  }

  @Test
  void clearDeletesTheRecordAndEmitsLocal() {
    PersistenceApplier<Settings> p = listen(Persistence.createPersistenceApplier(options()
        .build()));
    p.apply(env(1, "a"), ctx(ApplyOrigin.PROVIDER));
    p.clear().join();
    assertTrue(storage.rawBytes("settings").isEmpty());
    assertTrue(events.contains("cleared LOCAL"));
    storage.failDeletes(() -> new IllegalStateException("io"));
    assertThrows(Exception.class, () -> p.clear().join());
    assertEquals(PersistenceOperation.CLEAR, errors.get(errors.size() - 1).operation());
  }

  @Test
  void listenersAreIndependentRegistrationsAndAThrowingOneDoesNotStopOthers() {
    PersistenceApplier<Settings> p = Persistence.createPersistenceApplier(options().build());
    List<String> calls = new ArrayList<>();
    PersistenceListener<Settings> l = new PersistenceListener<>() {
      @Override
      public void onSaveStart(SaveInfo info) {
        calls.add("l");
      }
    };
    p.addListener(new PersistenceListener<>() {
      @Override
      public void onSaveStart(SaveInfo info) {
        throw new IllegalStateException("listener bug");
      }
    });
    p.addListener(l);
    dev.statesync.core.Subscription second = p.addListener(l);
    p.apply(env(1, "a"), ctx(ApplyOrigin.PROVIDER));
    assertEquals(List.of("l", "l"), calls);
    second.unsubscribe();
    p.apply(env(2, "a"), ctx(ApplyOrigin.PROVIDER));
    assertEquals(List.of("l", "l", "l"), calls);
  }

  @Test
  void optionsValidateWithNamedErrors() {
    assertTrue(assertThrows(NullPointerException.class,
        () -> PersistenceOptions.<Settings>builder().key("k").build()).getMessage()
        .contains("storage"));
    assertTrue(assertThrows(IllegalArgumentException.class, () -> options()
        .ttl(Duration.ZERO).build()).getMessage().contains("ttl"));
    assertTrue(assertThrows(IllegalArgumentException.class, () -> options()
        .schemaVersion(2).migrations(Migrations.builder().build(1)).build()).getMessage()
        .contains("schemaVersion"));
  }

  @Test
  void hydrationSeedsTheEngineWithoutSavingAndTheSameRevisionIsNotReapplied() {
    PersistenceApplier<Settings> first = Persistence.createPersistenceApplier(options().build());
    first.apply(env(5, "cached"), ctx(ApplyOrigin.PROVIDER));
    int writesBefore = storage.writeHistory("settings").size();

    PersistenceApplier<Settings> p = listen(Persistence.createPersistenceApplier(options()
        .build()));
    AtomicReference<SnapshotEnvelope<Settings>> upstream = new AtomicReference<>(env(5, "cached"));
    RevisionSyncHandle<Settings> handle = StateSync.createRevisionSync(
        RevisionSyncOptions.<Settings>builder().topic("settings")
            .subscriber(InvalidationSubscriber.none())
            .provider(SnapshotProvider.of(upstream::get)).applier(p)
            .executor(Runnable::run).timeSource(time).scheduler(time).build());
    assertThrows(IllegalStateException.class, p::hydrate);
    p.attach(handle);
    assertThrows(IllegalStateException.class, () -> p.attach(handle));
    applied.clear();
    origins.clear();
    LoadResult<Settings> r = p.hydrate().join();
    assertEquals(LoadOutcome.FOUND, r.outcome());
    assertEquals(ApplyOutcome.APPLIED, r.applyOutcome().orElseThrow());
    assertEquals(List.of(ApplyOrigin.CACHE), origins);
    assertEquals(Revision.of(5), handle.localRevision());
    assertFalse(events.stream().anyMatch(e -> e.startsWith("start")));
    assertEquals(writesBefore, storage.writeHistory("settings").size());

    handle.start().join();
    time.advanceMs(10);
    assertEquals(1, applied.size(), "the same revision from the provider is not re-applied");
    upstream.set(env(6, "fresh"));
    assertEquals(ApplyOutcome.APPLIED, handle.refresh().join());
    time.advanceMs(10);
    assertEquals(Revision.of(6), storedHeader().revision());
    handle.close();
  }

  @Test
  void corruptRecordHydrationLeavesTheHandleAtZero() {
    storage.putRaw("settings", new byte[] {1, 2, 3});
    PersistenceApplier<Settings> p = Persistence.createPersistenceApplier(options().build());
    RevisionSyncHandle<Settings> handle = StateSync.createRevisionSync(
        RevisionSyncOptions.<Settings>builder().topic("settings")
            .subscriber(InvalidationSubscriber.none())
            .provider(SnapshotProvider.of(() -> env(1, "x"))).applier(p)
            .executor(Runnable::run).timeSource(time).scheduler(time).build());
    p.attach(handle);
    assertEquals(LoadOutcome.CORRUPT, p.hydrate().join().outcome());
    assertEquals(Revision.ZERO, handle.localRevision());
    handle.close();
  }
}
