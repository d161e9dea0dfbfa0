package dev.statesync.persistence;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardWatchEventKinds;
import java.nio.file.WatchService;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The launcher itself: what a test reads back from a killed child is everything it printed. */
class ChildJvmTest {
  private static final int LINES = 3000; // about 33 KB: fits in a 64 KB pipe without blocking

  @TempDir
  Path temp;

  /**
   * Prints {@code line <i>} for i = 1..{@value #LINES}, creates the file {@code args[0]}, then
   * waits on stdin.
   */
  public static final class Printer {
    private Printer() {}

    public static void main(String[] args) throws IOException {
      for (int i = 1; i <= LINES; i++) {
        System.out.println(String.format("line %05d", i));
      }
      System.out.flush();
      Files.writeString(Path.of(args[0]), "printed", StandardCharsets.UTF_8);
      System.in.read();
    }
  }

  @Test
  @DisplayName("kill() returns every line the child printed before the kill, even lines still "
      + "in the pipe")
  void killReturnsLinesStillInThePipe() throws Exception {
    Path marker = temp.resolve("printed");
    ChildJvm child = ChildJvm.start("printer", Printer.class, marker.toString());
    try {
      // Holding the launcher's monitor stalls its reader thread at its first line, so the rest
      // is still in the pipe when the kill lands; the kill's wait releases the monitor.
      synchronized (child) {
        awaitFile(marker);
        List<String> lines = child.kill();
        List<String> printed = lines.stream().filter(l -> l.startsWith("line ")).toList();
        assertEquals(LINES, printed.size(), "lines read back after kill -9; last: "
            + (printed.isEmpty() ? "none" : printed.get(printed.size() - 1)));
        assertEquals(String.format("line %05d", LINES), printed.get(LINES - 1));
      }
    } finally {
      child.close();
    }
  }

  /** Waits for {@code file} to appear, within {@link ChildJvm#WAIT}. */
  private static void awaitFile(Path file) throws IOException, InterruptedException {
    long deadline = System.nanoTime() + ChildJvm.WAIT.toNanos();
    try (WatchService watch = FileSystems.getDefault().newWatchService()) {
      file.getParent().register(watch, StandardWatchEventKinds.ENTRY_CREATE);
      while (!Files.exists(file)) {
        long left = deadline - System.nanoTime();
        assertTrue(left > 0, "the child did not create " + file + " within " + ChildJvm.WAIT);
        var key = watch.poll(left, TimeUnit.NANOSECONDS);
        if (key != null) {
          key.pollEvents();
          key.reset();
        }
      }
    }
  }
}
