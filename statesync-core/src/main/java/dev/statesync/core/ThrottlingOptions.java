package dev.statesync.core;

import java.time.Duration;
import java.util.Objects;
import java.util.OptionalLong;

/**
 * How a {@link Throttler} shapes a stream of triggers: an optional debounce stage (D, with a
 * maximum wait M) feeding an optional throttle stage (T, with leading and trailing fires).
 *
 * <p>With D = T = 0 the throttler is a pass-through. The effective maximum wait is M if set, else
 * 10 × D. Every trigger is followed by a fire within
 * {@code B = (D > 0 ? M_eff : 0) + (T > 0 ? (trailing ? T : 2T) : 0)}, and with T &gt; 0 fires
 * are at least T apart. Immutable.
 */
public final class ThrottlingOptions {
  private static final ThrottlingOptions NONE = new Builder().build();

  private final long debounceMs;
  private final long throttleMs;
  private final boolean leading;
  private final boolean trailing;
  private final long maxWaitMs; // -1 when unset

  private ThrottlingOptions(Builder b) {
    this.debounceMs = b.debounceMs;
    this.throttleMs = b.throttleMs;
    this.leading = b.leading;
    this.trailing = b.trailing;
    this.maxWaitMs = b.maxWaitMs;
  }

  /** Returns options with every default: no debounce, no throttle (a pass-through). */
  public static ThrottlingOptions none() {
    return NONE;
  }

  /** Returns a builder with the defaults D = 0, T = 0, leading and trailing true, M unset. */
  public static Builder builder() {
    return new Builder();
  }

  /** Returns the debounce delay D in ms (0: no debounce stage). */
  public long debounceMs() {
    return debounceMs;
  }

  /** Returns the throttle window T in ms (0: no throttle stage). */
  public long throttleMs() {
    return throttleMs;
  }

  /** Returns whether an input with no window open fires at once. */
  public boolean leading() {
    return leading;
  }

  /** Returns whether pending input fires at the end of its window. */
  public boolean trailing() {
    return trailing;
  }

  /** Returns the maximum wait M in ms, if set. */
  public OptionalLong maxWaitMs() {
    return maxWaitMs < 0 ? OptionalLong.empty() : OptionalLong.of(maxWaitMs);
  }

  /** Returns M if set, else 10 × D. */
  public long effectiveMaxWaitMs() {
    return maxWaitMs >= 0 ? maxWaitMs : saturatingMultiply(debounceMs, 10);
  }

  /** Returns true if D = T = 0: every trigger fires synchronously. */
  public boolean isPassThrough() {
    return debounceMs == 0 && throttleMs == 0;
  }

  /** Returns the bound B on the delay between a trigger and the fire that covers it, in ms. */
  public long maxDelayMs() {
    long b = debounceMs > 0 ? effectiveMaxWaitMs() : 0;
    if (throttleMs > 0) {
      b = saturatingAdd(b, trailing ? throttleMs : saturatingMultiply(throttleMs, 2));
    }
    return b;
  }

  private static long saturatingMultiply(long a, long b) {
    long r = a * b;
    return (a != 0 && r / a != b) ? Long.MAX_VALUE : r;
  }

  private static long saturatingAdd(long a, long b) {
    long r = a + b;
    return r < 0 ? Long.MAX_VALUE : r;
  }

  @Override
  public boolean equals(Object o) {
    if (!(o instanceof ThrottlingOptions)) {
      return false;
    }
    ThrottlingOptions t = (ThrottlingOptions) o;
    return debounceMs == t.debounceMs && throttleMs == t.throttleMs && leading == t.leading
        && trailing == t.trailing && maxWaitMs == t.maxWaitMs;
  }

  @Override
  public int hashCode() {
    return Objects.hash(debounceMs, throttleMs, leading, trailing, maxWaitMs);
  }

  @Override
  public String toString() {
    return "ThrottlingOptions{debounceMs=" + debounceMs + ", throttleMs=" + throttleMs
        + ", leading=" + leading + ", trailing=" + trailing
        + (maxWaitMs >= 0 ? ", maxWaitMs=" + maxWaitMs : "") + '}';
  }

  /** Builds {@link ThrottlingOptions}; {@link #build()} validates. Not thread-safe. */
  public static final class Builder {
    private long debounceMs;
    private long throttleMs;
    private boolean leading = true;
    private boolean trailing = true;
    private long maxWaitMs = -1;
    private boolean maxWaitSet;

    private Builder() {}

    /** Sets the debounce delay D in ms (≥ 0; 0 disables the stage). */
    public Builder debounceMs(long ms) {
      this.debounceMs = ms;
      return this;
    }

    /** Sets the debounce delay D. */
    public Builder debounce(Duration d) {
      return debounceMs(Objects.requireNonNull(d, "debounce").toMillis());
    }

    /** Sets the throttle window T in ms (≥ 0; 0 disables the stage). */
    public Builder throttleMs(long ms) {
      this.throttleMs = ms;
      return this;
    }

    /** Sets the throttle window T. */
    public Builder throttle(Duration d) {
      return throttleMs(Objects.requireNonNull(d, "throttle").toMillis());
    }

    /** Sets whether an input with no window open fires at once (default true). */
    public Builder leading(boolean leading) {
      this.leading = leading;
      return this;
    }

    /** Sets whether pending input fires at the end of its window (default true). */
    public Builder trailing(boolean trailing) {
      this.trailing = trailing;
      return this;
    }

    /** Sets the maximum wait M of a debounce burst in ms (≥ D; requires D &gt; 0). */
    public Builder maxWaitMs(long ms) {
      this.maxWaitMs = ms;
      this.maxWaitSet = true;
      return this;
    }

    /** Sets the maximum wait M of a debounce burst. */
    public Builder maxWait(Duration d) {
      return maxWaitMs(Objects.requireNonNull(d, "maxWait").toMillis());
    }

    /**
     * Validates and builds.
     *
     * @throws IllegalArgumentException for a negative value, leading = trailing = false, maxWait
     *     set while debounce is 0, or maxWait below debounce
     */
    public ThrottlingOptions build() {
      if (debounceMs < 0) {
        throw new IllegalArgumentException("debounceMs must be >= 0, was " + debounceMs);
      }
      if (throttleMs < 0) {
        throw new IllegalArgumentException("throttleMs must be >= 0, was " + throttleMs);
      }
      if (!leading && !trailing) {
        throw new IllegalArgumentException(
            "leading and trailing must not both be false: no input would ever fire");
      }
      if (maxWaitSet) {
        if (maxWaitMs < 0) {
          throw new IllegalArgumentException("maxWaitMs must be >= 0, was " + maxWaitMs);
        }
        if (debounceMs == 0) {
          throw new IllegalArgumentException("maxWaitMs requires debounceMs > 0");
        }
        if (maxWaitMs < debounceMs) {
          throw new IllegalArgumentException(
              "maxWaitMs must be >= debounceMs (" + debounceMs + "), was " + maxWaitMs);
        }
      }
      return new ThrottlingOptions(this);
    }
  }
}
