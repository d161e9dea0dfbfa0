package dev.statesync.persistence.file;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.statesync.persistence.Limits;
import dev.statesync.persistence.LockTimeoutException;
import dev.statesync.persistence.RecordFormat;
import dev.statesync.persistence.WriteMode;
import dev.statesync.testkit.ChildJvm;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.concurrent.CompletionException;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Real child JVMs: kill -9 mid-write, concurrent writers, a lock held by another process. */
class MultiProcessFileTest {
  @TempDir
  Path temp;

  private static long revisionIn(FileStorageBackend b, String key) {
    Optional<byte[]> bytes = b.read(key).toCompletableFuture().join();
    return bytes.map(r -> RecordFormat.decode(r, key, Limits.defaults()).header().revision()
        .unsignedBits()).orElse(0L);
  }

  private static ChildJvm loopWriter(Path dir, boolean fsync, int round) {
    ChildJvm child = ChildJvm.start("writer-" + round, WriterChild.class, "loop", dir.toString(),
        "k", Boolean.toString(fsync));
    return child;
  }

  private static long lastAck(List<String> lines) {
    return lines.stream().filter(l -> l.startsWith("ack ")).mapToLong(l -> Long.parseLong(
        l.substring(4))).max().orElse(0L);
  }

  /**
   * Kills a writing JVM {@code rounds} times at a random point. The next writer JVM boots while
   * the current one writes, so the loop costs little more than the writes themselves. Every ack
   * the child printed, even one read after the kill, is a completed write.
   */
  private void killLoop(boolean fsync, int rounds) throws Exception {
    Path dir = temp.resolve("crash-" + fsync);
    FileStorageBackend reader = FileStorageBackend.builder(dir).build();
    SplittableRandom random = new SplittableRandom(42);
    ChildJvm next = loopWriter(dir, fsync, 0);
    long acknowledged = 0;
    try {
      for (int round = 0; round < rounds; round++) {
        ChildJvm current = next;
        current.await("ready"::equals, "the writer to be ready");
        next = round + 1 < rounds ? loopWriter(dir, fsync, round + 1) : null;
        current.send("go");
        current.awaitNth(l -> l.startsWith("ack "), random.nextInt(1, 25), "acks");
        List<String> printed = current.kill();
        long ack = lastAck(printed);
        String context = " in round " + round + " (previous ack r" + acknowledged
            + "); the writer's last lines:\n"
            + String.join("\n", printed.subList(Math.max(0, printed.size() - 8), printed.size()));
        assertTrue(ack > acknowledged, "no progress: ack r" + ack + context);
        acknowledged = ack;
        long stored = revisionIn(reader, "k"); // decodes cleanly, or the test fails here
        assertTrue(stored >= ack, "stored r" + stored + " < acknowledged r" + ack + context);
        assertTrue(stored <= ack + 1, "stored r" + stored + " > acknowledged r" + ack
            + " + 1, a write no ack explains" + context);
      }
    } finally {
      if (next != null) {
        next.kill();
      }
    }
    try (Stream<Path> files = Files.list(dir)) {
      assertEquals(1, files.filter(f -> f.toString().endsWith(".ssrec")).count());
    }
  }

  @Test
  @DisplayName("PA-26 kill -9 of a writing JVM, 50 times: the file always decodes and never "
      + "falls below the last acknowledged revision")
  void killDashNineMidWriteNeverTearsOrRegressesTheFile() throws Exception {
    killLoop(true, 50);
  }

  @Test
  @DisplayName("PA-27 kill -9 with fsync off still never tears the file")
  void killDashNineWithFsyncOffStillNeverTearsTheFile() throws Exception {
    killLoop(false, 10);
  }

