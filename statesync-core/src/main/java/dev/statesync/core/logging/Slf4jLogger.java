package dev.statesync.core.logging;

import java.util.Map;
import java.util.Objects;
import org.slf4j.spi.LoggingEventBuilder;

/**
 * Adapts an SLF4J 2 logger. Each extra field becomes a key-value pair of the SLF4J event, in map
 * order, except a {@link Throwable} under the key {@code error}, which becomes the event's cause.
 * {@link #isDebugEnabled()} delegates to SLF4J. Thread-safe as far as the SLF4J logger is.
 *
 * <p>slf4j-api is an optional dependency of statesync-core: only this class refers to it, and
 * only an application that calls {@link #of} needs it on the class path. No binding is shipped.
 */
public final class Slf4jLogger implements Logger {
  private final org.slf4j.Logger delegate;

  private Slf4jLogger(org.slf4j.Logger delegate) {
    this.delegate = delegate;
  }

  /**
   * Returns a logger writing to {@code delegate}.
   *
   * @throws NullPointerException if {@code delegate} is null
   */
  public static Slf4jLogger of(org.slf4j.Logger delegate) {
    return new Slf4jLogger(Objects.requireNonNull(delegate, "delegate"));
  }

  /** Logs at SLF4J DEBUG. */
  @Override
  public void debug(String message, Map<String, ?> extra) {
    log(delegate.atDebug(), message, extra);
  }

  /** Logs at SLF4J WARN. */
  @Override
  public void warn(String message, Map<String, ?> extra) {
    log(delegate.atWarn(), message, extra);
  }

  /** Logs at SLF4J ERROR. */
  @Override
  public void error(String message, Map<String, ?> extra) {
    log(delegate.atError(), message, extra);
  }

  /** Returns whether the SLF4J logger has DEBUG enabled. */
  @Override
  public boolean isDebugEnabled() {
    return delegate.isDebugEnabled();
  }

  private static void log(LoggingEventBuilder event, String message, Map<String, ?> extra) {
    if (extra != null) {
      for (Map.Entry<String, ?> e : extra.entrySet()) {
        if ("error".equals(e.getKey()) && e.getValue() instanceof Throwable) {
          event = event.setCause((Throwable) e.getValue());
        } else {
          event = event.addKeyValue(e.getKey(), e.getValue());
        }
      }
    }
    event.log(message);
  }
}
