package dev.statesync.persistence.peer;

import dev.statesync.channel.ChannelOptions;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Function;

/**
 * Cross-process sync of a persistence applier over a {@link PeerChannel}, by default the host
 * {@code BroadcastChannel}.
 *
 * <p>After each successful save of a PROVIDER or OFFER apply, the applier posts the saved
 * snapshot on the channel; every other applier with the same key on that channel (in this JVM or
 * another process of the same user) validates it and hands it to its engine with
 * {@code offer(envelope, PEER)}, so it passes the receiver's own revision gate and is saved there
 * only if it was applied. A late joiner posts {@code request-sync} on attach, and one peer that
 * holds state answers it: the leader at once, the others after {@link #answerDelay()} plus a
 * random part of {@link #answerJitter()} unless they saw an answer first. Sending
 * ({@link #broadcastSaves()}, which also governs answering) and receiving
 * ({@link #receiveUpdates()}) are independent. Immutable and thread-safe.
 */
public final class CrossProcessOptions {
  /** Default cap on an encoded message: 1 MiB. */
  public static final int DEFAULT_MAX_MESSAGE_BYTES = 1024 * 1024;

  private final String channelName;
  private final boolean receiveUpdates;
  private final boolean broadcastSaves;
  private final boolean requestSyncOnAttach;
  private final Duration answerDelay;
  private final Duration answerJitter;
  private final int maxMessageBytes;
  private final ChannelOptions channelOptions;
  private final Function<String, PeerChannel> channelFactory;

  private CrossProcessOptions(Builder b) {
    this.channelName = b.channelName;
    this.receiveUpdates = b.receiveUpdates;
    this.broadcastSaves = b.broadcastSaves;
    this.requestSyncOnAttach = b.requestSyncOnAttach;
    this.answerDelay = b.answerDelay;
    this.answerJitter = b.answerJitter;
    this.maxMessageBytes = b.maxMessageBytes;
    this.channelOptions = b.channelOptions;
    this.channelFactory = b.channelFactory;
  }

  /** Returns a builder with every default. */
  public static Builder builder() {
    return new Builder();
  }

  /** Returns the defaults: channel {@code "statesync:" + key}, receive and broadcast on. */
  public static CrossProcessOptions defaults() {
    return builder().build();
  }

  /** Returns the options for {@code channelName}, receiving and broadcasting as given. */
  public static CrossProcessOptions of(String channelName, boolean receiveUpdates,
      boolean broadcastSaves) {
    return builder().channelName(channelName).receiveUpdates(receiveUpdates)
        .broadcastSaves(broadcastSaves).build();
  }

  /** Returns the channel name; empty means {@code "statesync:" + key}. */
  public Optional<String> channelName() {
    return Optional.ofNullable(channelName);
  }

  /** Returns the channel name used for {@code key}. */
  public String channelNameFor(String key) {
    return channelName != null ? channelName : "statesync:" + key;
  }

  /** Whether incoming {@code snapshot} and {@code clear} messages are handled. */
  public boolean receiveUpdates() {
    return receiveUpdates;
  }

  /** Whether successful saves and {@code clear()} are posted to peers. */
  public boolean broadcastSaves() {
    return broadcastSaves;
  }

  /**
   * Whether {@code attach} posts a {@code request-sync} so a peer sends its latest snapshot;
   * ignored when {@link #receiveUpdates()} is false.
   */
  public boolean requestSyncOnAttach() {
    return requestSyncOnAttach;
  }

  /** Returns how long a non-leader waits before answering a {@code request-sync}. */
  public Duration answerDelay() {
    return answerDelay;
  }

  /** Returns the upper bound of the random extra wait added to {@link #answerDelay()}. */
  public Duration answerJitter() {
    return answerJitter;
  }

  /**
   * Returns the configured cap on an encoded message; the effective cap is the smaller of this
   * and the channel's {@link PeerChannel#maxMessageBytes()}.
   */
  public int maxMessageBytes() {
    return maxMessageBytes;
  }

  /** Returns the options the default host channel is opened with. */
  public ChannelOptions channelOptions() {
    return channelOptions;
  }

  /**
   * Returns the factory that opens the channel from its name; empty means the host
   * {@code BroadcastChannel} opened with {@link #channelOptions()} (as
   * {@link PeerChannel#open(String, ChannelOptions)}).
   */
  public Optional<Function<String, PeerChannel>> channelFactory() {
    return Optional.ofNullable(channelFactory);
  }

