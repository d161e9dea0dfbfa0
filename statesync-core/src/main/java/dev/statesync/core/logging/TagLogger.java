package dev.statesync.core.logging;

import java.util.Map;

/** Merges fixed tags into every entry before handing it to the base logger. */
final class TagLogger implements Logger {
  private final Logger base;
  private final Map<String, Object> tags;

  TagLogger(Logger base, Map<String, Object> tags) {
    this.base = base;
    this.tags = tags;
  }

  @Override
  public void debug(String message, Map<String, ?> extra) {
    base.debug(message, merge(extra));
  }

  @Override
  public void warn(String message, Map<String, ?> extra) {
    base.warn(message, merge(extra));
  }

  @Override
  public void error(String message, Map<String, ?> extra) {
    base.error(message, merge(extra));
  }

  @Override
  public boolean isDebugEnabled() {
    return base.isDebugEnabled();
  }

  private TaggedFields merge(Map<String, ?> extra) {
    return TaggedFields.merge(tags, extra != null ? extra : Map.of());
  }
}
