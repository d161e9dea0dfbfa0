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

  /**
   * Returns the default logger statesync's modules use for {@code name} when the application
   * gives none: the {@link Slf4jLogger} adapter over SLF4J's logger of that name when slf4j-api
   * and an SLF4J provider are on the class path, else a {@link #createConsoleLogger() console
   * logger} on {@code System.err} that drops debug entries. Without a provider SLF4J would
   * discard every entry, so warnings would vanish unseen. The class path is examined once per
   * JVM.
   *
   * @throws NullPointerException if {@code name} is null
   */
  public static Logger defaultLogger(String name) {
    Objects.requireNonNull(name, "name");
    return DefaultLoggers.SLF4J ? Slf4jTypes.create(name) : createConsoleLogger();
  }

  /** Looks at the class path once; touches SLF4J types only when slf4j-api is present. */
  private static final class DefaultLoggers {
    static final boolean SLF4J = slf4jWithProvider();

    private static boolean slf4jWithProvider() {
      ClassLoader loader = Loggers.class.getClassLoader();
      try {
        Class.forName("org.slf4j.LoggerFactory", false, loader);
      } catch (ClassNotFoundException | LinkageError e) {
        return false;
      }
      return Slf4jTypes.hasProvider(loader);
    }
  }

  /** Refers to SLF4J; loaded only once slf4j-api is known to be on the class path. */
  private static final class Slf4jTypes {
    /** Looks for a provider without initializing SLF4J, which would print its own warning. */
    static boolean hasProvider(ClassLoader loader) {
      try {
        return java.util.ServiceLoader.load(org.slf4j.spi.SLF4JServiceProvider.class, loader)
            .findFirst().isPresent();
      } catch (java.util.ServiceConfigurationError | LinkageError e) {
        return false;
      }
    }

    static Logger create(String name) {
      return Slf4jLogger.of(org.slf4j.LoggerFactory.getLogger(name));
    }
  }
}
