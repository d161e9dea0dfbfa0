package dev.statesync.persistence.internal;

import dev.statesync.channel.BroadcastChannel;
import dev.statesync.channel.ChannelOptions;
import dev.statesync.channel.Message;
import dev.statesync.core.Subscription;
import dev.statesync.core.logging.Logger;
import dev.statesync.core.logging.Loggers;
import dev.statesync.persistence.peer.PeerChannel;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Consumer;

/**
 * {@link PeerChannel} over the host {@link BroadcastChannel}. The leader is the oldest open
 * instance of its name (and runtime directory) in the hub JVM, so at most one instance on the
 * host answers a {@code request-sync} at once.
 */
public final class HostPeerChannel implements PeerChannel {
  private static final Logger LOG = Loggers.defaultLogger("dev.statesync.persistence");
  /** Open instances per group, oldest first. Guarded by itself. */
  private static final Map<String, List<HostPeerChannel>> OPEN = new HashMap<>();

  private final BroadcastChannel channel;
  private final String group;
  private final Consumer<Throwable> asyncFailure;
  private final int maxMessageBytes;
  private volatile boolean closed;

  private HostPeerChannel(BroadcastChannel channel, String group,
      Consumer<Throwable> asyncFailure, int maxMessageBytes) {
    this.channel = channel;
    this.maxMessageBytes = maxMessageBytes;
    this.group = group;
    this.asyncFailure = asyncFailure;
  }

  /**
   * Opens the channel; {@code asyncFailure} (null: log at WARNING) receives failures of posts
   * that were accepted and then not sequenced by the hub.
   */
  public static HostPeerChannel open(String name, ChannelOptions options,
      Consumer<Throwable> asyncFailure) {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(options, "options");
    BroadcastChannel channel = BroadcastChannel.open(name, options);
    String group = options.runtimeDir().map(p -> p.toAbsolutePath().normalize().toString())
        .orElse("") + '\u0000' + name;
    HostPeerChannel peer = new HostPeerChannel(channel, group, asyncFailure,
        options.maxMessageBytes());
    synchronized (OPEN) {
      OPEN.computeIfAbsent(group, g -> new ArrayList<>()).add(peer);
    }
    return peer;
  }

  @Override
  public void post(byte[] message) {
    Objects.requireNonNull(message, "message");
    channel.post(message).whenComplete((receipt, error) -> {
      if (error == null) {
        return;
      }
      Throwable cause = DefaultPersistenceApplier.unwrap(error);
      if (asyncFailure != null) {
        asyncFailure.accept(cause);
      } else {
        LOG.warn("peer message not delivered", Map.of("channel", channel.name(), "error", cause));
      }
    });
  }

  @Override
  public Subscription subscribe(Consumer<byte[]> listener) {
    Objects.requireNonNull(listener, "listener");
    return channel.subscribe((Message m) -> listener.accept(m.bytes()));
  }

  @Override
  public Subscription onResync(Runnable listener) {
    Objects.requireNonNull(listener, "listener");
    return channel.onResync(reason -> listener.run());
  }

  @Override
  public boolean isLeader() {
    if (closed || !channel.isHub()) {
      return false;
    }
    synchronized (OPEN) {
      List<HostPeerChannel> open = OPEN.get(group);
      return open != null && !open.isEmpty() && open.get(0) == this;
    }
  }

  @Override
  public int maxMessageBytes() {
    return maxMessageBytes;
  }

  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    synchronized (OPEN) {
      List<HostPeerChannel> open = OPEN.get(group);
      if (open != null) {
        open.remove(this);
        if (open.isEmpty()) {
          OPEN.remove(group);
        }
      }
    }
    channel.close();
  }

  @Override
  public String toString() {
    return "HostPeerChannel[" + channel.name() + "]";
  }
}
