package dev.statesync.channel;

import dev.statesync.core.logging.Logger;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.Executor;

/**
 * Immutable options of a {@link BroadcastChannel}; create with {@link #builder()}. The first
 * instance of a group opened in a JVM fixes the group's transport-level settings (directory,
 * transport, timeouts, queue bounds) for that JVM; later instances only contribute their own
 * executor and listener queue bounds.
 */
public final class ChannelOptions {
  static final int MIB = 1024 * 1024;

  private final Path runtimeDir;
  private final Transport transport;
  private final int maxMessageBytes;
  private final Duration openTimeout;
  private final Duration postTimeout;
  private final Duration closeTimeout;
  private final Duration heartbeatInterval;
  private final Duration leaderTimeout;
  private final int replayFrames;
  private final long replayBytes;
  private final int subscriberQueueFrames;
  private final long subscriberQueueBytes;
  private final int listenerQueueMessages;
  private final long listenerQueueBytes;
  private final long pendingPostBytes;
  private final Duration rejoinGrace;
  private final Executor executor;
  private final Logger logger;

  private ChannelOptions(Builder b) {
    this.runtimeDir = b.runtimeDir;
    this.transport = b.transport;
    this.maxMessageBytes = b.maxMessageBytes;
    this.openTimeout = b.openTimeout;
    this.postTimeout = b.postTimeout;
    this.closeTimeout = b.closeTimeout;
    this.heartbeatInterval = b.heartbeatInterval;
    this.leaderTimeout = b.leaderTimeout;
    this.replayFrames = b.replayFrames;
    this.replayBytes = b.replayBytes;
    this.subscriberQueueFrames = b.subscriberQueueFrames;
    this.subscriberQueueBytes = b.subscriberQueueBytes;
    this.listenerQueueMessages = b.listenerQueueMessages;
    this.listenerQueueBytes = b.listenerQueueBytes;
    this.pendingPostBytes = b.pendingPostBytes;
    this.rejoinGrace = b.rejoinGrace;
    this.executor = b.executor;
    this.logger = b.logger;
  }

  /** Returns a builder with every option at its default. */
  public static Builder builder() {
    return new Builder();
  }

  /** Returns the defaults. */
  public static ChannelOptions defaults() {
    return builder().build();
  }

  /** The explicit runtime directory, if one was set; otherwise it is resolved at open. */
  public Optional<Path> runtimeDir() {
    return Optional.ofNullable(runtimeDir);
  }

  /**
   * The transport; {@code null} in the builder means "resolve from the property
   * {@code statesync.channel.transport} or {@code STATESYNC_CHANNEL_TRANSPORT}, else AUTO".
   */
  public Optional<Transport> transport() {
    return Optional.ofNullable(transport);
  }

  /** Largest payload accepted by {@code post} and at receipt. */
  public int maxMessageBytes() {
    return maxMessageBytes;
  }

  /** How long {@code open} may wait to join before it throws. */
  public Duration openTimeout() {
    return openTimeout;
  }

  /** How long a post future may stay pending before it fails with a timeout. */
  public Duration postTimeout() {
    return postTimeout;
  }

  /** Upper bound of {@code close}, including a clean hub handover. */
  public Duration closeTimeout() {
    return closeTimeout;
  }

  /** How often the hub sends a heartbeat on an otherwise idle connection. */
  public Duration heartbeatInterval() {
    return heartbeatInterval;
  }

  /** Silence after which a follower reports the hub unresponsive. */
  public Duration leaderTimeout() {
    return leaderTimeout;
  }

  /** Frames kept for replay to reconnecting followers. */
  public int replayFrames() {
    return replayFrames;
  }

  /** Bytes kept for replay to reconnecting followers. */
  public long replayBytes() {
    return replayBytes;
  }

  /** Frames the hub queues for one follower before disconnecting it. */
  public int subscriberQueueFrames() {
    return subscriberQueueFrames;
  }

  /** Bytes the hub queues for one follower before disconnecting it. */
  public long subscriberQueueBytes() {
    return subscriberQueueBytes;
  }

  /** Messages queued for an instance's listeners before it is resynced. */
  public int listenerQueueMessages() {
    return listenerQueueMessages;
  }

  /** Payload bytes queued for an instance's listeners before it is resynced. */
  public long listenerQueueBytes() {
    return listenerQueueBytes;
  }

  /** Bytes of posts waiting to be written before posts fail with backpressure. */
  public long pendingPostBytes() {
    return pendingPostBytes;
  }

  /** How long a new hub waits for members of the previous term to reconnect. */
  public Duration rejoinGrace() {
    return rejoinGrace;
  }

  /** The executor running listeners, if set; otherwise a shared daemon pool is used. */
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

  /** Builds {@link ChannelOptions}; not thread-safe. */
  public static final class Builder {
    private Path runtimeDir;
    private Transport transport;
    private int maxMessageBytes = MIB;
    private Duration openTimeout = Duration.ofSeconds(5);
    private Duration postTimeout = Duration.ofSeconds(5);
    private Duration closeTimeout = Duration.ofSeconds(1);
    private Duration heartbeatInterval = Duration.ofSeconds(1);
    private Duration leaderTimeout = Duration.ofSeconds(5);
    private int replayFrames = 1024;
    private long replayBytes = MIB;
    private int subscriberQueueFrames = 16_384;
    private long subscriberQueueBytes = 8L * MIB;
    private int listenerQueueMessages = 10_000;
    private long listenerQueueBytes = 16L * MIB;
    private long pendingPostBytes = MIB;
    private Duration rejoinGrace = Duration.ofMillis(500);
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

