package dev.statesync.core.engine;

import dev.statesync.core.logging.Logger;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** A thread-safe logger that keeps every entry, with debug enabled. */
final class RecordingLogger implements Logger {
  record Entry(String level, String message, Map<String, Object> extra) {}

  private final List<Entry> entries = new ArrayList<>();

  @Override
  public void debug(String message, Map<String, ?> extra) {
    add("debug", message, extra);
  }

  @Override
  public void warn(String message, Map<String, ?> extra) {
    add("warn", message, extra);
  }

  @Override
  public void error(String message, Map<String, ?> extra) {
    add("error", message, extra);
  }

  private synchronized void add(String level, String message, Map<String, ?> extra) {
    entries.add(new Entry(level, message, new LinkedHashMap<>(extra)));
  }

  synchronized List<Entry> entries() {
    return List.copyOf(entries);
  }

  synchronized List<Entry> withMessage(String message) {
    return entries.stream().filter(e -> e.message().equals(message)).toList();
  }

  synchronized long count(String level, String message) {
    return entries.stream()
        .filter(e -> e.level().equals(level) && e.message().equals(message))
        .count();
  }
}
