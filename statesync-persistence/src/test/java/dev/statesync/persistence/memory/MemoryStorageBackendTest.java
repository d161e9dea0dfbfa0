package dev.statesync.persistence.memory;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.statesync.core.testing.VirtualTime;
import dev.statesync.persistence.RecordFormat;
import dev.statesync.persistence.RecordHeader;
import dev.statesync.persistence.StorageBackend;
import dev.statesync.persistence.StorageBackendContract;
import dev.statesync.persistence.WriteMode;
import java.time.Duration;
import java.util.Optional;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;

class MemoryStorageBackendTest extends StorageBackendContract {
  @Override
  protected StorageBackend create() {
    return MemoryStorageBackend.builder().build();
  }

  @Override
  protected void putRaw(StorageBackend backend, String key, byte[] bytes) {
    ((MemoryStorageBackend) backend).putRaw(key, bytes);
  }

  private static byte[] record(String key, int payloadSize) {
    RecordHeader h = new RecordHeader(key, key, dev.statesync.core.Revision.of(1),
        Optional.empty(), 1, 0, OptionalLong.empty(), "json", "none", 0, Optional.empty());
    return RecordFormat.encode(h, new byte[payloadSize], dev.statesync.persistence.Compression.NONE);
  }

  @Test
  void maximumEntriesEvictsAndBothBoundsAreExclusive() {
    MemoryStorageBackend b = MemoryStorageBackend.builder().maximumEntries(2).build();
    for (String k : new String[] {"a", "b", "c"}) {
      join(b.write(k, record(k, 1), WriteMode.MONOTONIC));
    }
    assertEquals(2, join(b.keys()).size());
    MemoryStorageBackend bytes = MemoryStorageBackend.builder().maximumBytes(1000).build();
    for (String k : new String[] {"a", "b", "c", "d"}) {
      join(bytes.write(k, record(k, 300), WriteMode.MONOTONIC));
    }
    long total = join(bytes.keys()).stream()
        .mapToLong(k -> bytes.rawBytes(k).orElseThrow().length).sum();
    assertTrue(total <= 1000, "total weight " + total);
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> MemoryStorageBackend.builder().maximumEntries(1).maximumBytes(1).build());
    assertTrue(e.getMessage().contains("maximumEntries"));
  }

  @Test
  void expireAfterWriteFollowsTheInjectedClock() {
    VirtualTime time = new VirtualTime();
    MemoryStorageBackend b = MemoryStorageBackend.builder().timeSource(time)
        .expireAfterWrite(Duration.ofSeconds(1)).build();
    join(b.write("k", record("k", 1), WriteMode.MONOTONIC));
    time.advanceMs(999);
    assertTrue(join(b.read("k")).isPresent());
    time.advanceMs(2);
    assertTrue(join(b.read("k")).isEmpty());
  }

  @Test
  void injectedFailuresFailTheStageAndChangeNothing() {
    MemoryStorageBackend b = MemoryStorageBackend.builder().build();
    b.failNextWrites(1, () -> new IllegalStateException("disk full"));
    assertThrows(Exception.class,
        () -> join(b.write("k", record("k", 1), WriteMode.MONOTONIC)));
    assertTrue(b.rawBytes("k").isEmpty());
    join(b.write("k", record("k", 1), WriteMode.MONOTONIC));
    assertEquals(1, b.writeHistory("k").size());
    b.failReads(() -> new IllegalStateException("io"));
    assertThrows(Exception.class, () -> join(b.read("k")));
    b.clearFailures();
    assertTrue(join(b.read("k")).isPresent());
  }
}
