package dev.statesync.persistence.peer;

import dev.statesync.channel.BroadcastChannel;
import dev.statesync.channel.ChannelOptions;
import dev.statesync.core.Subscription;
import dev.statesync.persistence.internal.HostPeerChannel;
import dev.statesync.persistence.internal.InMemoryPeerChannel;
import java.util.function.Consumer;

/**
 * The transport of cross-process sync: a named broadcast of byte messages between the peers of
 * one key. {@link #open(String)} adapts the host {@link BroadcastChannel} (every process of this
 * user on this host); {@link #inMemory(String)} has the same semantics inside one JVM, for tests
 * and single-process apps. A custom implementation plugs in through
 * {@link CrossProcessOptions.Builder#channelFactory}.
 *
 * <p><b>Contract relied upon by the persistence applier.</b>
 * <ul>
 *   <li>A post reaches every <em>other</em> open instance of the same name, never the posting
 *       instance, and only listeners that were subscribed when it was posted.
 *   <li>Delivery is asynchronous and may lose, duplicate or reorder messages (the receiver's
 *       revision gate absorbs all three); listeners of one instance run one at a time, never on
 *       the posting thread.
 *   <li>Outside failover, {@link #isLeader()} is true for at most one open instance per name.
 *   <li>A post larger than {@link #maxMessageBytes()} is rejected with an exception.
 * </ul>
 * Implementations are thread-safe.
 */
public interface PeerChannel extends AutoCloseable {
  /**
   * Hands {@code message} to the channel for every other open instance and returns without
   * waiting for delivery.
   *
   * @throws NullPointerException if {@code message} is null
   * @throws RuntimeException if the message cannot be accepted: larger than
   *     {@link #maxMessageBytes()}, or the channel is closed
   */
  void post(byte[] message);

  /**
   * Adds a listener for messages posted by other instances from now on. The listener gets its
   * own copy of each message's bytes. The returned subscription removes only this registration.
   */
  Subscription subscribe(Consumer<byte[]> listener);

  /** Whether this instance is the one that answers {@code request-sync} at once. */
  boolean isLeader();

  /** The largest message {@link #post} accepts, in bytes. */
  int maxMessageBytes();

  /**
   * Adds a listener told when this instance may have missed messages (the host channel's resync
   * signal); the persistence applier then refreshes from its provider. The default never calls
   * it, for channels that cannot tell.
   */
  default Subscription onResync(Runnable listener) {
    return () -> { };
  }

  /** Closes this instance; idempotent. Afterwards no listener runs and {@link #post} throws. */
  @Override
  void close();

  /**
   * Opens the host channel {@code name} with default {@link ChannelOptions}, blocking until this
   * JVM joined it.
   *
   * @see #open(String, ChannelOptions)
   */
  static PeerChannel open(String name) {
    return open(name, ChannelOptions.defaults());
  }

  /**
   * Opens the host {@link BroadcastChannel} {@code name}, blocking until this JVM joined it (at
   * most the options' {@code openTimeout}). {@link #isLeader()} is true only in the hub JVM, and
   * there only for the oldest open {@code PeerChannel} of that name and runtime directory. A post
   * that fails after it was accepted (the hub died, back-pressure, timeout) is logged at WARNING
   * on the platform logger {@code dev.statesync.persistence} and treated as a lost message.
   *
   * @throws IllegalArgumentException if the name is empty or longer than 256 UTF-8 bytes
   * @throws dev.statesync.channel.ChannelException if the channel cannot be joined (see
   *     {@link BroadcastChannel#open(String, ChannelOptions)})
   */
  static PeerChannel open(String name, ChannelOptions options) {
    return HostPeerChannel.open(name, options, null);
  }

  /**
   * Opens an instance of the in-JVM channel {@code name}. Each instance delivers to its listeners
   * on its own serial executor, in post order; the oldest open instance of the name is the
   * leader; {@link #maxMessageBytes()} is 1 MiB.
   *
   * @throws NullPointerException if {@code name} is null
   * @throws IllegalArgumentException if {@code name} is empty
   */
  static PeerChannel inMemory(String name) {
    return InMemoryPeerChannel.open(name);
  }
}
