package dev.statesync.core.apply;

import dev.statesync.core.logging.Logger;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

/** Keeps every warning, so tests can assert what was reported. */
final class RecordingLogger implements Logger {
  record Entry(String message, Map<String, ?> extra) {}

  final List<Entry> warnings = new CopyOnWriteArrayList<>();

  @Override
  public void debug(String message, Map<String, ?> extra) {}

  @Override
  public void warn(String message, Map<String, ?> extra) {
    warnings.add(new Entry(message, Map.copyOf(extra)));
  }

  @Override
  public void error(String message, Map<String, ?> extra) {}
}
