package dev.statesync.persistence.file;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.statesync.persistence.LockTimeoutException;
import dev.statesync.persistence.RecordFormat;
import dev.statesync.persistence.WriteMode;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Real child JVMs: kill -9 mid-write, concurrent writers, a lock held by another process. */
class MultiProcessFileTest {
  @TempDir
  Path temp;

  static Process spawn(String... args) throws IOException {
    return spawn(WriterChild.class, args);
  }

  /** Starts {@code main} in a child JVM on this test class path; stderr goes to ours. */
  static Process spawn(Class<?> main, String... args) throws IOException {
    List<String> cmd = new ArrayList<>(List.of(
        Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-XX:TieredStopAtLevel=1", "-Xshare:auto", "-cp",
        System.getProperty("java.class.path"), main.getName()));
    cmd.addAll(List.of(args));
    return new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.INHERIT).start();
  }

  private static long revisionIn(FileStorageBackend b, String key) {
    Optional<byte[]> bytes = b.read(key).toCompletableFuture().join();
    return bytes.map(r -> RecordFormat.decode(r, key, dev.statesync.persistence.Limits.defaults())
        .header().revision().unsignedBits()).orElse(0L);
  }

  private void killLoop(boolean fsync, int rounds) throws Exception {
    Path dir = temp.resolve("crash-" + fsync);
    FileStorageBackend reader = FileStorageBackend.builder(dir).build();
    SplittableRandom random = new SplittableRandom(42);
    long next = 1;
    for (int round = 0; round < rounds; round++) {
      Process p = spawn("loop", dir.toString(), "k", Boolean.toString(fsync),
          Long.toString(next));
      AtomicLong lastAck = new AtomicLong();
      BufferedReader out = new BufferedReader(
          new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
      // Wait (bounded by the reader's blocking readLine and the child's liveness) for the first
      // acknowledgements, then kill at a random number of further acks.
      int extra = random.nextInt(1, 30);
      String line;
      int seen = 0;
      while ((line = out.readLine()) != null) {
        lastAck.set(Long.parseLong(line.substring(4)));
        if (++seen >= extra) {
          break;
        }
      }
      p.destroyForcibly();
      assertTrue(p.waitFor(30, TimeUnit.SECONDS), "child did not die");
      // Acks printed but not yet read were completed writes too; checking against the last
      // one read is the conservative bound (destroyForcibly closes the pipe).
      long stored = revisionIn(reader, "k"); // decodes cleanly, or the test fails here
      assertTrue(stored >= lastAck.get(), "stored r" + stored + " < acknowledged r"
          + lastAck.get() + " in round " + round);
      next = stored + 1;
    }
  }

  @Test
  void killDashNineMidWriteNeverTearsOrRegressesTheFile() throws Exception {
    killLoop(true, 12);
  }

  @Test
  void killDashNineWithFsyncOffStillNeverTearsTheFile() throws Exception {
    killLoop(false, 6);
  }

  @Test
  void concurrentWriterProcessesNeverRegressAndEndAtTheMaximum() throws Exception {
    Path dir = temp.resolve("concurrent");
    FileStorageBackend reader = FileStorageBackend.builder(dir).build();
    List<Process> writers = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      writers.add(spawn("random", dir.toString(), "k", "150", Integer.toString(i)));
    }
    long lastPolled = 0;
    int polls = 0;
    while (writers.stream().anyMatch(Process::isAlive) || polls < 50) {
      long r = revisionIn(reader, "k");
      assertTrue(r >= lastPolled, "polled revision went back from " + lastPolled + " to " + r);
      lastPolled = r;
      polls++;
      Thread.onSpinWait();
    }
    long max = 0;
    for (Process p : writers) {
      assertTrue(p.waitFor(60, TimeUnit.SECONDS));
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
      assertTrue(out.startsWith("max "), out);
      max = Math.max(max, Long.parseLong(out.substring(4)));
    }
    assertEquals(max, revisionIn(reader, "k"));
  }

  @Test
  void lockHeldByAnotherProcessTimesOutAndLeavesTheFileUnchanged() throws Exception {
    Path dir = temp.resolve("held");
    FileStorageBackend b = FileStorageBackend.builder(dir).lockTimeout(Duration.ofSeconds(1))
        .build();
    b.write("k", FileStorageBackendTest.record("k", 1, null, 1), WriteMode.MONOTONIC)
        .toCompletableFuture().join();
    Process holder = spawn("hold", dir.toString(), "k");
    try {
      BufferedReader out = new BufferedReader(
          new InputStreamReader(holder.getInputStream(), StandardCharsets.UTF_8));
      assertEquals("locked", out.readLine());
      CompletionException e = org.junit.jupiter.api.Assertions.assertThrows(
          CompletionException.class, () -> b.write("k",
              FileStorageBackendTest.record("k", 2, null, 1), WriteMode.MONOTONIC)
              .toCompletableFuture().join());
      assertTrue(e.getCause() instanceof LockTimeoutException, String.valueOf(e.getCause()));
      assertEquals(1, revisionIn(b, "k"));
    } finally {
      holder.destroyForcibly();
      holder.waitFor(30, TimeUnit.SECONDS);
    }
  }
}
