package dev.statesync.core.logging;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * Factories for the bundled {@link Logger}s: a no-op logger, a console logger, and a decorator
 * that adds tags to every entry. Every logger returned is thread-safe. See {@link Slf4jLogger}
 * for the SLF4J adapter.
 */
public final class Loggers {
  private static final Logger NOOP =
      new Logger() {
        @Override
        public void debug(String message, Map<String, ?> extra) {}

        @Override
        public void warn(String message, Map<String, ?> extra) {}

        @Override
        public void error(String message, Map<String, ?> extra) {}

        @Override
        public boolean isDebugEnabled() {
          return false;
        }

        @Override
        public String toString() {
          return "Loggers.noopLogger()";
        }
      };

  private Loggers() {}

  /** Returns a logger that discards every entry; its {@link Logger#isDebugEnabled()} is false. */
  public static Logger noopLogger() {
    return NOOP;
  }

  /**
   * Returns a logger that merges {@code tags} into every entry's extra fields and passes the
   * entry to {@code base} as a {@link TaggedFields}: tags first, and where a key is in both the
   * entry's value wins. Nested tag loggers put the inner tags first and let the outer tags
   * override them. The tags are copied, in their iteration order; null values are allowed.
   * {@link Logger#isDebugEnabled()} delegates to {@code base}.
   *
   * @throws NullPointerException if {@code base}, {@code tags} or a tag key is null
   */
  public static Logger tagLogger(Logger base, Map<String, ?> tags) {
    Objects.requireNonNull(base, "base");
    Objects.requireNonNull(tags, "tags");
    Map<String, Object> copy = new LinkedHashMap<>();
    tags.forEach((k, v) -> copy.put(Objects.requireNonNull(k, "tag key"), v));
    return new TagLogger(base, Collections.unmodifiableMap(copy));
  }

  /** Returns a console logger with the {@link ConsoleLoggerOptions#defaults() defaults}. */
  public static Logger createConsoleLogger() {
    return createConsoleLogger(ConsoleLoggerOptions.defaults());
  }

  /**
   * Returns a logger that writes each entry as exactly one line,
   * {@code [level] prefix [tag=value]... message {key=value, ...}}: the prefix is omitted when
   * empty, tags (see {@link #tagLogger}) come before the message, the other fields follow it in
   * map order in braces (omitted when there are none). Values are rendered with
   * {@link String#valueOf(Object)}; every CR or LF is written as the two characters {@code \n}.
   * Each entry is one {@code println}, synchronized on the stream. Debug entries are dropped
   * unless {@link ConsoleLoggerOptions#debug()} is set. A null extra map is treated as empty.
   *
   * @throws NullPointerException if {@code options} is null
   */
  public static Logger createConsoleLogger(ConsoleLoggerOptions options) {
    Objects.requireNonNull(options, "options");
    return new ConsoleLogger(options);
  }
}
