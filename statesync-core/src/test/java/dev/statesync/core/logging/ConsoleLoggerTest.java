package dev.statesync.core.logging;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

class ConsoleLoggerTest {
  private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
  private final PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8);

  private Logger console(boolean debug) {
    return Loggers.createConsoleLogger(
        ConsoleLoggerOptions.builder().debug(debug).out(out).build());
  }

  private List<String> lines() {
    return bytes.toString(StandardCharsets.UTF_8).lines().collect(Collectors.toList());
  }

  @Test
  void taggedDebugLinesHaveTheExactFormat() {
    Logger logger = Loggers.tagLogger(console(true), Map.of("windowId", "main"));
    logger.debug("subscribed");
    logger.debug("snapshot applied", Map.of("revision", 5));
    assertEquals(
        List.of("[debug] [windowId=main] subscribed",
            "[debug] [windowId=main] snapshot applied {revision=5}"),
        lines());
  }

  @Test
  void prefixFollowsTheLevelAndFieldsKeepMapOrder() {
    Logger logger = Loggers.createConsoleLogger(
        ConsoleLoggerOptions.builder().prefix("[statesync]").out(out).build());
    Map<String, Object> extra = new LinkedHashMap<>();
    extra.put("phase", "apply");
    extra.put("error", new IllegalStateException("boom"));
    extra.put("attempt", null);
    logger.error("apply error", extra);
    logger.warn("close timed out");
    assertEquals(
        List.of("[error] [statesync] apply error {phase=apply, "
                + "error=java.lang.IllegalStateException: boom, attempt=null}",
            "[warn] [statesync] close timed out"),
        lines());
  }

  @Test
  void debugOffDropsDebugButKeepsWarnAndError() {
    Logger logger = console(false);
    assertFalse(logger.isDebugEnabled());
    logger.debug("subscribed");
    logger.warn("listener threw", Map.of("error", "x"));
    logger.error("onError callback threw");
    assertEquals(
        List.of("[warn] listener threw {error=x}", "[error] onError callback threw"), lines());
  }

  @Test
  void lineBreaksInMessageAndValuesAreEscapedSoAnEntryStaysOneLine() {
    Logger logger = console(true);
    logger.warn("two\nlines\r\nhere", Map.of("v", "a\rb"));
    assertEquals(List.of("[warn] two\\nlines\\n\\nhere {v=a\\nb}"), lines());
  }

  @Test
  void entryKeyOverridingATagIsRenderedInBraces() {
    Logger logger = Loggers.tagLogger(console(true), Map.of("windowId", "main"));
    logger.debug("started", Map.of("windowId", "other"));
    assertEquals(List.of("[debug] started {windowId=other}"), lines());
  }

  @Test
  void nestedTagsRenderInnerFirstAndOuterOverrides() {
    Map<String, Object> outerTags = new LinkedHashMap<>();
    outerTags.put("b", 2);
    outerTags.put("c", "outer");
    Map<String, Object> innerTags = new LinkedHashMap<>();
    innerTags.put("a", 1);
    innerTags.put("c", "inner");
    Logger logger = Loggers.tagLogger(Loggers.tagLogger(console(true), innerTags), outerTags);
    logger.debug("subscribed", Map.of("k", "v"));
    assertEquals(List.of("[debug] [a=1] [c=outer] [b=2] subscribed {k=v}"), lines());

    Logger simple = Loggers.tagLogger(Loggers.tagLogger(console(true), Map.of("a", 1)),
        Map.of("b", 2));
    bytes.reset();
    simple.debug("stopped");
    assertEquals(List.of("[debug] [a=1] [b=2] stopped"), lines());
  }

  @Test
  void tagLoggerPassesUnmodifiableTaggedFieldsWithTagsFirst() {
    TaggedFields[] seen = new TaggedFields[1];
    Logger sink = new Logger() {
      @Override
      public void debug(String message, Map<String, ?> extra) {
        seen[0] = (TaggedFields) extra;
      }

      @Override
      public void warn(String message, Map<String, ?> extra) {}

      @Override
      public void error(String message, Map<String, ?> extra) {}

      @Override
      public boolean isDebugEnabled() {
        return false;
      }
    };
    Logger tagged = Loggers.tagLogger(sink, Map.of("windowId", "main"));
    assertFalse(tagged.isDebugEnabled());
    Map<String, Object> extra = new LinkedHashMap<>();
    extra.put("revision", 5);
    extra.put("epoch", "e");
    tagged.debug("snapshot applied", extra);

    assertEquals(List.of("windowId", "revision", "epoch"), List.copyOf(seen[0].keySet()));
    assertEquals(Set.of("windowId"), seen[0].tagKeys());
    assertEquals(5, seen[0].get("revision"));
    assertThrows(UnsupportedOperationException.class, () -> seen[0].put("x", 1));
    assertThrows(UnsupportedOperationException.class, () -> seen[0].tagKeys().clear());
  }

  @Test
  void noopLoggerReportsDebugDisabledAndAcceptsEntries() {
    Logger noop = Loggers.noopLogger();
    assertFalse(noop.isDebugEnabled());
    noop.error("apply error", Map.of("error", new RuntimeException()));
    assertTrue(lines().isEmpty());
  }

  @Test
  void defaultOptionsWriteWarningsToSystemErrWithoutDebug() {
    PrintStream original = System.err;
    System.setErr(out);
    try {
      ConsoleLoggerOptions defaults = ConsoleLoggerOptions.defaults();
      assertFalse(defaults.debug());
      assertEquals("", defaults.prefix());
      Logger logger = Loggers.createConsoleLogger();
      logger.debug("subscribed");
      logger.warn("close timed out");
    } finally {
      System.setErr(original);
    }
    assertEquals(List.of("[warn] close timed out"), lines());
  }

  @Test
  void concurrentEntriesNeverInterleaveWithinALine() throws Exception {
    Logger logger = console(true);
    int threads = 8;
    int perThread = 200;
    CountDownLatch start = new CountDownLatch(1);
    Thread[] workers = new Thread[threads];
    for (int t = 0; t < threads; t++) {
      int id = t;
      workers[t] = new Thread(() -> {
        try {
          start.await();
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          return;
        }
        for (int i = 0; i < perThread; i++) {
          logger.debug("entry", Map.of("thread", id, "i", i));
        }
      });
      workers[t].start();
    }
    start.countDown();
    for (Thread w : workers) {
      w.join();
    }
    List<String> lines = lines();
    assertEquals(threads * perThread, lines.size());
    for (String line : lines) {
      assertTrue(line.matches("\\[debug] entry \\{(thread=\\d+, i=\\d+|i=\\d+, thread=\\d+)}"),
          line);
    }
  }

  @Test
  void nullArgumentsAreRejected() {
    assertThrows(NullPointerException.class, () -> Loggers.tagLogger(null, Map.of()));
    assertThrows(NullPointerException.class, () -> Loggers.tagLogger(console(true), null));
    assertThrows(NullPointerException.class, () -> Loggers.createConsoleLogger(null));
    assertThrows(NullPointerException.class, () -> ConsoleLoggerOptions.builder().prefix(null));
    assertThrows(NullPointerException.class, () -> ConsoleLoggerOptions.builder().out(null));
  }
}
