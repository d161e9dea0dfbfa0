package dev.statesync.channel;

import dev.statesync.core.Subscription;
import dev.statesync.channel.internal.ElectionCore;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.function.LongConsumer;

/**
 * A named leader election among the processes of this user on this host, decided by an OS file
 * lock: when the leader's process dies the kernel releases the lock and another candidate leads
 * within milliseconds; there are never two leaders, and a late joiner never steals leadership.
 * Heartbeats only report a hung leader ({@link #onLeaderUnresponsive}); they never elect.
 *
 * <p>Within one JVM, candidates form a FIFO; while the JVM holds the lock its oldest open
 * candidate leads. Thread-safe. Listeners run on the options' executor, one at a time per
 * instance. After {@link #close()}, {@link #isLeader()} is false, no listener runs again, and the
 * pending {@link #awaitLeadership()} future fails with {@link ChannelClosedException}.
 */
public final class LeaderElection implements AutoCloseable {
  private final String name;
  private final ElectionCore core;

  private LeaderElection(String name, ElectionCore core) {
    this.name = name;
    this.core = core;
  }

  /**
   * Opens with default options; returns at once, already competing.
   *
   * @throws IllegalArgumentException if the name is empty or longer than 256 UTF-8 bytes
   * @throws ChannelPathTooLongException if the socket path is over the platform limit
   * @throws ChannelSecurityException if the runtime directory is unsafe
   */
  public static LeaderElection open(String name) {
    return open(name, ElectionOptions.defaults());
  }

  /**
   * Opens; returns at once, already competing.
   *
   * @throws IllegalArgumentException if the name is empty or longer than 256 UTF-8 bytes
   * @throws ChannelPathTooLongException if the socket path is over the platform limit
   * @throws ChannelSecurityException if the runtime directory is unsafe
   */
  public static LeaderElection open(String name, ElectionOptions options) {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(options, "options");
    return new LeaderElection(name, ElectionCore.open(name, options));
  }

  /** The election name. */
  public String name() {
    return name;
  }

  /** Whether this instance leads now. */
  public boolean isLeader() {
    return core.isLeader();
  }

  /** Whether this instance leads, or this JVM is connected to a leader. */
  public boolean hasLeader() {
    return core.hasLeader();
  }

  /** The epoch of the known leader's term, 0 if none is known. */
  public long epoch() {
    return core.epoch();
  }

  /** The known leader's JVM, if any. */
  public Optional<MemberInfo> leader() {
    return core.leader();
  }

  /**
   * A future completing with the epoch when this instance next leads (at once if it leads now);
   * shared until the next term is gained; fails with {@link ChannelClosedException} on close.
   * Non-async dependents may run on a library thread and must not block.
   */
  public CompletableFuture<Long> awaitLeadership() {
    return core.awaitLeadership();
  }

  /**
   * Adds a listener called whenever {@link #isLeader()} changes, with the epoch of the term gained
   * or lost; runs on the dispatch queue.
   */
  public Subscription onLeadershipChange(LeadershipListener listener) {
    return core.onLeadershipChange(Objects.requireNonNull(listener, "listener"));
  }

  /**
   * Adds a listener called once for every new term of a known leader, with its epoch, wherever
   * that leader runs: in this instance, another instance of this JVM, or another process. It is
   * how a follower learns that the leader it relied on was replaced. Runs on the dispatch queue;
   * a term that began before the listener was added is not reported.
   */
  public Subscription onLeaderChange(LongConsumer listener) {
    return core.onLeaderChange(Objects.requireNonNull(listener, "listener"));
  }

  /** Adds a listener told when the leader goes silent for {@code leaderTimeout} and recovers. */
  public Subscription onLeaderUnresponsive(LeaderHealthListener listener) {
    return core.onLeaderUnresponsive(Objects.requireNonNull(listener, "listener"));
  }

  /**
   * Gives up leadership: moves this instance to the tail of the JVM's candidates, hands over
   * cleanly, and competes again after {@code relinquishCooldown} or once another leader shows.
   *
   * @return false (and does nothing) if this instance was not the leader
   */
  public boolean relinquish() {
    return core.relinquish();
  }

  /** Leaves the election; idempotent, bounded by {@code closeTimeout}. */
  @Override
  public void close() {
    core.close();
  }

  @Override
  public String toString() {
    return "LeaderElection[" + name + (isLeader() ? ", leader" : "") + "]";
  }
}
