package dev.statesync.channel.internal;

import java.lang.System.Logger.Level;

/**
 * The channel's logger: the JDK platform logger named {@code dev.statesync.channel}, which routes
 * to java.util.logging or to whatever {@code System.LoggerFinder} the application installs.
 */
public final class Log {
  private static final System.Logger LOGGER = System.getLogger("dev.statesync.channel");

  private Log() {}

  /** Logs at DEBUG. */
  public static void debug(String msg) {
    LOGGER.log(Level.DEBUG, msg);
  }

  /** Logs at INFO. */
  public static void info(String msg) {
    LOGGER.log(Level.INFO, msg);
  }

  /** Logs at WARNING. */
  public static void warn(String msg) {
    LOGGER.log(Level.WARNING, msg);
  }

  /** Logs at WARNING with a cause. */
  public static void warn(String msg, Throwable t) {
    LOGGER.log(Level.WARNING, msg, t);
  }

  /** Logs at ERROR. */
  public static void error(String msg) {
    LOGGER.log(Level.ERROR, msg);
  }
}
