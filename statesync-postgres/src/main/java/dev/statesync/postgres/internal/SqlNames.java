package dev.statesync.postgres.internal;

import java.util.regex.Pattern;

/**
 * Validates the names this module splices into SQL (a table, a notification channel). They are
 * never taken from untrusted input, but a strict pattern keeps SQL injection impossible by
 * construction and keeps the names case-stable, since they are quoted in every statement.
 */
public final class SqlNames {
  private static final Pattern IDENTIFIER = Pattern.compile("[a-z_][a-z0-9_]{0,62}");

  private SqlNames() {}

  /**
   * Returns {@code name} if it is a lower-case identifier, optionally schema-qualified.
   *
   * @throws IllegalArgumentException naming {@code option} and the allowed form
   */
  public static String tableName(String option, String name) {
    if (name == null) {
      throw new IllegalArgumentException(option + " must not be null");
    }
    String[] parts = name.split("\\.", -1);
    if (parts.length > 2 || !allIdentifiers(parts)) {
      throw new IllegalArgumentException(option + " must be [schema.]table, each part matching "
          + IDENTIFIER.pattern() + ", was \"" + name + "\"");
    }
    return name;
  }

  /**
   * Returns {@code name} if it is a lower-case identifier.
   *
   * @throws IllegalArgumentException naming {@code option} and the allowed form
   */
  public static String identifier(String option, String name) {
    if (name == null || !IDENTIFIER.matcher(name).matches()) {
      throw new IllegalArgumentException(
          option + " must match " + IDENTIFIER.pattern() + ", was \"" + name + "\"");
    }
    return name;
  }

  /** Quotes a validated (possibly schema-qualified) name for SQL. */
  public static String quote(String validated) {
    StringBuilder sb = new StringBuilder();
    for (String part : validated.split("\\.")) {
      if (sb.length() > 0) {
        sb.append('.');
      }
      sb.append('"').append(part).append('"');
    }
    return sb.toString();
  }

  private static boolean allIdentifiers(String[] parts) {
    for (String p : parts) {
      if (!IDENTIFIER.matcher(p).matches()) {
        return false;
      }
    }
    return true;
  }
}
