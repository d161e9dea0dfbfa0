package dev.statesync.channel;

import dev.statesync.core.TaskScheduler;
import dev.statesync.core.logging.Logger;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * Immutable options of the host-coordinated mode; create with {@link #builder()}. A JVM has one
 * coordinator per channel name: the options of the first handle that starts it are used until
 * its last handle stops, and later handles' options (other than {@link #channelName()}) are
 * ignored while it lives.
 */
public final class HostCoordinationOptions {
  private final String channelName;
  private final Duration snapshotRequestTimeout;
  private final boolean directFetchFallback;
  private final ChannelOptions channelOptions;
  private final ElectionOptions electionOptions;
  private final TaskScheduler scheduler;
  private final Logger logger;

  private HostCoordinationOptions(Builder b) {
    this.channelName = b.channelName;
    this.snapshotRequestTimeout = b.snapshotRequestTimeout;
    this.directFetchFallback = b.directFetchFallback;
    this.channelOptions = b.channelOptions;
    this.electionOptions = b.electionOptions;
    this.scheduler = b.scheduler;
    this.logger = b.logger;
  }

  /** Returns a builder with every option at its default and no channel name. */
  public static Builder builder() {
    return new Builder();
  }

  /** Returns the defaults (no channel name; a transport supplies its own default). */
  public static HostCoordinationOptions defaults() {
    return builder().build();
  }

  /** Returns a builder holding these options, to change some of them. */
  public Builder toBuilder() {
    Builder b = new Builder();
    b.channelName = channelName;
    b.snapshotRequestTimeout = snapshotRequestTimeout;
    b.directFetchFallback = directFetchFallback;
    b.channelOptions = channelOptions;
    b.electionOptions = electionOptions;
    b.scheduler = scheduler;
    b.logger = logger;
    return b;
  }

  /**
   * The name of the host channel and of the leader election, if set. Processes that share an
   * upstream must use the same name; transports derive a default from their endpoint.
   */
  public Optional<String> channelName() {
    return Optional.ofNullable(channelName);
  }

  /** How long a follower waits for the leader's answer to a snapshot request (default 5 s). */
  public Duration snapshotRequestTimeout() {
    return snapshotRequestTimeout;
  }

  /**
   * Whether a follower whose snapshot request timed out fetches from the upstream itself, with a
   * WARN (default true); otherwise the fetch fails with {@link CoordinationTimeoutException}.
   */
  public boolean directFetchFallback() {
    return directFetchFallback;
  }

  /** The options of the host channel. */
  public ChannelOptions channelOptions() {
    return channelOptions;
  }

  /** The options of the leader election. */
  public ElectionOptions electionOptions() {
    return electionOptions;
  }

  /** The scheduler of snapshot request timeouts and fetch retries. */
  public TaskScheduler scheduler() {
    return scheduler;
  }

  /** The logger, if set; otherwise {@link ChannelRuntime#defaultLogger()}. */
  public Optional<Logger> logger() {
    return Optional.ofNullable(logger);
  }

  /** Builds {@link HostCoordinationOptions}; not thread-safe. */
  public static final class Builder {
    private String channelName;
    private Duration snapshotRequestTimeout = Duration.ofSeconds(5);
    private boolean directFetchFallback = true;
    private ChannelOptions channelOptions = ChannelOptions.defaults();
    private ElectionOptions electionOptions = ElectionOptions.defaults();
    private TaskScheduler scheduler = TaskScheduler.shared();
    private Logger logger;

    private Builder() {}

    /** Sets the channel and election name (a channel name: 1 to 256 UTF-8 bytes). */
    public Builder channelName(String channelName) {
      this.channelName = Objects.requireNonNull(channelName, "channelName");
      return this;
    }

    /** Sets how long a follower waits for the leader's snapshot (&gt; 0; default 5 s). */
    public Builder snapshotRequestTimeout(Duration timeout) {
      this.snapshotRequestTimeout = Objects.requireNonNull(timeout, "snapshotRequestTimeout");
      return this;
    }

    /** Sets whether a follower fetches by itself after a timed-out request (default true). */
    public Builder directFetchFallback(boolean fallback) {
      this.directFetchFallback = fallback;
      return this;
    }

    /** Sets the options of the host channel (default {@link ChannelOptions#defaults()}). */
    public Builder channelOptions(ChannelOptions options) {
      this.channelOptions = Objects.requireNonNull(options, "channelOptions");
      return this;
    }

    /** Sets the options of the leader election (default {@link ElectionOptions#defaults()}). */
    public Builder electionOptions(ElectionOptions options) {
      this.electionOptions = Objects.requireNonNull(options, "electionOptions");
      return this;
    }

    /** Sets the scheduler of timeouts and retries (default {@link TaskScheduler#shared()}). */
    public Builder scheduler(TaskScheduler scheduler) {
      this.scheduler = Objects.requireNonNull(scheduler, "scheduler");
      return this;
    }

    /** Sets the logger (default {@link ChannelRuntime#defaultLogger()}). */
    public Builder logger(Logger logger) {
      this.logger = Objects.requireNonNull(logger, "logger");
      return this;
    }

    /**
     * Validates and builds.
     *
     * @throws IllegalArgumentException naming the option and its allowed range
     */
    public HostCoordinationOptions build() {
      if (channelName != null) {
        int bytes = channelName.getBytes(java.nio.charset.StandardCharsets.UTF_8).length;
        if (bytes == 0 || bytes > 256) {
          throw new IllegalArgumentException(
              "channelName must be 1 to 256 UTF-8 bytes, was " + bytes);
        }
      }
      if (snapshotRequestTimeout.isNegative() || snapshotRequestTimeout.isZero()) {
        throw new IllegalArgumentException(
            "snapshotRequestTimeout must be > 0, was " + snapshotRequestTimeout);
      }
      return new HostCoordinationOptions(this);
    }
  }
}
