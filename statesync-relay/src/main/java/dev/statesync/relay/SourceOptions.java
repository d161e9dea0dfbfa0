package dev.statesync.relay;

import dev.statesync.core.TaskScheduler;
import dev.statesync.core.logging.Logger;
import dev.statesync.relay.internal.RelayLoggers;
import java.time.Duration;
import java.util.Objects;
import java.util.UUID;
import java.util.concurrent.Executor;

/**
 * Options of a {@link StreamSource}; immutable, from {@link #builder()}.
 *
 * <p><b>Delta merging.</b> With {@link #maxDeltaDelay()} greater than zero, the text of appends
 * that arrive within that window of the first unposted one is posted as one DELTA, so a producer
 * that appends one token at a time costs one channel message per window rather than one per
 * token. The source's own state, and its listeners, still change on every append; only the
 * broadcast is merged. A terminal transition, a new stream or a full-state post first posts what
 * is pending, so mirrors never see an END before the text it ends.
 *
 * <p><b>Caps.</b> {@link #maxDeltaBytes()} bounds the UTF-8 text of one DELTA: merged text is
 * posted as soon as it reaches that size, and a longer append is split. {@link #maxTextChars()}
 * bounds one stream's text: an append past it is refused with {@link StreamLimitException}.
 */
public final class SourceOptions {
  /** The upper bound of {@link #maxDeltaDelay()}. */
  public static final Duration MAX_DELTA_DELAY = Duration.ofSeconds(10);

  private final String sourceId;
  private final Executor executor;
  private final Duration maxDeltaDelay;
  private final int maxDeltaBytes;
  private final int maxTextChars;
  private final TaskScheduler scheduler;
  private final Logger logger;

  private SourceOptions(Builder b) {
    this.sourceId = b.sourceId == null ? UUID.randomUUID().toString() : b.sourceId;
    this.executor = b.executor;
    this.maxDeltaDelay = b.maxDeltaDelay;
    this.maxDeltaBytes = b.maxDeltaBytes;
    this.maxTextChars = b.maxTextChars;
    this.scheduler = b.scheduler;
    this.logger = b.logger == null ? RelayLoggers.defaultLogger() : b.logger;
  }

  /** A builder with the defaults. */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * The defaults: a random source id, the shared callback pool, no merging, 16 KiB deltas, no
   * text cap, the shared scheduler and the default relay logger.
   */
  public static SourceOptions defaults() {
    return builder().build();
  }

  /** The id mirrors see in {@link StreamState#sourceId()}; random unless set. */
  public String sourceId() {
    return sourceId;
  }

  /** The executor that runs listeners (serialized), or null for the shared daemon pool. */
  public Executor executor() {
    return executor;
  }

  /** The window within which appends are merged into one DELTA; zero (the default) is off. */
  public Duration maxDeltaDelay() {
    return maxDeltaDelay;
  }

  /** The most UTF-8 text bytes one DELTA carries; default 16 KiB. */
  public int maxDeltaBytes() {
    return maxDeltaBytes;
  }

  /** The most chars one stream's text may hold; default {@link Integer#MAX_VALUE} (no cap). */
  public int maxTextChars() {
    return maxTextChars;
  }

  /** The scheduler for the merge window and post-failure recovery; default shared. */
  public TaskScheduler scheduler() {
    return scheduler;
  }

  /** The logger for listener failures and broadcast trouble. */
  public Logger logger() {
    return logger;
  }

  /** Builds {@link SourceOptions}; {@link #build()} validates. Not thread-safe. */
  public static final class Builder {
    private String sourceId;
    private Executor executor;
    private Duration maxDeltaDelay = Duration.ZERO;
    private int maxDeltaBytes = 16 * 1024;
    private int maxTextChars = Integer.MAX_VALUE;
    private TaskScheduler scheduler = TaskScheduler.shared();
    private Logger logger;

    private Builder() {}

    /** Sets the source id (non-empty; default a random UUID). */
    public Builder sourceId(String sourceId) {
      this.sourceId = Objects.requireNonNull(sourceId, "sourceId");
      return this;
    }

    /** Sets the executor that runs listeners, serialized; null for the shared daemon pool. */
    public Builder executor(Executor executor) {
      this.executor = executor;
      return this;
    }

    /** Sets the merge window, from 0 (off, the default) to {@link #MAX_DELTA_DELAY}. */
    public Builder maxDeltaDelay(Duration delay) {
      this.maxDeltaDelay = Objects.requireNonNull(delay, "maxDeltaDelay");
      return this;
    }

    /** Sets the most text bytes per DELTA, from 16 to 64 MiB; default 16 KiB. */
    public Builder maxDeltaBytes(int bytes) {
      this.maxDeltaBytes = bytes;
      return this;
    }

    /** Sets the most chars of one stream's text, at least 1; default no cap. */
    public Builder maxTextChars(int chars) {
      this.maxTextChars = chars;
      return this;
    }

    /** Sets the scheduler (a {@code VirtualTime} in tests); default the shared timer. */
    public Builder scheduler(TaskScheduler scheduler) {
      this.scheduler = Objects.requireNonNull(scheduler, "scheduler");
      return this;
    }

    /**
     * Sets the logger. The default is the core SLF4J adapter on {@code dev.statesync.relay} when
     * slf4j-api is on the class path, else a console logger that drops debug entries.
     */
    public Builder logger(Logger logger) {
      this.logger = Objects.requireNonNull(logger, "logger");
      return this;
    }

    /**
     * Builds the options.
     *
     * @throws IllegalArgumentException naming the option and its range when a value is invalid
     */
    public SourceOptions build() {
      if (sourceId != null && sourceId.isEmpty()) {
        throw new IllegalArgumentException("sourceId must not be empty");
      }
      if (maxDeltaDelay.isNegative() || maxDeltaDelay.compareTo(MAX_DELTA_DELAY) > 0) {
        throw new IllegalArgumentException(
            "maxDeltaDelay must be in [0, " + MAX_DELTA_DELAY + "], got " + maxDeltaDelay);
      }
      if (maxDeltaBytes < 16 || maxDeltaBytes > 64 * 1024 * 1024) {
        throw new IllegalArgumentException(
            "maxDeltaBytes must be in [16, 67108864], got " + maxDeltaBytes);
      }
      if (maxTextChars < 1) {
        throw new IllegalArgumentException("maxTextChars must be >= 1, got " + maxTextChars);
      }
      return new SourceOptions(this);
    }
  }
}