  @Test
  @DisplayName("PA-28 four writer JVMs and a polling reader: reads decode, never go back, end at "
      + "the global maximum")
  void concurrentWriterProcessesNeverRegressAndEndAtTheMaximum() throws Exception {
    Path dir = temp.resolve("concurrent");
    FileStorageBackend reader = FileStorageBackend.builder(dir).build();
    List<ChildJvm> writers = new ArrayList<>();
    try {
      for (int i = 0; i < 4; i++) {
        writers.add(ChildJvm.start("random-" + i, WriterChild.class, "random", dir.toString(),
            "k", "250", Integer.toString(i)));
      }
      long lastPolled = 0;
      int polls = 0;
      // At least 1000 reads, and reads for as long as any writer runs.
      while (polls < 1000 || writers.stream().anyMatch(ChildJvm::isAlive)) {
        long r = revisionIn(reader, "k");
        assertTrue(r >= lastPolled, "polled revision went back from " + lastPolled + " to " + r);
        lastPolled = r;
        polls++;
        Thread.onSpinWait();
      }
      long max = 0;
      for (ChildJvm w : writers) {
        String line = w.await(l -> l.startsWith("max "), "the writer's maximum");
        max = Math.max(max, Long.parseLong(line.substring(4)));
        assertEquals(0, w.awaitExit());
      }
      assertEquals(max, revisionIn(reader, "k"));
    } finally {
      for (ChildJvm w : writers) {
        w.close();
      }
    }
  }

  @Test
  @DisplayName("PA-22 a lock held by another process past lockTimeout: LockTimeoutException, "
      + "file unchanged")
  void lockHeldByAnotherProcessTimesOutAndLeavesTheFileUnchanged() throws Exception {
    Path dir = temp.resolve("held");
    FileStorageBackend b = FileStorageBackend.builder(dir).lockTimeout(Duration.ofSeconds(1))
        .build();
    b.write("k", FileStorageBackendTest.record("k", 1, null, 1), WriteMode.MONOTONIC)
        .toCompletableFuture().join();
    try (ChildJvm holder = ChildJvm.start("holder", WriterChild.class, "hold", dir.toString(),
        "k")) {
      holder.await("locked"::equals, "the child to hold the lock");
      CompletionException e = Assertions.assertThrows(CompletionException.class,
          () -> b.write("k", FileStorageBackendTest.record("k", 2, null, 1), WriteMode.MONOTONIC)
              .toCompletableFuture().join());
      assertTrue(e.getCause() instanceof LockTimeoutException, String.valueOf(e.getCause()));
      assertEquals(1, revisionIn(b, "k"));

      // Through an applier: a saveError and one SAVE error carry the LockTimeoutException.
      List<Throwable> saveErrors = new java.util.concurrent.CopyOnWriteArrayList<>();
      List<dev.statesync.persistence.PersistenceErrorContext> errors =
          new java.util.concurrent.CopyOnWriteArrayList<>();
      dev.statesync.persistence.PersistenceApplier<String> applier =
          dev.statesync.persistence.Persistence.createPersistenceApplier(
              dev.statesync.persistence.PersistenceOptions.<String>builder().storage(b).key("k")
                  .applier(dev.statesync.core.SnapshotApplier.of(s -> { }))
                  .dataType(String.class).onPersistenceError(errors::add).build());
      applier.addListener(new dev.statesync.persistence.PersistenceListener<>() {
        @Override
        public void onSaveError(dev.statesync.persistence.SaveInfo info, Throwable error) {
          saveErrors.add(error);
        }
      });
      applier.apply(dev.statesync.core.SnapshotEnvelope.of(dev.statesync.core.Revision.of(2),
          "two", dev.statesync.core.Epoch.of("e")), dev.statesync.core.ApplyContext.of("k",
          dev.statesync.core.ApplyOrigin.PROVIDER)).toCompletableFuture().join();
      CompletionException flushed = Assertions.assertThrows(CompletionException.class,
          () -> applier.flush().join());
      assertTrue(flushed.getCause() instanceof LockTimeoutException, flushed.toString());
      // The event is emitted before the write's future fails, and nothing else emits here.
      assertEquals(1, saveErrors.size());
      assertTrue(saveErrors.get(0) instanceof LockTimeoutException);
      assertEquals(dev.statesync.persistence.PersistenceOperation.SAVE,
          errors.get(0).operation());
      assertEquals(1, revisionIn(b, "k"), "the file is unchanged");
      applier.closeAsync(dev.statesync.persistence.CloseMode.DISCARD).join();
    }
  }
}
