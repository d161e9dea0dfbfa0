package dev.statesync.core;

/**
 * The rules for topic names. A topic is 1–256 UTF-16 units, not blank, without leading or trailing
 * whitespace and without ISO control characters. Topics match by exact {@link String#equals}:
 * nothing is trimmed or normalised.
 */
public final class Topics {
  /** The greatest length of a topic, in UTF-16 units. */
  public static final int MAX_LENGTH = 256;

  private Topics() {}

  /** Tells whether {@code topic} is a valid topic name; false for null. */
  public static boolean isValid(String topic) {
    return problem(topic) == null;
  }

  /**
   * Returns {@code topic} if it is valid.
   *
   * @throws NullPointerException if {@code topic} is null
   * @throws IllegalArgumentException naming the rule that {@code topic} breaks
   */
  public static String validate(String topic) {
    if (topic == null) {
      throw new NullPointerException("topic");
    }
    String problem = problem(topic);
    if (problem != null) {
      throw new IllegalArgumentException("invalid topic: " + problem);
    }
    return topic;
  }

  static String problem(String topic) {
    if (topic == null) {
      return "null";
    }
    int n = topic.length();
    if (n == 0 || n > MAX_LENGTH) {
      return "length must be 1-" + MAX_LENGTH + ", was " + n;
    }
    if (topic.isBlank()) {
      return "must not be blank";
    }
    if (!topic.equals(topic.strip())) {
      return "must not have leading or trailing whitespace";
    }
    for (int i = 0; i < n; i++) {
      if (Character.isISOControl(topic.charAt(i))) {
        return "must not contain control character U+"
            + String.format("%04X", (int) topic.charAt(i)) + " at index " + i;
      }
    }
    return null;
  }
}
