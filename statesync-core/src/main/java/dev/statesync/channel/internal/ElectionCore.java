package dev.statesync.channel.internal;

import dev.statesync.channel.ChannelClosedException;
import dev.statesync.channel.ChannelStatus;
import dev.statesync.channel.ElectionOptions;
import dev.statesync.channel.LeaderHealthListener;
import dev.statesync.channel.LeadershipListener;
import dev.statesync.channel.MemberInfo;
import dev.statesync.channel.Message;
import dev.statesync.channel.ResyncReason;
import dev.statesync.core.Subscription;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.LongConsumer;

/**
 * The implementation behind one {@code LeaderElection} instance. Not API: public only so that the
 * API class in the parent package can reach it. The group's endpoint list is this JVM's FIFO of
 * candidates (CHAN-29): while the JVM holds the lock, its head leads.
 */
public final class ElectionCore implements Endpoint {
  private final GroupMember group;
  private final UUID instanceId = UUID.randomUUID();
  private final Dispatcher dispatcher;
  private final Log log;
  private final long closeTimeoutNanos;
  private final List<LeadershipListener> leadershipListeners = new CopyOnWriteArrayList<>();
  private final List<LeaderHealthListener> healthListeners = new CopyOnWriteArrayList<>();
  private final List<LongConsumer> termListeners = new CopyOnWriteArrayList<>();
  // Guarded by the group's monitor.
  private boolean reportedLeader;
  private long reportedEpoch;
  private long reportedTerm;
  private CompletableFuture<Long> await = new CompletableFuture<>();
  private boolean closed;

  private ElectionCore(GroupMember group, ElectionOptions o) {
    this.group = group;
    this.closeTimeoutNanos = o.closeTimeout().toNanos();
    this.log = o.logger().map(Log::of).orElse(group.cfg.log());
    this.dispatcher = new Dispatcher(o.executor().orElse(Threads.dispatchPool()),
        Integer.MAX_VALUE, Long.MAX_VALUE, () -> { }, log);
  }

  /** Registers a candidate and returns at once (CHAN-8). */
  public static ElectionCore open(String name, ElectionOptions o) {
    RuntimeDirs.checkName(name);
    GroupMember g = Registry.acquire(GroupConfig.of(name, o));
    ElectionCore c = new ElectionCore(g, o);
    synchronized (g) {
      g.endpoints.add(c);
      c.leadershipMayHaveChanged();
    }
    return c;
  }

  private boolean computeLeader() {
    return !closed && group.leadsLocked() && !group.endpoints.isEmpty()
        && group.endpoints.get(0) == this;
  }

  public boolean isLeader() {
    synchronized (group) {
      return computeLeader();
    }
  }

  public boolean hasLeader() {
    synchronized (group) {
      return group.leadsLocked() || group.status == ChannelStatus.FOLLOWER
          || group.status == ChannelStatus.UNRESPONSIVE;
    }
  }

  public long epoch() {
    synchronized (group) {
      return group.leadsLocked() || group.status == ChannelStatus.FOLLOWER
          || group.status == ChannelStatus.UNRESPONSIVE ? group.epoch : 0;
    }
  }

  public Optional<MemberInfo> leader() {
    synchronized (group) {
      return group.leadsLocked() || group.status == ChannelStatus.FOLLOWER
          || group.status == ChannelStatus.UNRESPONSIVE
          ? Optional.ofNullable(group.leader) : Optional.empty();
    }
  }

  public CompletableFuture<Long> awaitLeadership() {
    synchronized (group) {
      return await;
    }
  }

  public Subscription onLeadershipChange(LeadershipListener l) {
    java.util.Objects.requireNonNull(l, "listener");
    leadershipListeners.add(l);
    return () -> leadershipListeners.remove(l);
  }

  public Subscription onLeaderChange(LongConsumer l) {
    java.util.Objects.requireNonNull(l, "listener");
    termListeners.add(l);
    return () -> termListeners.remove(l);
  }

