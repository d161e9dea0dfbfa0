package dev.statesync.relay;

import dev.statesync.channel.ChannelOptions;
import dev.statesync.core.logging.Logger;
import dev.statesync.relay.internal.RelayLoggers;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.Executor;

/** Options of a {@link StreamMirror}; immutable, from {@link #builder()}. */
public final class MirrorOptions {
  private final ChannelOptions channelOptions;
  private final Duration stateRequestTimeout;
  private final Duration stateRequestRetry;
  private final int maxRetainedStreams;
  private final Follow follow;
  private final Logger logger;
  private final Executor executor;

  private MirrorOptions(Builder b) {
    this.follow = b.follow;
    this.logger = b.logger == null ? RelayLoggers.defaultLogger() : b.logger;
    this.channelOptions = b.channelOptions;
    this.stateRequestTimeout = b.stateRequestTimeout;
    this.stateRequestRetry = b.stateRequestRetry;
    this.maxRetainedStreams = b.maxRetainedStreams;
    this.executor = b.executor;
  }

  /** A builder with the defaults. */
  public static Builder builder() {
    return new Builder();
  }

  /** The defaults: default channel options, 250 ms, 2 s, 16 streams, the latest stream. */
  public static MirrorOptions defaults() {
    return builder().build();
  }

  /** The options of the mirror's channel instance. */
  public ChannelOptions channelOptions() {
    return channelOptions;
  }

  /** How long {@link StreamMirror#awaitSynced()} waits for a source to answer; default 250 ms. */
  public Duration stateRequestTimeout() {
    return stateRequestTimeout;
  }

  /** How often an unanswered state request is repeated while its source is present; 2 s. */
  public Duration stateRequestRetry() {
    return stateRequestRetry;
  }

  /** How many finished streams of closed sources are retained; default 16. */
  public int maxRetainedStreams() {
    return maxRetainedStreams;
  }

  /** Which stream the mirror shows; default {@link Follow#latest()}. */
  public Follow follow() {
    return follow;
  }

  /** The logger for listener failures. */
  public Logger logger() {
    return logger;
  }

  /**
   * The executor that runs the mirror's {@code onChange} listeners, serialized, if one was set;
   * otherwise they run on the mirror's channel dispatch queue (the {@link ChannelOptions}
   * executor).
   */
  public Optional<Executor> executor() {
    return Optional.ofNullable(executor);
  }

  /** Builds {@link MirrorOptions}; {@link #build()} validates. */
  public static final class Builder {
    private ChannelOptions channelOptions = ChannelOptions.defaults();
    private Duration stateRequestTimeout = Duration.ofMillis(250);
    private Duration stateRequestRetry = Duration.ofSeconds(2);
    private int maxRetainedStreams = 16;
    private Follow follow = Follow.latest();
    private Logger logger;
    private Executor executor;

    private Builder() {}

    /** Sets which stream is shown; default {@link Follow#latest()}. */
    public Builder follow(Follow follow) {
      this.follow = Objects.requireNonNull(follow, "follow");
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
     * Sets the executor that runs {@code onChange} listeners (RELAY-2): they run one at a time, in
     * order, never concurrently; none runs after {@link StreamMirror#close()} has returned,
     * except one already running on another thread. By default they run on the channel's
     * dispatch queue.
     */
    public Builder executor(Executor executor) {
      this.executor = Objects.requireNonNull(executor, "executor");
      return this;
    }

    /** Sets the channel options (runtime directory, executor, limits). */
    public Builder channelOptions(ChannelOptions options) {
      this.channelOptions = Objects.requireNonNull(options, "channelOptions");
      return this;
    }

    /** Sets the state request timeout; must be positive. */
    public Builder stateRequestTimeout(Duration d) {
      this.stateRequestTimeout = Objects.requireNonNull(d, "stateRequestTimeout");
      return this;
    }

    /** Sets the state request retry interval; must be at least 10 ms. */
    public Builder stateRequestRetry(Duration d) {
      this.stateRequestRetry = Objects.requireNonNull(d, "stateRequestRetry");
      return this;
    }

    /** Sets how many streams are retained; at least 1. */
    public Builder maxRetainedStreams(int n) {
      this.maxRetainedStreams = n;
      return this;
    }

    /**
     * Builds the options.
     *
     * @throws IllegalArgumentException naming the option and its range when a value is invalid
     */
    public MirrorOptions build() {
      if (stateRequestTimeout.isNegative() || stateRequestTimeout.isZero()) {
        throw new IllegalArgumentException(
            "stateRequestTimeout must be > 0, got " + stateRequestTimeout);
      }
      if (stateRequestRetry.compareTo(Duration.ofMillis(10)) < 0) {
        throw new IllegalArgumentException(
            "stateRequestRetry must be >= 10 ms, got " + stateRequestRetry);
      }
      if (maxRetainedStreams < 1) {
        throw new IllegalArgumentException(
            "maxRetainedStreams must be >= 1, got " + maxRetainedStreams);
      }
      return new MirrorOptions(this);
    }
  }
}
