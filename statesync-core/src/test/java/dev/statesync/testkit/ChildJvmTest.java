package dev.statesync.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardWatchEventKinds;
import java.nio.file.WatchService;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The launcher itself, with real child JVMs: what a test reads back from a killed child is
 * everything it printed; commands get their own answers; a bad option or a missing line is a
 * clear error.
 */
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

  /**
   * Prints {@code ready}, then answers each stdin line {@code c} with an event line
   * {@code event c} and the answer {@code ok C} (upper case; a bare {@code ok} for an empty
   * line); {@code exit <n>} exits with status n. Quits when stdin ends.
   */
  public static final class Answerer {
    private Answerer() {}

    public static void main(String[] args) throws IOException {
      System.out.println("ready");
      System.out.flush();
      BufferedReader in = new BufferedReader(new InputStreamReader(System.in,
          StandardCharsets.UTF_8));
      for (String line = in.readLine(); line != null; line = in.readLine()) {
        if (line.startsWith("exit ")) {
          System.out.flush();
          System.exit(Integer.parseInt(line.substring(5)));
        }
        System.out.println("event " + line);
        System.out.println(line.isEmpty() ? "ok" : "ok " + line.toUpperCase());
        System.out.flush();
      }
    }
  }

  @Test
  void askReturnsEachCommandsOwnAnswerAndAwaitsSeeTheLinesAfterTheExit() {
    ChildJvm child = ChildJvm.builder("answerer", Answerer.class).readyLine("ready").start();
    try {
      assertEquals("A", child.ask("a"));
      assertEquals("", child.ask(""));
      assertEquals("B C", child.ask("b c"));
      assertEquals("event b c", child.awaitNth(l -> l.startsWith("event "), 3, "third event"));
      child.send("exit 3");
      assertEquals(3, child.awaitExit());
      assertEquals(List.of("ready", "event a", "ok A", "event ", "ok", "event b c", "ok B C"),
          child.lines());
      AssertionError missing = assertThrows(AssertionError.class,
          () -> child.await("never"::equals, "a line that never comes"));
      assertTrue(missing.getMessage().contains("output ended waiting for a line that never "
          + "comes"), missing.getMessage());
      assertThrows(IllegalArgumentException.class, () -> child.awaitNth(l -> true, 0, "none"));
    } finally {
      child.close();
    }
    AssertionError closed = assertThrows(AssertionError.class, () -> child.send("late"));
    assertTrue(closed.getMessage().contains("cannot write 'late'"), closed.getMessage());
  }

  @Test
  void closeEndsAProgramThatQuitsWhenItsStdinEnds() {
    ChildJvm child = ChildJvm.builder("quitter", Answerer.class).readyLine("ready").start();
    child.close();
    assertTrue(!child.isAlive(), "the program still runs after close()");
    assertEquals(0, child.awaitExit(), "it quit by itself, not by a kill");
  }

  @Test
  void builderRejectsBadOptionsNamingThem() {
    assertRejected("jvmOption", ChildJvm.builder("x", Answerer.class).jvmOption("Xmx64m"));
    assertRejected("closeGrace",
        ChildJvm.builder("x", Answerer.class).closeGrace(Duration.ofSeconds(-1)));
    assertRejected("name", ChildJvm.builder(" ", Answerer.class));
    assertRejected("main", ChildJvm.builder("x", null));
    assertRejected("args", ChildJvm.builder("x", Answerer.class).args("a", null));
  }

  private static void assertRejected(String option, ChildJvm.Builder builder) {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, builder::start);
    assertTrue(e.getMessage().startsWith(option + " "), e.getMessage());
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
