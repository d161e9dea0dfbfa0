package dev.statesync.relay;

import dev.statesync.core.logging.Logger;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** A core {@link Logger} that keeps every entry as {@code "LEVEL message"}. */
final class RecordingLogger implements Logger {
  private final List<String> entries = new ArrayList<>();

  @Override
  public synchronized void debug(String message, Map<String, ?> extra) {
    entries.add("DEBUG " + message);
  }

  @Override
  public synchronized void warn(String message, Map<String, ?> extra) {
    entries.add("WARN " + message);
  }

  @Override
  public synchronized void error(String message, Map<String, ?> extra) {
    entries.add("ERROR " + message);
  }

  synchronized List<String> entries() {
    return new ArrayList<>(entries);
  }
}