    /** Sets the largest payload, 1 B to 16 MiB (default 1 MiB). */
    public Builder maxMessageBytes(int bytes) {
      this.maxMessageBytes = bytes;
      return this;
    }

    /** Sets the open timeout, positive (default 5 s). */
    public Builder openTimeout(Duration d) {
      this.openTimeout = Objects.requireNonNull(d, "d");
      return this;
    }

    /** Sets the post timeout, positive (default 5 s). */
    public Builder postTimeout(Duration d) {
      this.postTimeout = Objects.requireNonNull(d, "d");
      return this;
    }

    /** Sets the close timeout, positive (default 1 s). */
    public Builder closeTimeout(Duration d) {
      this.closeTimeout = Objects.requireNonNull(d, "d");
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

    /** Sets the replay ring's frame bound, at least 0 (default 1,024; 0 disables replay). */
    public Builder replayFrames(int frames) {
      this.replayFrames = frames;
      return this;
    }

    /** Sets the replay ring's byte bound, at least 0 (default 1 MiB). */
    public Builder replayBytes(long bytes) {
      this.replayBytes = bytes;
      return this;
    }

    /** Sets the per-follower frame bound at the hub, at least 16 (default 16,384). */
    public Builder subscriberQueueFrames(int frames) {
      this.subscriberQueueFrames = frames;
      return this;
    }

    /** Sets the per-follower byte bound at the hub, at least 2 x maxMessageBytes (8 MiB). */
    public Builder subscriberQueueBytes(long bytes) {
      this.subscriberQueueBytes = bytes;
      return this;
    }

    /** Sets the listener queue's message bound, at least 1 (default 10,000). */
    public Builder listenerQueueMessages(int messages) {
      this.listenerQueueMessages = messages;
      return this;
    }

    /** Sets the listener queue's byte bound, at least maxMessageBytes (default 16 MiB). */
    public Builder listenerQueueBytes(long bytes) {
      this.listenerQueueBytes = bytes;
      return this;
    }

    /** Sets the pending post bound, at least maxMessageBytes (default 1 MiB). */
    public Builder pendingPostBytes(long bytes) {
      this.pendingPostBytes = bytes;
      return this;
    }

    /** Sets the rejoin grace, at least 0 (default 500 ms). */
    public Builder rejoinGrace(Duration d) {
      this.rejoinGrace = Objects.requireNonNull(d, "d");
      return this;
    }

    /** Sets the listener executor; each instance's listeners are serialized on it. */
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
    public ChannelOptions build() {
      if (runtimeDir != null && !runtimeDir.isAbsolute()) {
        throw new IllegalArgumentException("runtimeDir must be an absolute path, got " + runtimeDir);
      }
      check(maxMessageBytes >= 1 && maxMessageBytes <= 16 * MIB, "maxMessageBytes",
          "1 .. 16777216", maxMessageBytes);
      positive(openTimeout, "openTimeout");
      positive(postTimeout, "postTimeout");
      positive(closeTimeout, "closeTimeout");
      heartbeat(heartbeatInterval, leaderTimeout);
      check(replayFrames >= 0, "replayFrames", ">= 0", replayFrames);
      check(replayBytes >= 0, "replayBytes", ">= 0", replayBytes);
      check(subscriberQueueFrames >= 16, "subscriberQueueFrames", ">= 16", subscriberQueueFrames);
      check(subscriberQueueBytes >= 2L * maxMessageBytes, "subscriberQueueBytes",
          ">= 2 x maxMessageBytes (" + 2L * maxMessageBytes + ")", subscriberQueueBytes);
      check(listenerQueueMessages >= 1, "listenerQueueMessages", ">= 1", listenerQueueMessages);
      check(listenerQueueBytes >= maxMessageBytes, "listenerQueueBytes",
          ">= maxMessageBytes (" + maxMessageBytes + ")", listenerQueueBytes);
      check(pendingPostBytes >= maxMessageBytes, "pendingPostBytes",
          ">= maxMessageBytes (" + maxMessageBytes + ")", pendingPostBytes);
      check(!rejoinGrace.isNegative(), "rejoinGrace", ">= 0", rejoinGrace);
      return new ChannelOptions(this);
    }
  }

  static void check(boolean ok, String option, String range, Object value) {
    if (!ok) {
      throw new IllegalArgumentException(option + " must be " + range + ", got " + value);
    }
  }

  static void positive(Duration d, String option) {
    check(!d.isNegative() && !d.isZero(), option, "> 0", d);
  }

  static void heartbeat(Duration heartbeatInterval, Duration leaderTimeout) {
    check(heartbeatInterval.compareTo(Duration.ofMillis(50)) >= 0
        && heartbeatInterval.compareTo(Duration.ofSeconds(60)) <= 0, "heartbeatInterval",
        "50 ms .. 60 s", heartbeatInterval);
    check(leaderTimeout.compareTo(heartbeatInterval.multipliedBy(2)) >= 0, "leaderTimeout",
        ">= 2 x heartbeatInterval (" + heartbeatInterval.multipliedBy(2) + ")", leaderTimeout);
  }
}
