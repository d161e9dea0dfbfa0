package dev.statesync.channel.internal;

import dev.statesync.channel.ChannelRuntime;
import dev.statesync.core.logging.Logger;
import java.util.Map;
import java.util.Objects;

/**
 * The channel's log entries, written to a core {@link Logger}: the one in the options, else
 * {@link ChannelRuntime#defaultLogger()}. A debug entry is passed on only when debug is enabled;
 * a cause goes under the {@code error} key, which the SLF4J adapter turns into the event's cause.
 */
final class Log {
  private final Logger logger;

  private Log(Logger logger) {
    this.logger = logger;
  }

  /** A log over {@code logger}. */
  static Log of(Logger logger) {
    return new Log(Objects.requireNonNull(logger, "logger"));
  }

  /** A log over the logger in {@code option}, else the channel's default logger. */
  static Log of(java.util.Optional<Logger> option) {
    return of(option.orElseGet(ChannelRuntime::defaultLogger));
  }

  void debug(String msg) {
    if (logger.isDebugEnabled()) {
      logger.debug(msg, Map.of());
    }
  }

  void debug(String msg, Map<String, ?> extra) {
    if (logger.isDebugEnabled()) {
      logger.debug(msg, extra);
    }
  }

  void warn(String msg) {
    logger.warn(msg, Map.of());
  }

  void warn(String msg, Throwable cause) {
    logger.warn(msg, Map.of("error", cause));
  }

  void error(String msg) {
    logger.error(msg, Map.of());
  }
}
