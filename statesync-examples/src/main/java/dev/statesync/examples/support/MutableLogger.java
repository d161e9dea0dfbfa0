package dev.statesync.examples.support;

import dev.statesync.core.logging.ConsoleLoggerOptions;
import dev.statesync.core.logging.Logger;
import dev.statesync.core.logging.Loggers;
import java.io.PrintStream;
import java.util.Map;

/**
 * The core console logger with a switch for its debug lines, so an example can mute a burst and
 * keep warnings and errors. Thread-safe.
 */
public final class MutableLogger implements Logger {
  private final Logger verbose;
  private final Logger quiet;
  private volatile boolean debug = true;

  /** A console logger writing to {@code out}, debug lines on. */
  public MutableLogger(PrintStream out) {
    verbose = Loggers.createConsoleLogger(ConsoleLoggerOptions.builder().debug(true).out(out).build());
    quiet = Loggers.createConsoleLogger(ConsoleLoggerOptions.builder().out(out).build());
  }

  /** Turns debug lines on or off. */
  public void debug(boolean on) {
    debug = on;
  }

  private Logger current() {
    return debug ? verbose : quiet;
  }

  @Override
  public void debug(String message, Map<String, ?> extra) {
    current().debug(message, extra);
  }

  @Override
  public void warn(String message, Map<String, ?> extra) {
    current().warn(message, extra);
  }

  @Override
  public void error(String message, Map<String, ?> extra) {
    current().error(message, extra);
  }

  @Override
  public boolean isDebugEnabled() {
    return debug;
  }
}
