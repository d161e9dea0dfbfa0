package dev.statesync.channel;

import dev.statesync.channel.internal.ChannelCore;
import java.util.Objects;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;

/**
 * A named channel shared by every process of this user on this host, with the semantics of the
 * browser's {@code BroadcastChannel} plus total order, join catch-up and an explicit resync
 * signal.
 *
 * <p><b>Delivery.</b> A message posted by one instance reaches every other open instance of the
 * same name in the same runtime directory, in this JVM and in other JVMs, and never the poster.
 * Within an epoch every instance sees messages in the same order (the hub's seq); messages of
 * one instance keep their posting order. A message is delivered at most once. When an instance
 * may have missed messages (hub crash, replay no longer available, its own listeners too slow),
 * it gets {@link ResyncListener#onResync} in its delivery order instead.
 *
 * <p><b>Threads.</b> Thread-safe. Listeners of one instance run one at a time, in registration
 * order, on the options' executor (by default a shared daemon pool), never on the posting thread
 * and never on a library I/O thread. Non-async dependents of the futures returned by
 * {@code post} may run on a library thread and must not block.
 *
 * <p><b>Close.</b> After {@link #close()} returns no listener of the instance runs again and
 * {@code post} throws {@link ChannelClosedException}. The last instance of a JVM hands the hub
 * over cleanly when it held it.
 */
public final class BroadcastChannel implements AutoCloseable {
  private final String name;
  private final ChannelCore core;

  private BroadcastChannel(String name, ChannelCore core) {
    this.name = name;
    this.core = core;
  }

  /**
   * Opens the channel with default options, blocking until this JVM is hub or follower.
   *
   * @throws IllegalArgumentException if the name is empty or longer than 256 UTF-8 bytes
   * @throws ChannelPathTooLongException if the socket path is over the platform limit
   * @throws ChannelSecurityException if the runtime directory is unsafe
   * @throws ChannelUnavailableException if joining takes longer than {@code openTimeout}
   */
  public static BroadcastChannel open(String name) {
    return open(name, ChannelOptions.defaults());
  }

  /**
   * Opens the channel, blocking until this JVM is hub or follower, at most {@code openTimeout}.
   *
   * @throws IllegalArgumentException if the name is empty or longer than 256 UTF-8 bytes
   * @throws ChannelPathTooLongException if the socket path is over the platform limit
   * @throws ChannelSecurityException if the runtime directory is unsafe
   * @throws ChannelUnavailableException if joining takes longer than {@code openTimeout}
   */
  public static BroadcastChannel open(String name, ChannelOptions options) {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(options, "options");
    return new BroadcastChannel(name, ChannelCore.open(name, options));
  }

  /** Opens asynchronously on a library thread; the future fails with what {@code open} throws. */
  public static CompletableFuture<BroadcastChannel> openAsync(String name,
      ChannelOptions options) {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(options, "options");
    return CompletableFuture.supplyAsync(() -> open(name, options),
        dev.statesync.channel.internal.Threads.dispatchPool());
  }

  /** The channel name. */
  public String name() {
    return name;
  }

  /** This instance's random id; messages it posts carry it as {@link Message#originId()}. */
  public UUID instanceId() {
    return core.instanceId();
  }

  /** This JVM's membership in the channel group. */
  public MemberInfo self() {
    return core.self();
  }

  /**
   * Posts a copy of {@code message} to every other open instance. Never runs a listener on the
   * calling thread.
   *
   * <p>The future completes with the message's place in the total order once the hub stamped it.
   * It fails with {@link ChannelBackpressureException} when more than {@code pendingPostBytes}
   * wait for a hub, with {@link LeaderLostException} when the hub died after receiving the frame
   * (outcome unknown), with {@link ChannelClosedException} when the instance closed first, or with
   * {@link java.util.concurrent.TimeoutException} after {@code postTimeout} (outcome unknown).
   *
   * @throws NullPointerException if {@code message} is null
   * @throws MessageTooLargeException if it exceeds {@code maxMessageBytes}; nothing is sent
   * @throws ChannelClosedException if this instance is closed
   */
  public CompletableFuture<PostReceipt> post(byte[] message) {
    Objects.requireNonNull(message, "message");
    return core.post(message);
  }

  /**
   * Encodes {@code value} with {@code codec} and posts it as {@link #post(byte[])} does.
   *
   * @throws NullPointerException if an argument is null
   * @throws MessageTooLargeException if the encoding exceeds {@code maxMessageBytes}
   */
  public <T> CompletableFuture<PostReceipt> post(T value, MessageCodec<T> codec) {
    Objects.requireNonNull(value, "value");
    Objects.requireNonNull(codec, "codec");
    return core.post(codec.encode(value));
  }

  /** Adds a listener for messages; it sees messages from the next one dispatched on. */
  public Subscription subscribe(MessageListener listener) {
    return core.subscribe(Objects.requireNonNull(listener, "listener"));
  }

  /**
   * Adds a typed listener. A message that {@code codec} cannot decode skips this listener, logs
   * WARN and counts in {@link ChannelStats#decodeFailures()}; other listeners are unaffected.
   */
  public <T> Subscription subscribe(MessageCodec<T> codec, Consumer<? super T> listener) {
    Objects.requireNonNull(codec, "codec");
    Objects.requireNonNull(listener, "listener");
    return core.subscribe(codec, listener);
  }

  /** Adds a listener told when this instance may have missed messages. */
  public Subscription onResync(ResyncListener listener) {
    return core.onResync(Objects.requireNonNull(listener, "listener"));
  }

  /** Adds a listener for members joining and leaving, in the total order. */
  public Subscription onMembership(MembershipListener listener) {
    return core.onMembership(Objects.requireNonNull(listener, "listener"));
  }

  /** Adds a listener called once per status transition, on the dispatch queue. */
  public Subscription onStatus(Consumer<ChannelStatus> listener) {
    return core.onStatus(Objects.requireNonNull(listener, "listener"));
  }

  /** This JVM's current status in the group, {@link ChannelStatus#CLOSED} after close. */
  public ChannelStatus status() {
    return core.status();
  }

  /** The members as of the last frame this JVM processed, including itself. */
  public Set<MemberInfo> members() {
    return core.members();
  }

  /** Whether this JVM currently is the hub (holds the lock and sequences messages). */
  public boolean isHub() {
    return status() == ChannelStatus.HUB;
  }

  /**
   * The epoch of the hub term this JVM is in (its own when it is the hub), 0 before it first
   * joined. Receipts and messages carry the epoch too; this is for observing failovers.
   */
  public long epoch() {
    return core.epoch();
  }

  /** This instance's counters. */
  public ChannelStats stats() {
    return core.stats();
  }

  /**
   * Closes this instance; idempotent, bounded by {@code closeTimeout}. Posts whose futures have
   * not failed are still sent. Called from a listener, it takes effect when that callback returns.
   */
  @Override
  public void close() {
    core.close();
  }

  @Override
  public String toString() {
    return "BroadcastChannel[" + name + ", " + status() + "]";
  }
}
