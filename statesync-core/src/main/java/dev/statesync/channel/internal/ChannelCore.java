package dev.statesync.channel.internal;

import dev.statesync.channel.ChannelClosedException;
import dev.statesync.channel.ChannelOptions;
import dev.statesync.channel.ChannelStats;
import dev.statesync.channel.ChannelStatus;
import dev.statesync.channel.ChannelUnavailableException;
import dev.statesync.channel.MemberInfo;
import dev.statesync.channel.MembershipListener;
import dev.statesync.channel.Message;
import dev.statesync.channel.MessageListener;
import dev.statesync.channel.MessageTooLargeException;
import dev.statesync.channel.PostReceipt;
import dev.statesync.channel.ResyncListener;
import dev.statesync.channel.ResyncReason;
import dev.statesync.core.Subscription;
import java.nio.ByteBuffer;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * The implementation behind one {@code BroadcastChannel} instance. Not API: public only so that
 * the API class in the parent package can reach it.
 */
public final class ChannelCore implements Endpoint {
  private final GroupMember group;
  private final UUID instanceId = UUID.randomUUID();
  private final Dispatcher dispatcher;
  private final Log log;
  private final long closeTimeoutNanos;
  private final List<MessageListener> messageListeners = new CopyOnWriteArrayList<>();
  private final List<ResyncListener> resyncListeners = new CopyOnWriteArrayList<>();
  private final List<MembershipListener> membershipListeners = new CopyOnWriteArrayList<>();
  private final List<Consumer<ChannelStatus>> statusListeners = new CopyOnWriteArrayList<>();
  private final AtomicLong posted = new AtomicLong();
  private final AtomicLong delivered = new AtomicLong();
  private final AtomicLong bytesPosted = new AtomicLong();
  private final AtomicLong resyncs = new AtomicLong();
  private final AtomicLong decodeFailures = new AtomicLong();
  private final long reconnectsAtOpen;
  private long originSeq; // guarded by the group's monitor
  private volatile boolean closed;

  private ChannelCore(GroupMember group, ChannelOptions o) {
    this.group = group;
    this.closeTimeoutNanos = o.closeTimeout().toNanos();
    this.log = o.logger().map(Log::of).orElse(group.cfg.log());
    this.dispatcher = new Dispatcher(o.executor().orElse(Threads.dispatchPool()),
        o.listenerQueueMessages(), o.listenerQueueBytes(),
        () -> runResync(ResyncReason.SLOW_SUBSCRIBER), log);
    synchronized (group) {
      this.reconnectsAtOpen = group.reconnects;
    }
  }

  /**
   * Joins the group and waits until this JVM is hub or follower (CHAN-8).
   *
   * @throws ChannelUnavailableException after {@code openTimeout}, or on incompatible versions
   */
  public static ChannelCore open(String name, ChannelOptions o) {
    RuntimeDirs.checkName(name);
    GroupMember g = Registry.acquire(GroupConfig.of(name, o));
    ChannelCore c = new ChannelCore(g, o);
    synchronized (g) {
      g.endpoints.add(c);
    }
    try {
      g.joined.get(o.openTimeout().toNanos(), TimeUnit.NANOSECONDS);
    } catch (TimeoutException e) {
      c.close();
      throw new ChannelUnavailableException("could not join " + g.label() + " in "
          + g.cfg.dir().path() + " within " + o.openTimeout().toMillis() + " ms: the hub "
          + "is not answering (hung or stopped?)");
    } catch (ExecutionException e) {
      c.close();
      throw e.getCause() instanceof RuntimeException
          ? (RuntimeException) e.getCause()
          : new ChannelUnavailableException("could not join " + g.label(), e.getCause());
    } catch (InterruptedException e) {
      c.close();
      Thread.currentThread().interrupt();
      throw new ChannelUnavailableException("interrupted while joining " + g.label(), e);
    }
    return c;
  }

  @Override
  public UUID instanceId() {
    return instanceId;
  }

  public MemberInfo self() {
    return group.self;
  }

  /** See {@code BroadcastChannel#post(byte[])}. */
  public CompletableFuture<PostReceipt> post(byte[] message) {
    if (closed) {
      throw new ChannelClosedException("channel \"" + group.cfg.name() + "\" is closed");
    }
    int max;
    synchronized (group) {
      max = group.effectiveMaxMessageBytes;
    }
    if (message.length > max) {
      throw new MessageTooLargeException("message of " + message.length + " bytes exceeds "
          + "maxMessageBytes (" + max + ") of channel \"" + group.cfg.name() + "\"");
    }
    ByteBuffer payload = ByteBuffer.wrap(message.clone());
    CompletableFuture<PostReceipt> f = group.post(instanceId, () -> ++originSeq, payload);
    posted.incrementAndGet();
    bytesPosted.addAndGet(message.length);
    return f;
  }

