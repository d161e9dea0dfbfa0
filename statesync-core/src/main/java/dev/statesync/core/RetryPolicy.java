package dev.statesync.core;

import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.TimeoutException;
import java.util.function.BiPredicate;
import java.util.random.RandomGenerator;

/**
 * When and how a failed snapshot attempt is retried within its refresh cycle: at most
 * {@code maxAttempts} attempts, with exponential backoff and jitter between them, for failures
 * that {@code retryIf} accepts. Immutable and thread-safe.
 *
 * <p>{@link #delayMs(int, RandomGenerator)} gives the delay after the n-th failure:
 * {@code base = min(maxDelay, initialDelay × multiplier^(n−1))}, then
 * {@code round(base × (1 + jitter × (2u − 1)))} clamped to {@code [0, maxDelay]}.
 */
public final class RetryPolicy {
  /** The default {@code retryIf}: retries provider failures and timeouts, nothing else. */
  public static final BiPredicate<SyncPhase, Throwable> RETRY_GET_SNAPSHOT =
      (phase, error) -> phase == SyncPhase.GET_SNAPSHOT;

  private static final RetryPolicy DEFAULTS = builder().build();
  private static final RetryPolicy NONE = builder().maxAttempts(1).build();

  private final int maxAttempts;
  private final long initialDelayMs;
  private final double multiplier;
  private final long maxDelayMs;
  private final double jitter;
  private final BiPredicate<SyncPhase, Throwable> retryIf;

  private RetryPolicy(Builder b) {
    this.maxAttempts = b.maxAttempts;
    this.initialDelayMs = b.initialDelayMs;
    this.multiplier = b.multiplier;
    this.maxDelayMs = b.maxDelayMs;
    this.jitter = b.jitter;
    this.retryIf = b.retryIf;
  }

  /** Returns the defaults: 3 attempts, 500 ms initial delay, ×2, at most 10 s, jitter 0.2. */
  public static RetryPolicy defaults() {
    return DEFAULTS;
  }

  /** Returns the defaults with {@code maxAttempts = 1}: a failed attempt ends its cycle. */
  public static RetryPolicy none() {
    return NONE;
  }

  /** Returns a builder holding the defaults. */
  public static Builder builder() {
    return new Builder();
  }

  /** Returns the number of attempts per cycle, at least 1. */
  public int maxAttempts() {
    return maxAttempts;
  }

  /** Returns the delay after the first failure, in ms. */
  public long initialDelayMs() {
    return initialDelayMs;
  }

  /** Returns the factor applied to the delay after each further failure. */
  public double multiplier() {
    return multiplier;
  }

  /** Returns the greatest delay, in ms. */
  public long maxDelayMs() {
    return maxDelayMs;
  }

  /** Returns the jitter fraction in [0, 1]. */
  public double jitter() {
    return jitter;
  }

  /** Returns the predicate that decides which failures are retried. */
  public BiPredicate<SyncPhase, Throwable> retryIf() {
    return retryIf;
  }

  /**
   * Returns the delay before the next attempt after the {@code n}-th failure, without jitter.
   *
   * @throws IllegalArgumentException if {@code n} is below 1
   */
  public long baseDelayMs(int n) {
    return Math.round(baseDelay(n));
  }

  /**
   * Returns the delay in ms before the next attempt after the {@code n}-th failure (n ≥ 1), drawing
   * one uniform {@code u} in [0, 1) from {@code random} when jitter is non-zero.
   *
   * @throws IllegalArgumentException if {@code n} is below 1
   */
  public long delayMs(int n, RandomGenerator random) {
    double base = baseDelay(n);
    if (jitter == 0) {
      return Math.round(base);
    }
    double u = random.nextDouble();
    // Jitter applies to the unrounded base so that only the final result is rounded.
    long result = Math.round(base * (1 + jitter * (2 * u - 1)));
    return Math.max(0, Math.min(maxDelayMs, result));
  }

