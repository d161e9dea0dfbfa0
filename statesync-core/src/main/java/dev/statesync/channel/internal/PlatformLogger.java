package dev.statesync.channel.internal;

import dev.statesync.core.logging.Logger;
import java.lang.System.Logger.Level;
import java.util.Map;

/**
 * A core {@link Logger} over the platform logger {@code dev.statesync.channel}, the channel's own
 * log, used by the host coordinator unless the user gives a logger.
 */
public final class PlatformLogger implements Logger {
  /** The shared instance. */
  public static final PlatformLogger INSTANCE = new PlatformLogger();

  private static final System.Logger LOGGER = System.getLogger("dev.statesync.channel");

  private PlatformLogger() {}

  @Override
  public void debug(String message, Map<String, ?> extra) {
    if (LOGGER.isLoggable(Level.DEBUG)) {
      LOGGER.log(Level.DEBUG, format(message, extra));
    }
  }

  @Override
  public void warn(String message, Map<String, ?> extra) {
    LOGGER.log(Level.WARNING, format(message, extra));
  }

  @Override
  public void error(String message, Map<String, ?> extra) {
    LOGGER.log(Level.ERROR, format(message, extra));
  }

  @Override
  public boolean isDebugEnabled() {
    return LOGGER.isLoggable(Level.DEBUG);
  }

  private static String format(String message, Map<String, ?> extra) {
    return extra == null || extra.isEmpty() ? message : message + " " + extra;
  }
}
