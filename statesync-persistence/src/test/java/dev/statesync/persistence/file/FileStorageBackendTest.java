package dev.statesync.persistence.file;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.statesync.core.Epoch;
import dev.statesync.core.Revision;
import dev.statesync.persistence.Compression;
import dev.statesync.persistence.CorruptRecordException;
import dev.statesync.persistence.Limits;
import dev.statesync.persistence.RecordFormat;
import dev.statesync.persistence.RecordHeader;
import dev.statesync.persistence.RecordTooLargeException;
import dev.statesync.persistence.StorageBackend;
import dev.statesync.persistence.StorageBackendContract;
import dev.statesync.persistence.WriteMode;
import dev.statesync.persistence.WriteStatus;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.CompletionException;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FileStorageBackendTest extends StorageBackendContract {
  @TempDir
  Path temp;

  private int dirs;

  @Override
  protected StorageBackend create() {
    return FileStorageBackend.builder(temp.resolve("store" + dirs++)).build();
  }

  @Override
  protected void putRaw(StorageBackend backend, String key, byte[] bytes) throws IOException {
    Files.write(((FileStorageBackend) backend).dataFile(key), bytes);
  }

  static byte[] record(String key, long revision, String epoch, int payloadSize) {
    RecordHeader h = new RecordHeader(key, "topic", Revision.of(revision),
        Optional.ofNullable(epoch).map(Epoch::of), 1, 0, OptionalLong.empty(), "json", "none", 0,
        Optional.empty());
    return RecordFormat.encode(h, new byte[payloadSize], Compression.NONE);
  }

  private static List<String> names(Path dir) throws IOException {
    try (Stream<Path> s = Files.list(dir)) {
      return s.map(p -> p.getFileName().toString()).sorted().collect(Collectors.toList());
    }
  }

  @Test
  void dataFileIs0600AndCreatedDirectoryIs0700() throws Exception {
    Path dir = temp.resolve("fresh/nested");
    FileStorageBackend b = FileStorageBackend.builder(dir).build();
    byte[] rec = record("settings", 1, null, 10);
    join(b.write("settings", rec, WriteMode.MONOTONIC));
    assertArrayEquals(rec, join(b.read("settings")).orElseThrow());
    assertEquals("rw-------",
        PosixFilePermissions.toString(Files.getPosixFilePermissions(b.dataFile("settings"))));
    assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(dir)));
  }

  @Test
  void hostileKeysStayInsideTheDirectoryAndCaseMatters() throws Exception {
    Path dir = temp.resolve("keys");
    FileStorageBackend b = FileStorageBackend.builder(dir).build();
    for (String key : new String[] {"a/../b", "Ключ", "..x", "Settings", "settings"}) {
      join(b.write(key, record(key, 1, null, 1), WriteMode.MONOTONIC));
      assertEquals(dir, b.dataFile(key).getParent());
      assertFalse(b.dataFile(key).getFileName().toString().startsWith("."));
    }
    assertNotEquals(b.dataFile("Settings"), b.dataFile("settings"));
    assertEquals(5, names(dir).stream().filter(n -> n.endsWith(".ssrec")).count());
    try (Stream<Path> all = Files.walk(temp)) {
      assertTrue(all.filter(Files::isRegularFile).allMatch(p -> p.startsWith(dir)));
    }
  }

  @Test
  void epochChangeReplacesAndOlderRevisionIsSkipped() {
    FileStorageBackend b = FileStorageBackend.builder(temp.resolve("m")).build();
    join(b.write("k", record("k", 5, "A", 1), WriteMode.MONOTONIC));
    assertEquals(WriteStatus.SKIPPED_NOT_NEWER,
        join(b.write("k", record("k", 3, "A", 1), WriteMode.MONOTONIC)).status());
    assertEquals(WriteStatus.WRITTEN,
        join(b.write("k", record("k", 1, "B", 1), WriteMode.MONOTONIC)).status());
  }

  @Test
  void strayTempFileIsDeletedOnlyByAWriteOfItsKey() throws Exception {
    FileStorageBackend b = FileStorageBackend.builder(temp.resolve("t")).build();
    String base = b.dataFile("k").getFileName().toString().replace(".ssrec", "");
    Path stray = b.directory().resolve(base + ".x.tmp");
    Files.write(stray, new byte[] {1});
    join(b.write("other", record("other", 1, null, 1), WriteMode.MONOTONIC));
    assertTrue(Files.exists(stray));
    join(b.write("k", record("k", 1, null, 1), WriteMode.MONOTONIC));
    assertFalse(Files.exists(stray));
  }

  @Test
  void symbolicLinkIsNotARegularFile() throws Exception {
    FileStorageBackend b = FileStorageBackend.builder(temp.resolve("l")).build();
    Path target = temp.resolve("elsewhere.bin");
    Files.write(target, record("k", 1, null, 1));
    Files.createSymbolicLink(b.dataFile("k"), target);
    CompletionException e = assertThrows(CompletionException.class, () -> join(b.read("k")));
    assertEquals(CorruptRecordException.Reason.NOT_REGULAR_FILE,
        ((CorruptRecordException) e.getCause()).reason());
  }

  @Test
  void tooLargeRecordFailsAndLeavesNoTempFile() throws Exception {
    FileStorageBackend b = FileStorageBackend.builder(temp.resolve("big"))
        .limits(new Limits(1000, 1000)).build();
    CompletionException e = assertThrows(CompletionException.class,
        () -> join(b.write("k", record("k", 1, null, 2000), WriteMode.MONOTONIC)));
    assertTrue(e.getCause() instanceof RecordTooLargeException);
    assertTrue(names(b.directory()).stream().noneMatch(n -> n.endsWith(".tmp")));
  }

  @Test
  @DisplayName("PA-23 a file system that rejects ATOMIC_MOVE fails the write, keeps the old file "
      + "and never falls back to a non-atomic move")
  void writeFailsWhenAtomicRenameIsUnsupportedAndNeverCopies() throws Exception {
    List<String> moves = new java.util.concurrent.CopyOnWriteArrayList<>();
    FileStorageBackend b = FileStorageBackend.builder(temp.resolve("noatomic"))
        .mover((source, target, options) -> {
          List<java.nio.file.CopyOption> opts = List.of(options);
          moves.add(opts.toString());
          if (opts.contains(java.nio.file.StandardCopyOption.ATOMIC_MOVE)) {
            throw new java.nio.file.AtomicMoveNotSupportedException(source.toString(),
                target.toString(), "shim: no atomic rename here");
          }
          Files.move(source, target, options); // a non-atomic fallback would land here
        }).build();
    byte[] old = record("k", 1, null, 8);
    Files.write(b.dataFile("k"), old);
    CompletionException e = assertThrows(CompletionException.class,
        () -> join(b.write("k", record("k", 2, null, 8), WriteMode.MONOTONIC)));
    Throwable cause = e.getCause();
    while (!(cause instanceof java.nio.file.AtomicMoveNotSupportedException)
        && cause.getCause() != null) {
      cause = cause.getCause();
    }
    assertTrue(cause instanceof java.nio.file.AtomicMoveNotSupportedException, e.toString());
    assertTrue(e.getMessage().contains("atomic rename"), e.getMessage());
    assertEquals(List.of("[ATOMIC_MOVE]"), moves, "exactly one move, and it was atomic");
    assertArrayEquals(old, Files.readAllBytes(b.dataFile("k")));
    assertTrue(names(b.directory()).stream().noneMatch(n -> n.endsWith(".tmp")),
        "the temp file is removed");
  }

  @Test
  void twoInstancesOnOneDirectoryInterleaveMonotonically() {
    Path dir = temp.resolve("shared");
    FileStorageBackend a = FileStorageBackend.builder(dir).build();
    FileStorageBackend c = FileStorageBackend.builder(dir).build();
    for (int i = 1; i <= 50; i++) {
      FileStorageBackend w = i % 2 == 0 ? a : c;
      int rev = i % 3 == 0 ? i - 2 : i;
      join(w.write("k", record("k", rev, null, 1), WriteMode.MONOTONIC));
    }
    byte[] stored = join(a.read("k")).orElseThrow();
    assertEquals(Revision.of(50), RecordFormat.readHeader(stored, "k").revision());
  }

  @Test
  void keysSkipsACorruptFileAndQuarantineRenamesIt() throws Exception {
    FileStorageBackend b = FileStorageBackend.builder(temp.resolve("q")).build();
    join(b.write("good", record("good", 1, null, 1), WriteMode.MONOTONIC));
    byte[] bad = {1, 2, 3};
    Files.write(b.dataFile("bad"), bad);
    assertEquals(java.util.Set.of("good"), join(b.keys()));
    assertTrue(join(b.quarantine("bad", bad)));
    assertFalse(Files.exists(b.dataFile("bad")));
    assertTrue(names(b.directory()).stream().anyMatch(n -> n.contains(".corrupt-")));
  }
}