  private double baseDelay(int n) {
    if (n < 1) {
      throw new IllegalArgumentException("n must be >= 1, was " + n);
    }
    if (initialDelayMs == 0) {
      return 0; // 0 × multiplier^(n−1) is 0, even where the power overflows to infinity
    }
    double base = initialDelayMs * Math.pow(multiplier, n - 1);
    return base < maxDelayMs ? base : maxDelayMs; // also catches overflow to infinity
  }

  @Override
  public String toString() {
    return "RetryPolicy{maxAttempts=" + maxAttempts + ", initialDelayMs=" + initialDelayMs
        + ", multiplier=" + multiplier + ", maxDelayMs=" + maxDelayMs + ", jitter=" + jitter + '}';
  }

  /** Builds a {@link RetryPolicy}; {@link #build()} validates. Not thread-safe. */
  public static final class Builder {
    private int maxAttempts = 3;
    private long initialDelayMs = 500;
    private double multiplier = 2.0;
    private long maxDelayMs = 10_000;
    private double jitter = 0.2;
    private BiPredicate<SyncPhase, Throwable> retryIf = RETRY_GET_SNAPSHOT;

    private Builder() {}

    /** Sets the number of attempts per cycle (≥ 1; default 3). */
    public Builder maxAttempts(int maxAttempts) {
      this.maxAttempts = maxAttempts;
      return this;
    }

    /** Sets the delay after the first failure in ms (≥ 0; default 500). */
    public Builder initialDelayMs(long ms) {
      this.initialDelayMs = ms;
      return this;
    }

    /** Sets the delay after the first failure (default 500 ms). */
    public Builder initialDelay(Duration d) {
      return initialDelayMs(Objects.requireNonNull(d, "initialDelay").toMillis());
    }

    /** Sets the backoff factor (finite, ≥ 1; default 2.0). */
    public Builder multiplier(double multiplier) {
      this.multiplier = multiplier;
      return this;
    }

    /** Sets the greatest delay in ms (≥ initialDelay; default 10,000). */
    public Builder maxDelayMs(long ms) {
      this.maxDelayMs = ms;
      return this;
    }

    /** Sets the greatest delay (default 10 s). */
    public Builder maxDelay(Duration d) {
      return maxDelayMs(Objects.requireNonNull(d, "maxDelay").toMillis());
    }

    /** Sets the jitter fraction (in [0, 1]; default 0.2). */
    public Builder jitter(double jitter) {
      this.jitter = jitter;
      return this;
    }

    /**
     * Sets which failures are retried (default: {@link SyncPhase#GET_SNAPSHOT}, which includes
     * {@link TimeoutException}s). A predicate that throws counts as false.
     */
    public Builder retryIf(BiPredicate<SyncPhase, Throwable> retryIf) {
      this.retryIf = Objects.requireNonNull(retryIf, "retryIf");
      return this;
    }

    /** Validates and builds; throws {@link IllegalArgumentException} naming the bad field. */
    public RetryPolicy build() {
      if (maxAttempts < 1) {
        throw new IllegalArgumentException("maxAttempts must be >= 1, was " + maxAttempts);
      }
      if (initialDelayMs < 0) {
        throw new IllegalArgumentException("initialDelay must be >= 0 ms, was " + initialDelayMs);
      }
      if (!Double.isFinite(multiplier) || multiplier < 1) {
        throw new IllegalArgumentException("multiplier must be finite and >= 1, was " + multiplier);
      }
      if (maxDelayMs < initialDelayMs) {
        throw new IllegalArgumentException(
            "maxDelay must be >= initialDelay (" + initialDelayMs + " ms), was " + maxDelayMs);
      }
      if (!(jitter >= 0 && jitter <= 1)) {
        throw new IllegalArgumentException("jitter must be in [0, 1], was " + jitter);
      }
      return new RetryPolicy(this);
    }
  }
}
