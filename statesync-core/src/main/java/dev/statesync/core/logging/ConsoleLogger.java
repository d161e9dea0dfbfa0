package dev.statesync.core.logging;

import java.io.PrintStream;
import java.util.Map;
import java.util.Set;

/**
 * Writes each entry as one line: {@code [level] prefix [tag=v] message {k=v, k=v}}. One
 * {@code println} per entry, synchronized on the stream, so concurrent entries never interleave.
 */
final class ConsoleLogger implements Logger {
  private final boolean debug;
  private final String prefix;
  private final PrintStream out;

  ConsoleLogger(ConsoleLoggerOptions options) {
    this.debug = options.debug();
    this.prefix = options.prefix();
    this.out = options.out();
  }

  @Override
  public void debug(String message, Map<String, ?> extra) {
    if (debug) {
      write("debug", message, extra);
    }
  }

  @Override
  public void warn(String message, Map<String, ?> extra) {
    write("warn", message, extra);
  }

  @Override
  public void error(String message, Map<String, ?> extra) {
    write("error", message, extra);
  }

  @Override
  public boolean isDebugEnabled() {
    return debug;
  }

  private void write(String level, String message, Map<String, ?> extra) {
    String line = format(level, prefix, message, extra);
    synchronized (out) {
      out.println(line);
    }
  }

  static String format(String level, String prefix, String message, Map<String, ?> extra) {
    StringBuilder sb = new StringBuilder(64).append('[').append(level).append(']');
    if (!prefix.isEmpty()) {
      sb.append(' ').append(prefix);
    }
    Map<String, ?> fields = extra != null ? extra : Map.of();
    Set<String> tagKeys =
        fields instanceof TaggedFields ? ((TaggedFields) fields).tagKeys() : Set.of();
    for (String key : tagKeys) {
      sb.append(" [").append(key).append('=').append(render(fields.get(key))).append(']');
    }
    sb.append(' ').append(message);
    boolean first = true;
    for (Map.Entry<String, ?> e : fields.entrySet()) {
      if (tagKeys.contains(e.getKey())) {
        continue;
      }
      sb.append(first ? " {" : ", ").append(e.getKey()).append('=').append(render(e.getValue()));
      first = false;
    }
    if (!first) {
      sb.append('}');
    }
    return escapeLineBreaks(sb);
  }

  private static String render(Object value) {
    // String.valueOf already calls Throwable.toString(); spelled out because the format says so.
    return value instanceof Throwable ? value.toString() : String.valueOf(value);
  }

  /** Keeps an entry on one line whatever its message or values hold. */
  private static String escapeLineBreaks(StringBuilder sb) {
    StringBuilder escaped = null;
    for (int i = 0; i < sb.length(); i++) {
      char c = sb.charAt(i);
      if (c == '\n' || c == '\r') {
        if (escaped == null) {
          escaped = new StringBuilder(sb.length() + 8).append(sb, 0, i);
        }
        escaped.append("\\n");
      } else if (escaped != null) {
        escaped.append(c);
      }
    }
    return escaped != null ? escaped.toString() : sb.toString();
  }
}