  /** Builder of {@link CrossProcessOptions}; not thread-safe. */
  public static final class Builder {
    private String channelName;
    private boolean receiveUpdates = true;
    private boolean broadcastSaves = true;
    private boolean requestSyncOnAttach = true;
    private Duration answerDelay = Duration.ofMillis(100);
    private Duration answerJitter = Duration.ofMillis(100);
    private int maxMessageBytes = DEFAULT_MAX_MESSAGE_BYTES;
    private ChannelOptions channelOptions = ChannelOptions.defaults();
    private boolean channelOptionsSet;
    private Function<String, PeerChannel> channelFactory;

    private Builder() {}

    /**
     * Sets the channel name (1 to 256 UTF-8 bytes; checked when the channel opens).
     *
     * @throws NullPointerException if {@code name} is null
     * @throws IllegalArgumentException if {@code name} is empty
     */
    public Builder channelName(String name) {
      Objects.requireNonNull(name, "channelName");
      if (name.isEmpty()) {
        throw new IllegalArgumentException("channelName must not be empty");
      }
      this.channelName = name;
      return this;
    }

    /** Sets whether peer {@code snapshot} and {@code clear} messages are handled (default true). */
    public Builder receiveUpdates(boolean receive) {
      this.receiveUpdates = receive;
      return this;
    }

    /** Sets whether saves and clears are posted to peers (default true). */
    public Builder broadcastSaves(boolean broadcast) {
      this.broadcastSaves = broadcast;
      return this;
    }

    /** Sets whether {@code attach} posts a {@code request-sync} (default true). */
    public Builder requestSyncOnAttach(boolean request) {
      this.requestSyncOnAttach = request;
      return this;
    }

    /**
     * Sets how long a non-leader waits before answering a {@code request-sync} (default 100 ms).
     *
     * @throws NullPointerException if {@code delay} is null
     * @throws IllegalArgumentException if {@code delay} is negative
     */
    public Builder answerDelay(Duration delay) {
      this.answerDelay = nonNegative(delay, "answerDelay");
      return this;
    }

    /**
     * Sets the bound of the random extra wait of a non-leader's answer (default 100 ms).
     *
     * @throws NullPointerException if {@code jitter} is null
     * @throws IllegalArgumentException if {@code jitter} is negative
     */
    public Builder answerJitter(Duration jitter) {
      this.answerJitter = nonNegative(jitter, "answerJitter");
      return this;
    }

    private static Duration nonNegative(Duration d, String name) {
      Objects.requireNonNull(d, name);
      if (d.isNegative()) {
        throw new IllegalArgumentException(name + " must be >= 0, was " + d);
      }
      return d;
    }

    /**
     * Sets the factory that opens the channel from its name, for example
     * {@code PeerChannel::inMemory}; default: the host channel with {@link #channelOptions}.
     *
     * @throws NullPointerException if {@code factory} is null
     */
    public Builder channelFactory(Function<String, PeerChannel> factory) {
      this.channelFactory = Objects.requireNonNull(factory, "channelFactory");
      return this;
    }

    /**
     * Sets the cap on an encoded message (default 1 MiB, and never above the channel's cap).
     *
     * @throws IllegalArgumentException if {@code bytes} is not positive
     */
    public Builder maxMessageBytes(int bytes) {
      if (bytes <= 0) {
        throw new IllegalArgumentException("maxMessageBytes must be > 0, was " + bytes);
      }
      this.maxMessageBytes = bytes;
      return this;
    }

    /**
     * Sets the options the default host channel is opened with, for example its runtime
     * directory.
     *
     * @throws NullPointerException if {@code options} is null
     */
    public Builder channelOptions(ChannelOptions options) {
      this.channelOptions = Objects.requireNonNull(options, "channelOptions");
      this.channelOptionsSet = true;
      return this;
    }

    /**
     * Returns the options.
     *
     * @throws IllegalArgumentException if both {@code channelFactory} and {@code channelOptions}
     *     are set ({@code channelOptions} only applies to the default host channel)
     */
    public CrossProcessOptions build() {
      if (channelFactory != null && channelOptionsSet) {
        throw new IllegalArgumentException("channelOptions applies only to the default host "
            + "channel; with a channelFactory, pass the options to the factory instead");
      }
      return new CrossProcessOptions(this);
    }
  }
}
