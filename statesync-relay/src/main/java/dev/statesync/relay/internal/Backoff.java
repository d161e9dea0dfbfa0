package dev.statesync.relay.internal;

import java.util.random.RandomGenerator;

/**
 * The reconnect delay of RELAY-5: after {@code k >= 1} consecutive failures,
 * {@code min(max, base * 2^(k-1)) * U[0.5, 1.0]}, raised to a server's {@code Retry-After} but
 * never above {@code max}.
 */
public final class Backoff {
  private Backoff() {}

  /**
   * Returns the delay in milliseconds before the next attempt.
   *
   * @param failures consecutive failures so far, at least 1
   * @param baseMillis the base delay (the initial delay, or the last {@code retry:} value)
   * @param maxMillis the cap
   * @param retryAfterMillis the server's {@code Retry-After}, or a negative value when absent
   * @param random the source of jitter
   */
  public static long delayMillis(
      int failures, long baseMillis, long maxMillis, long retryAfterMillis, RandomGenerator random) {
    if (failures < 1) {
      throw new IllegalArgumentException("failures must be >= 1, was " + failures);
    }
    long ceiling = baseMillis;
    // Doubling saturates at the cap; 62 doublings would overflow a long.
    for (int i = 1; i < failures && ceiling < maxMillis; i++) {
      ceiling = ceiling > Long.MAX_VALUE / 2 ? Long.MAX_VALUE : ceiling * 2;
    }
    ceiling = Math.min(ceiling, maxMillis);
    long delay = Math.round(ceiling * (0.5 + 0.5 * random.nextDouble()));
    if (retryAfterMillis > delay) {
      delay = Math.min(retryAfterMillis, maxMillis);
    }
    return Math.max(0, delay);
  }
}
