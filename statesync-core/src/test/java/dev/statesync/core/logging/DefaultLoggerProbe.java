package dev.statesync.core.logging;

import java.util.Map;

/** A child JVM's main for {@link DefaultLoggerTest}: writes one entry at each level. */
public final class DefaultLoggerProbe {
  private DefaultLoggerProbe() {}

  public static void main(String[] args) {
    Logger logger = Loggers.defaultLogger("dev.statesync.probe");
    logger.debug("probe debug", Map.of());
    logger.warn("probe warning", Map.of("n", 1));
    logger.error("probe error", Map.of());
  }
}
