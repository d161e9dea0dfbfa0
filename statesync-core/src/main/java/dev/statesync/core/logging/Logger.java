package dev.statesync.core.logging;

import java.util.Map;

/**
 * The small logging interface statesync writes to: three levels, a message from a fixed
 * catalogue, and an insertion-ordered map of extra fields.
 *
 * <p>Implementations must be thread-safe. The engine builds debug extras only when
 * {@link #isDebugEnabled()} is true. See {@link Loggers} for the console, tagging, SLF4J and
 * no-op implementations.
 */
public interface Logger {
  /** Logs a debug entry. */
  void debug(String message, Map<String, ?> extra);

  /** Logs a warning. */
  void warn(String message, Map<String, ?> extra);

  /** Logs an error. */
  void error(String message, Map<String, ?> extra);

  /** Logs a debug entry with no extra fields. */
  default void debug(String message) {
    debug(message, Map.of());
  }

  /** Logs a warning with no extra fields. */
  default void warn(String message) {
    warn(message, Map.of());
  }

  /** Logs an error with no extra fields. */
  default void error(String message) {
    error(message, Map.of());
  }

  /** Tells whether debug entries are kept; callers skip building debug extras when false. */
  default boolean isDebugEnabled() {
    return true;
  }
}
