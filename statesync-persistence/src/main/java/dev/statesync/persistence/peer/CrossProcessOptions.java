package dev.statesync.persistence.peer;

import dev.statesync.channel.ChannelOptions;
import java.util.Objects;
import java.util.Optional;

/**
 * Cross-process sync of a persistence applier over the host {@code BroadcastChannel}.
 *
 * <p>After each successful save of a PROVIDER or OFFER apply, the applier posts the saved
 * snapshot on the channel; every other applier with the same key on that channel (in this JVM or
 * another process of the same user) validates it and hands it to its engine with
 * {@code offer(envelope, PEER)}, so it passes the receiver's own revision gate and is saved there
 * only if it was applied. Sending ({@link #broadcastSaves()}) and receiving
 * ({@link #receiveUpdates()}) are independent. Immutable and thread-safe.
 */
public final class CrossProcessOptions {
  /** Default cap on an encoded message: 1 MiB. */
  public static final int DEFAULT_MAX_MESSAGE_BYTES = 1024 * 1024;

  private final String channelName;
  private final boolean receiveUpdates;
  private final boolean broadcastSaves;
  private final int maxMessageBytes;
  private final ChannelOptions channelOptions;

  private CrossProcessOptions(Builder b) {
    this.channelName = b.channelName;
    this.receiveUpdates = b.receiveUpdates;
    this.broadcastSaves = b.broadcastSaves;
    this.maxMessageBytes = Math.min(b.maxMessageBytes, b.channelOptions.maxMessageBytes());
    this.channelOptions = b.channelOptions;
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

  /** Returns the cap on an encoded message, at most the channel's {@code maxMessageBytes}. */
  public int maxMessageBytes() {
    return maxMessageBytes;
  }

  /** Returns the options the channel is opened with. */
  public ChannelOptions channelOptions() {
    return channelOptions;
  }

  /** Builder of {@link CrossProcessOptions}; not thread-safe. */
  public static final class Builder {
    private String channelName;
    private boolean receiveUpdates = true;
    private boolean broadcastSaves = true;
    private int maxMessageBytes = DEFAULT_MAX_MESSAGE_BYTES;
    private ChannelOptions channelOptions = ChannelOptions.defaults();

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
     * Sets the options the channel is opened with, for example its runtime directory.
     *
     * @throws NullPointerException if {@code options} is null
     */
    public Builder channelOptions(ChannelOptions options) {
      this.channelOptions = Objects.requireNonNull(options, "channelOptions");
      return this;
    }

    /** Returns the options. */
    public CrossProcessOptions build() {
      return new CrossProcessOptions(this);
    }
  }
}
