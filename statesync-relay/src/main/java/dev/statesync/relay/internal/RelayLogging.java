package dev.statesync.relay.internal;

import dev.statesync.core.logging.Logger;
import dev.statesync.core.logging.Loggers;
import dev.statesync.core.logging.Slf4jLogger;

/**
 * The relay's default logger: the core SLF4J adapter on {@code dev.statesync.relay} when
 * slf4j-api and an SLF4J provider are on the class path, else a console logger that drops debug
 * entries. Without a provider SLF4J would discard every entry, so WARNs would vanish unseen.
 */
public final class RelayLogging {
  /** The most payload characters a log entry quotes (RELAY-2). */
  public static final int MAX_QUOTED_CHARS = 256;

  private RelayLogging() {}

  /** Returns the default logger, created on first use. */
  public static Logger defaultLogger() {
    return Holder.DEFAULT;
  }

  /** Cuts {@code payload} to {@link #MAX_QUOTED_CHARS} for a log entry. */
  public static String quote(String payload) {
    if (payload == null || payload.length() <= MAX_QUOTED_CHARS) {
      return payload;
    }
    return payload.substring(0, MAX_QUOTED_CHARS) + "...";
  }

  private static final class Holder {
    static final Logger DEFAULT = create();

    private static Logger create() {
      try {
        Class.forName("org.slf4j.LoggerFactory", false, RelayLogging.class.getClassLoader());
      } catch (ClassNotFoundException | LinkageError e) {
        return Loggers.createConsoleLogger();
      }
      return Slf4j.hasProvider() ? Slf4j.create() : Loggers.createConsoleLogger();
    }
  }

  /** Touches SLF4J types only once their presence is known. */
  private static final class Slf4j {
    /** Looks for a provider without initializing SLF4J, which would print its own warning. */
    static boolean hasProvider() {
      try {
        return java.util.ServiceLoader.load(org.slf4j.spi.SLF4JServiceProvider.class,
            RelayLogging.class.getClassLoader()).findFirst().isPresent();
      } catch (java.util.ServiceConfigurationError | LinkageError e) {
        return false;
      }
    }

    static Logger create() {
      return Slf4jLogger.of(org.slf4j.LoggerFactory.getLogger("dev.statesync.relay"));
    }
  }
}