  public Subscription subscribe(MessageListener l) {
    return add(messageListeners, l);
  }

  /** A typed subscription: decode failures skip this listener, log WARN and are counted. */
  public <T> Subscription subscribe(dev.statesync.channel.MessageCodec<T> codec,
      Consumer<? super T> listener) {
    return subscribe(m -> {
      T value;
      try {
        value = codec.decode(m.bytes());
      } catch (RuntimeException e) {
        decodeFailures.incrementAndGet();
        log.warn("channel \"" + group.cfg.name() + "\": cannot decode message seq " + m.seq()
            + " of epoch " + m.epoch() + ": " + e);
        return;
      }
      listener.accept(value);
    });
  }

  public Subscription onResync(ResyncListener l) {
    return add(resyncListeners, l);
  }

  public Subscription onMembership(MembershipListener l) {
    return add(membershipListeners, l);
  }

  public Subscription onStatus(Consumer<ChannelStatus> l) {
    return add(statusListeners, l);
  }

  private static <L> Subscription add(List<L> list, L l) {
    java.util.Objects.requireNonNull(l, "listener");
    list.add(l);
    return () -> list.remove(l);
  }

  public ChannelStatus status() {
    if (closed) {
      return ChannelStatus.CLOSED;
    }
    synchronized (group) {
      return group.status;
    }
  }

  public long epoch() {
    synchronized (group) {
      return group.epoch;
    }
  }

  public Set<MemberInfo> members() {
    synchronized (group) {
      return Set.copyOf(new LinkedHashSet<>(group.members.values()));
    }
  }

  public ChannelStats stats() {
    long rc;
    synchronized (group) {
      rc = group.reconnects - reconnectsAtOpen;
    }
    return new ChannelStats(posted.get(), delivered.get(), bytesPosted.get(), resyncs.get(), rc,
        decodeFailures.get());
  }

  /** See {@code BroadcastChannel#close()}. */
  public void close() {
    synchronized (group) {
      if (closed) {
        return;
      }
      closed = true;
      group.endpoints.remove(this);
    }
    // One bound for the whole close, handover included (CHAN-18).
    long deadline = System.nanoTime() + closeTimeoutNanos;
    dispatcher.close(closeTimeoutNanos);
    Registry.release(group, Math.max(1, deadline - System.nanoTime()));
  }

  // Endpoint: called under the group's monitor; only queues work.

  @Override
  public void message(Message m) {
    if (!dispatcher.enqueueMessage(() -> {
      delivered.incrementAndGet();
      for (MessageListener l : messageListeners) {
        try {
          l.onMessage(m);
        } catch (RuntimeException e) {
          log.warn("channel \"" + group.cfg.name() + "\": listener threw on seq " + m.seq(), e);
        }
      }
    }, m.payload().remaining() + 64L)) {
      log.warn("channel \"" + group.cfg.name() + "\": an instance's listeners fell behind; "
          + "its queued messages were dropped and it will get onResync(SLOW_SUBSCRIBER)");
    }
  }

  @Override
  public void resync(ResyncReason reason) {
    dispatcher.enqueue(() -> runResync(reason));
  }

  private void runResync(ResyncReason reason) {
    resyncs.incrementAndGet();
    for (ResyncListener l : resyncListeners) {
      try {
        l.onResync(reason);
      } catch (RuntimeException e) {
        log.warn("channel \"" + group.cfg.name() + "\": resync listener threw", e);
      }
    }
  }

  @Override
  public void membership(MemberInfo member, boolean joined, boolean clean) {
    dispatcher.enqueue(() -> {
      for (MembershipListener l : membershipListeners) {
        try {
          if (joined) {
            l.joined(member);
          } else {
            l.left(member, clean);
          }
        } catch (RuntimeException e) {
          log.warn("channel \"" + group.cfg.name() + "\": membership listener threw", e);
        }
      }
    });
  }

  @Override
  public void status(ChannelStatus s) {
    dispatcher.enqueue(() -> {
      for (Consumer<ChannelStatus> l : statusListeners) {
        try {
          l.accept(s);
        } catch (RuntimeException e) {
          log.warn("channel \"" + group.cfg.name() + "\": status listener threw", e);
        }
      }
    });
  }

  @Override
  public void leaderHealth(boolean unresponsive, long epoch, MemberInfo leader) {
    // Channels report a hung hub through their status (UNRESPONSIVE).
  }

  @Override
  public void leadershipMayHaveChanged() {
    // Channels have no per-instance leadership.
  }
}
