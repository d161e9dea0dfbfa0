package dev.statesync.relay.internal;

import dev.statesync.core.logging.Logger;
import dev.statesync.core.logging.Loggers;

/** The module's default logger and the quoting rule for payloads in log entries. */
public final class RelayLoggers {
  private static final String NAME = "dev.statesync.relay";

  private RelayLoggers() {}

  /** Returns the default logger, {@link Loggers#defaultLogger} on {@code dev.statesync.relay}. */
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
    static final Logger DEFAULT = Loggers.defaultLogger(NAME);
  }
}