  public Subscription onLeaderUnresponsive(LeaderHealthListener l) {
    java.util.Objects.requireNonNull(l, "listener");
    healthListeners.add(l);
    return () -> healthListeners.remove(l);
  }

  /** CHAN-30: moves to the tail of the FIFO, leaves office and re-queues after the cooldown. */
  public boolean relinquish() {
    synchronized (group) {
      if (!computeLeader()) {
        return false;
      }
      group.endpoints.remove(this);
      group.endpoints.add(this);
      group.relinquishOffice();
      return true;
    }
  }

  public void close() {
    synchronized (group) {
      if (closed) {
        return;
      }
      boolean wasLeader = computeLeader();
      closed = true;
      group.endpoints.remove(this);
      leadershipMayHaveChanged();
      ChannelClosedException closedEx = new ChannelClosedException("election \""
          + group.cfg.name() + "\" is closed");
      if (!await.completeExceptionally(closedEx)) {
        await = CompletableFuture.failedFuture(closedEx);
      }
      if (wasLeader && !group.endpoints.isEmpty()) {
        group.relinquishOffice();
      }
    }
    // One bound for the whole close, handover included (CHAN-18).
    long deadline = System.nanoTime() + closeTimeoutNanos;
    dispatcher.close(closeTimeoutNanos);
    Registry.release(group, Math.max(1, deadline - System.nanoTime()));
  }

  @Override
  public UUID instanceId() {
    return instanceId;
  }

  @Override
  public void leadershipMayHaveChanged() {
    termMayHaveChanged();
    boolean now = computeLeader();
    if (now == reportedLeader) {
      return;
    }
    reportedLeader = now;
    long e = now ? group.epoch : reportedEpoch;
    reportedEpoch = e;
    if (now) {
      await.complete(e);
    } else if (await.isDone() && !closed) {
      await = new CompletableFuture<>();
    }
    if (!closed) {
      dispatcher.enqueue(() -> {
        for (LeadershipListener l : leadershipListeners) {
          try {
            l.changed(now, e);
          } catch (RuntimeException ex) {
            log.warn("election \"" + group.cfg.name() + "\": leadership listener threw", ex);
          }
        }
      });
    }
  }

  /** Reports each new term of a known leader once, wherever that leader runs. Holds the monitor. */
  private void termMayHaveChanged() {
    boolean known = group.leadsLocked() || group.status == ChannelStatus.FOLLOWER
        || group.status == ChannelStatus.UNRESPONSIVE;
    long term = known ? group.epoch : 0;
    if (term == 0 || term == reportedTerm || closed) {
      return;
    }
    reportedTerm = term;
    dispatcher.enqueue(() -> {
      for (LongConsumer l : termListeners) {
        try {
          l.accept(term);
        } catch (RuntimeException ex) {
          log.warn("election \"" + group.cfg.name() + "\": leader change listener threw", ex);
        }
      }
    });
  }

  @Override
  public void leaderHealth(boolean unresponsive, long epoch, MemberInfo leader) {
    dispatcher.enqueue(() -> {
      for (LeaderHealthListener l : healthListeners) {
        try {
          if (unresponsive) {
            l.unresponsive(epoch, leader);
          } else {
            l.recovered(epoch);
          }
        } catch (RuntimeException ex) {
          log.warn("election \"" + group.cfg.name() + "\": health listener threw", ex);
        }
      }
    });
  }

  @Override
  public void message(Message m) {
    // Elections carry no messages.
  }

  @Override
  public void resync(ResyncReason reason) {
    // Elections have no message stream to resync.
  }

  @Override
  public void membership(MemberInfo member, boolean joined, boolean clean) {
    // Election membership is not reported per instance.
  }

  @Override
  public void status(ChannelStatus status) {
    // Elections report through leadership and health callbacks.
  }
}
