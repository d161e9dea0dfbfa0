package dev.statesync.examples.demo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Runs the whole main demo: a backend here, three real window JVMs, a real kill -9. */
class MainDemoTest {
  @Test
  void everyWindowConvergesThroughTheWholeScenario() {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    boolean converged = MainDemo.run(new PrintStream(bytes, true, StandardCharsets.UTF_8));
    String out = bytes.toString(StandardCharsets.UTF_8);
    List<String> lines = out.lines().toList();

    assertTrue(converged, out);
    assertTrue(lines.contains("converged"), out);
    // The tagged console logger of each window process.
    assertTrue(out.contains("[debug] [windowId=settings] snapshot applied {revision=2, origin=OFFER}"),
        out);
    assertTrue(out.contains("[debug] [windowId=reader] snapshot applied {revision=2"), out);
    // The writer's echo costs no fetch.
    assertTrue(out.contains("and was dropped by sourceId: 0 fetches")
        || out.contains("and was dropped by the revision gate: 0 fetches"), out);
    // The stream reached the reader whole, a new leader took over, the restart read the disk.
    assertTrue(out.contains("'reader' holds the same text, status DONE"), out);
    assertTrue(lines.stream().anyMatch(l -> l.matches(
        "   killed 'main' \\(pid \\d+\\); '(settings|reader)' leads and holds a new SSE")), out);
    assertTrue(lines.stream().anyMatch(l -> l.matches(
        "   connection [0-9.]+ ms later \\(SSE streams opened in all: 2\\)")), out);
    assertTrue(out.contains("backend SSE streams: 1"), out);
    assertTrue(lines.stream().anyMatch(l -> l.matches(
        "   disk: revision 10\\d \\(dark/\\d+\\) shown \\d+ ms after JVM start")), out);
    for (String id : MainDemo.WINDOWS) {
      assertTrue(lines.stream().anyMatch(l -> l.startsWith(id + " ") && l.contains(" 103 ")),
          "table row of " + id + "\n" + out);
    }
    assertEquals(List.of(), lines.stream().filter(l -> l.length() > 80).toList(),
        "lines wider than 80 columns");
  }
}
