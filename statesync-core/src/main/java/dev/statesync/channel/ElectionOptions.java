package dev.statesync.channel;

import dev.statesync.core.logging.Logger;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.Executor;

/**
 * Immutable options of a {@link LeaderElection}; create with {@link #builder()}. The first
 * instance of a group opened in a JVM fixes the directory, transport and timing for that JVM.
 */
public final class ElectionOptions {
  private final Path runtimeDir;
  private final Transport transport;
  private final Duration heartbeatInterval;
  private final Duration leaderTimeout;
  private final Duration relinquishCooldown;
  private final Duration closeTimeout;
  private final Executor executor;
  private final Logger logger;

  private ElectionOptions(Builder b) {
    this.runtimeDir = b.runtimeDir;
    this.transport = b.transport;
    this.heartbeatInterval = b.heartbeatInterval;
    this.leaderTimeout = b.leaderTimeout;
    this.relinquishCooldown = b.relinquishCooldown;
    this.closeTimeout = b.closeTimeout;
    this.executor = b.executor;
    this.logger = b.logger;
  }

  /** Returns a builder with every option at its default. */
  public static Builder builder() {
    return new Builder();
  }

  /** Returns the defaults. */
  public static ElectionOptions defaults() {
    return builder().build();
  }

  /** The explicit runtime directory, if set. */
  public Optional<Path> runtimeDir() {
    return Optional.ofNullable(runtimeDir);
  }

  /** The explicit transport, if set. */
  public Optional<Transport> transport() {
    return Optional.ofNullable(transport);
  }

  /** How often the leader sends a heartbeat to idle followers. */
  public Duration heartbeatInterval() {
    return heartbeatInterval;
  }

  /** Silence after which followers report the leader unresponsive. */
  public Duration leaderTimeout() {
    return leaderTimeout;
  }

  /** How long a relinquishing JVM waits before it competes again, unless a new leader shows. */
  public Duration relinquishCooldown() {
    return relinquishCooldown;
  }

  /** Upper bound of {@code close} and {@code relinquish} handover. */
  public Duration closeTimeout() {
    return closeTimeout;
  }

  /** The executor running listeners, if set. */
  public Optional<Executor> executor() {
    return Optional.ofNullable(executor);
  }

  /**
   * The logger, if set; otherwise {@link ChannelRuntime#defaultLogger()}. The first instance of
   * a group opened in a JVM gives the group its logger (lock, hub and connection entries); each
   * instance's own logger gets the entries about its listeners.
   */
  public Optional<Logger> logger() {
    return Optional.ofNullable(logger);
  }

  /** Builds {@link ElectionOptions}; not thread-safe. */
  public static final class Builder {
    private Path runtimeDir;
    private Transport transport;
    private Duration heartbeatInterval = Duration.ofSeconds(1);
    private Duration leaderTimeout = Duration.ofSeconds(5);
    private Duration relinquishCooldown = Duration.ofMillis(100);
    private Duration closeTimeout = Duration.ofSeconds(1);
    private Executor executor;
    private Logger logger;

    private Builder() {}

    /** Sets the runtime directory (absolute). */
    public Builder runtimeDir(Path dir) {
      this.runtimeDir = Objects.requireNonNull(dir, "dir");
      return this;
    }

    /** Sets the transport. */
    public Builder transport(Transport transport) {
      this.transport = Objects.requireNonNull(transport, "transport");
      return this;
    }

    /** Sets the heartbeat interval, 50 ms to 60 s (default 1 s). */
    public Builder heartbeatInterval(Duration d) {
      this.heartbeatInterval = Objects.requireNonNull(d, "d");
      return this;
    }

    /** Sets the leader timeout, at least twice the heartbeat interval (default 5 s). */
    public Builder leaderTimeout(Duration d) {
      this.leaderTimeout = Objects.requireNonNull(d, "d");
      return this;
    }

    /** Sets the relinquish cooldown, at least 0 (default 100 ms). */
    public Builder relinquishCooldown(Duration d) {
      this.relinquishCooldown = Objects.requireNonNull(d, "d");
      return this;
    }

    /** Sets the close timeout, positive (default 1 s). */
    public Builder closeTimeout(Duration d) {
      this.closeTimeout = Objects.requireNonNull(d, "d");
      return this;
    }

    /** Sets the listener executor. */
    public Builder executor(Executor executor) {
      this.executor = Objects.requireNonNull(executor, "executor");
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
    public ElectionOptions build() {
      if (runtimeDir != null && !runtimeDir.isAbsolute()) {
        throw new IllegalArgumentException("runtimeDir must be an absolute path, got " + runtimeDir);
      }
      ChannelOptions.heartbeat(heartbeatInterval, leaderTimeout);
      ChannelOptions.check(!relinquishCooldown.isNegative(), "relinquishCooldown", ">= 0",
          relinquishCooldown);
      ChannelOptions.positive(closeTimeout, "closeTimeout");
      return new ElectionOptions(this);
    }
  }
}
