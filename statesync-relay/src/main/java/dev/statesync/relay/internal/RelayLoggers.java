package dev.statesync.relay.internal;

import dev.statesync.core.logging.Logger;
import dev.statesync.core.logging.Loggers;
import dev.statesync.core.logging.Slf4jLogger;

/**
 * The module's default logger: the core SLF4J adapter on {@code dev.statesync.relay} when
 * slf4j-api is on the class path, else a console logger that drops debug entries.
 */
public final class RelayLoggers {
  private static final String NAME = "dev.statesync.relay";

  private RelayLoggers() {}

  /** Returns the default logger; cheap enough to call per object. */
  public static Logger defaultLogger() {
    return Holder.DEFAULT;
  }

  /** Quotes at most 256 characters of a payload for a log entry (RELAY-2). */
  public static String quote(String payload) {
    if (payload == null) {
      return null;
    }
    return payload.length() <= 256 ? payload : payload.substring(0, 256) + "...";
  }

  private static final class Holder {
    static final Logger DEFAULT = create();

    private static Logger create() {
      try {
        Class.forName("org.slf4j.LoggerFactory", false, RelayLoggers.class.getClassLoader());
        return Slf4jLogger.of(org.slf4j.LoggerFactory.getLogger(NAME));
      } catch (ClassNotFoundException | LinkageError e) {
        return Loggers.createConsoleLogger();
      }
    }
  }
}
