package dev.statesync.persistence;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.statesync.core.Revision;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The contract every {@link StorageBackend} must pass. */
public abstract class StorageBackendContract {
  private final List<StorageBackend> opened = new ArrayList<>();

  /** Creates a fresh, empty backend. */
  protected abstract StorageBackend create() throws Exception;

  /** Stores raw bytes for a key, bypassing the write checks. */
  protected abstract void putRaw(StorageBackend backend, String key, byte[] bytes)
      throws Exception;

  protected StorageBackend backend() throws Exception {
    StorageBackend b = create();
    opened.add(b);
    return b;
  }

  @AfterEach
  void closeAll() {
    opened.forEach(StorageBackend::close);
  }

  protected static <V> V join(java.util.concurrent.CompletionStage<V> stage) {
    return stage.toCompletableFuture().join();
  }

  @Test
  void writeThenReadReturnsIdenticalBytes() throws Exception {
    StorageBackend b = backend();
    byte[] record = Records.record("settings", 3, "e", 1);
    assertEquals(WriteStatus.WRITTEN, join(b.write("settings", record, WriteMode.MONOTONIC))
        .status());
    assertArrayEquals(record, join(b.read("settings")).orElseThrow());
    assertTrue(join(b.read("absent")).isEmpty());
  }

  @Test
  void monotonicWritesFollowTheDecisionTable() throws Exception {
    StorageBackend b = backend();
    join(b.write("k", Records.record("k", 5, "A", 1), WriteMode.MONOTONIC));
    WriteResult older = join(b.write("k", Records.record("k", 3, "A", 1), WriteMode.MONOTONIC));
    assertEquals(WriteStatus.SKIPPED_NOT_NEWER, older.status());
    assertEquals(Revision.of(5), Records.revisionOf(join(b.read("k")).orElseThrow(), "k"));
    assertEquals(WriteStatus.WRITTEN,
        join(b.write("k", Records.record("k", 5, "A", 2), WriteMode.MONOTONIC)).status());
    assertEquals(WriteStatus.WRITTEN,
        join(b.write("k", Records.record("k", 1, "B", 1), WriteMode.MONOTONIC)).status());
    assertEquals(Revision.of(1), Records.revisionOf(join(b.read("k")).orElseThrow(), "k"));
    putRaw(b, "k", "garbage".getBytes(StandardCharsets.UTF_8));
    assertEquals(WriteStatus.REPLACED_CORRUPT,
        join(b.write("k", Records.record("k", 1, "B", 1), WriteMode.MONOTONIC)).status());
    byte[] future = RecordFormat.assemble(2, "{}".getBytes(StandardCharsets.UTF_8), new byte[0]);
    putRaw(b, "k", future);
    assertEquals(WriteStatus.REFUSED_UNSUPPORTED,
        join(b.write("k", Records.record("k", 99, "B", 1), WriteMode.MONOTONIC)).status());
    assertArrayEquals(future, join(b.read("k")).orElseThrow());
    assertEquals(WriteStatus.WRITTEN,
        join(b.write("k", Records.record("k", 1, "B", 1), WriteMode.REPLACE)).status());
    assertEquals(Revision.of(1), Records.revisionOf(join(b.read("k")).orElseThrow(), "k"));
  }

  @Test
  void concurrentMonotonicWritersKeepTheMaximum() throws Exception {
    StorageBackend b = backend();
    ExecutorService pool = Executors.newFixedThreadPool(16);
    try {
      List<CompletableFuture<Integer>> writers = new ArrayList<>();
      for (int t = 0; t < 16; t++) {
        int seed = t;
        writers.add(CompletableFuture.supplyAsync(() -> {
          SplittableRandom random = new SplittableRandom(seed);
          int max = 0;
          for (int i = 0; i < 20; i++) {
            int rev = random.nextInt(1, 1001);
            max = Math.max(max, rev);
            join(b.write("k", Records.record("k", rev, "e", 1), WriteMode.MONOTONIC));
          }
          return max;
        }, pool));
      }
      int max = writers.stream().mapToInt(CompletableFuture::join).max().orElseThrow();
      assertEquals(Revision.of(max), Records.revisionOf(join(b.read("k")).orElseThrow(), "k"));
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void deleteAndKeys() throws Exception {
    StorageBackend b = backend();
    join(b.write("a", Records.record("a", 1, null, 1), WriteMode.MONOTONIC));
    join(b.write("b/c", Records.record("b/c", 1, null, 1), WriteMode.MONOTONIC));
    assertEquals(Set.of("a", "b/c"), join(b.keys()));
    assertTrue(join(b.delete("a")));
    assertFalse(join(b.delete("a")));
    assertEquals(Set.of("b/c"), join(b.keys()));
  }

  @Test
  void quarantineTakesEffectOnlyIfBytesStillMatch() throws Exception {
    StorageBackend b = backend();
    byte[] bad = "corrupt".getBytes(StandardCharsets.UTF_8);
    putRaw(b, "k", bad);
    byte[] other = Records.record("k", 2, null, 1);
    join(b.write("k", other, WriteMode.MONOTONIC));
    assertFalse(join(b.quarantine("k", bad)));
    assertArrayEquals(other, join(b.read("k")).orElseThrow());
    putRaw(b, "k", bad);
    assertTrue(join(b.quarantine("k", bad)));
    assertEquals(Optional.empty(), join(b.read("k")));
  }

  @Test
  void everyOperationFailsAfterCloseAndKeysMustBeValid() throws Exception {
    StorageBackend b = backend();
    assertThrows(IllegalArgumentException.class, () -> b.read(" padded "));
    b.close();
    b.close();
    assertThrows(IllegalStateException.class, () -> b.read("k"));
    assertThrows(IllegalStateException.class,
        () -> b.write("k", Records.record("k", 1, null, 1), WriteMode.MONOTONIC));
    assertThrows(IllegalStateException.class, () -> b.delete("k"));
    assertThrows(IllegalStateException.class, b::keys);
  }
}
