package dev.statesync.core.logging;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;
import org.slf4j.event.KeyValuePair;
import org.slf4j.event.Level;
import org.slf4j.event.LoggingEvent;

class Slf4jLoggerTest {
  private final Logger logger = Slf4jLogger.of(LoggerFactory.getLogger("statesync.test"));

  @BeforeEach
  @AfterEach
  void reset() {
    RecordingSlf4jProvider.EVENTS.clear();
    RecordingSlf4jProvider.debugEnabled = true;
  }

  @Test
  void extraEntriesArriveAsKeyValuePairsInOrder() {
    Map<String, Object> extra = new LinkedHashMap<>();
    extra.put("revision", "5");
    extra.put("epoch", "e1");
    extra.put("origin", null);
    logger.debug("snapshot applied", extra);

    LoggingEvent event = single();
    assertEquals(Level.DEBUG, event.getLevel());
    assertEquals("snapshot applied", event.getMessage());
    assertEquals(List.of("revision=5", "epoch=e1", "origin=null"), pairs(event));
    assertNull(event.getThrowable());
  }

  @Test
  void throwableUnderErrorArrivesAsTheCause() {
    IllegalStateException failure = new IllegalStateException("boom");
    Map<String, Object> extra = new LinkedHashMap<>();
    extra.put("phase", "apply");
    extra.put("error", failure);
    logger.error("apply error", extra);

    LoggingEvent event = single();
    assertEquals(Level.ERROR, event.getLevel());
    assertSame(failure, event.getThrowable());
    assertEquals(List.of("phase=apply"), pairs(event));
  }

  @Test
  void nonThrowableErrorAndThrowableUnderOtherKeysStayKeyValuePairs() {
    Map<String, Object> extra = new LinkedHashMap<>();
    extra.put("error", "a string");
    extra.put("cause", new RuntimeException("x"));
    logger.warn("listener threw", extra);

    LoggingEvent event = single();
    assertEquals(Level.WARN, event.getLevel());
    assertNull(event.getThrowable());
    assertEquals(List.of("error=a string", "cause=java.lang.RuntimeException: x"), pairs(event));
  }

  @Test
  void isDebugEnabledDelegatesAndDisabledDebugRecordsNothing() {
    assertTrue(logger.isDebugEnabled());
    RecordingSlf4jProvider.debugEnabled = false;
    assertFalse(logger.isDebugEnabled());
    logger.debug("subscribed");
    assertTrue(RecordingSlf4jProvider.EVENTS.isEmpty());
  }

  @Test
  void taggedFieldsArriveAsPlainPairs() {
    Logger tagged = Loggers.tagLogger(logger, Map.of("windowId", "main"));
    tagged.warn("close timed out");
    assertEquals(List.of("windowId=main"), pairs(single()));
  }

  @Test
  void nullDelegateIsRejected() {
    NullPointerException e = assertThrows(NullPointerException.class, () -> Slf4jLogger.of(null));
    assertEquals("delegate", e.getMessage());
  }

  private static LoggingEvent single() {
    assertEquals(1, RecordingSlf4jProvider.EVENTS.size());
    return RecordingSlf4jProvider.EVENTS.get(0);
  }

  private static List<String> pairs(LoggingEvent event) {
    List<KeyValuePair> kvs =
        event.getKeyValuePairs() == null ? List.of() : event.getKeyValuePairs();
    return kvs.stream().map(kv -> kv.key + "=" + kv.value).collect(Collectors.toList());
  }
}
