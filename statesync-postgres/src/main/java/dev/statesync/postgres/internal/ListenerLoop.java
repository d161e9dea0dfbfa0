package dev.statesync.postgres.internal;

import dev.statesync.core.logging.Logger;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.random.RandomGenerator;
import org.postgresql.PGConnection;
import org.postgresql.PGNotification;

/**
 * One run of the listening connection: connect, {@code LISTEN}, poll for notifications and hand
 * them on, reconnect with jittered exponential backoff after a failure. It runs on its own daemon
 * thread until {@link #stop()}; the first connection attempt decides {@link #firstListen()}, and
 * a failed first attempt ends the run (the subscriber reports it to the caller of subscribe).
 */
public final class ListenerLoop implements Runnable {
  /** What the loop tells its owner. Called on the loop's thread; must not block. */
  public interface Events {
    /** A notification arrived on the channel. */
    void onPayload(String payload);

    /** The connection was re-established after a loss: events may have been missed. */
    void onReconnected();

    /** The run ended because its first connection attempt failed. */
    void onFirstAttemptFailed(ListenerLoop loop);
  }

  private final ConnectionSource connections;
  private final String channel;
  private final int pollMillis;
  private final long keepaliveNanos;
  private final long minBackoffNanos;
  private final long maxBackoffNanos;
  private final RandomGenerator random;
  private final Logger logger;
  private final Events events;
  private final CompletableFuture<Void> firstListen = new CompletableFuture<>();
  private final Thread thread;

  private volatile boolean stopped;
  private volatile boolean connected;
  private volatile long lastNotificationNanos;
  private volatile boolean anyNotification;
  private volatile long reconnects;

  /** Creates a loop; {@link #start()} runs it. */
  public ListenerLoop(ConnectionSource connections, String channel, int pollMillis,
      long keepaliveNanos, long minBackoffNanos, long maxBackoffNanos, RandomGenerator random,
      Logger logger, Events events) {
    this.connections = connections;
    this.channel = channel;
    this.pollMillis = pollMillis;
    this.keepaliveNanos = keepaliveNanos;
    this.minBackoffNanos = minBackoffNanos;
    this.maxBackoffNanos = maxBackoffNanos;
    this.random = random;
    this.logger = logger;
    this.events = events;
    this.thread = new Thread(this, "statesync-pg-listen-" + channel);
    thread.setDaemon(true);
  }

  /** Starts the loop's thread. */
  public void start() {
    thread.start();
  }

  /**
   * Asks the loop to end. It notices within one poll interval and closes its connection on its
   * own thread, because pgjdbc holds the connection's lock while it waits for notifications.
   */
  public void stop() {
    stopped = true;
    LockSupport.unpark(thread);
  }

  /** Completes when the first {@code LISTEN} succeeded; fails if the first attempt failed. */
  public CompletableFuture<Void> firstListen() {
    return firstListen;
  }

  /** Tells whether the connection is up and listening. */
  public boolean connected() {
    return connected;
  }

  /** Returns System.nanoTime() of the last notification, or -1 if none arrived. */
  public long lastNotificationNanos() {
    return anyNotification ? lastNotificationNanos : -1L;
  }

  /** Returns how many times the loop reconnected after losing its connection. */
  public long reconnects() {
    return reconnects;
  }

  @Override
  public void run() {
    int failures = 0;
    boolean everListened = false;
    while (!stopped) {
      Connection c = null;
      try {
        c = connections.open();
        c.setAutoCommit(true);
        PGConnection pg = c.unwrap(PGConnection.class);
        try (Statement s = c.createStatement()) {
          s.execute("LISTEN \"" + channel + "\"");
        }
        connected = true;
        failures = 0;
        if (everListened) {
          reconnects++;
          logger.debug("postgres listener reconnected", Map.of("channel", channel));
          events.onReconnected();
        } else {
          everListened = true;
          firstListen.complete(null);
        }
        poll(c, pg);
      } catch (SQLException | RuntimeException e) {
        connected = false;
        if (!everListened) {
          firstListen.completeExceptionally(e);
          events.onFirstAttemptFailed(this);
          close(c);
          return;
        }
        if (!stopped) {
          failures++;
          long delay = backoffNanos(failures);
          logger.warn("postgres listener lost its connection; reconnecting", Map.of(
              "channel", channel, "error", String.valueOf(e.getMessage()),
              "attempt", failures, "delayMs", TimeUnit.NANOSECONDS.toMillis(delay)));
          close(c);
          c = null;
          pause(delay);
        }
      } finally {
        connected = false;
        close(c);
      }
    }
  }

  private void poll(Connection c, PGConnection pg) throws SQLException {
    long lastTraffic = System.nanoTime();
    while (!stopped) {
      PGNotification[] batch = pg.getNotifications(pollMillis);
      long now = System.nanoTime();
      if (batch != null && batch.length > 0) {
        lastTraffic = now;
        for (PGNotification n : batch) {
          if (channel.equals(n.getName())) {
            lastNotificationNanos = now;
            anyNotification = true;
            events.onPayload(n.getParameter());
          }
        }
      } else if (now - lastTraffic >= keepaliveNanos) {
        // A quiet connection may be dead without an error (a restarted proxy, a dropped NAT
        // entry); a round trip proves it alive or turns the loss into an exception here.
        try (Statement s = c.createStatement()) {
          s.execute("SELECT 1");
        }
        lastTraffic = now;
      }
    }
  }

  /** Full jitter over an exponential ceiling: spreads a fleet that lost the server at once. */
  private long backoffNanos(int failures) {
    long ceiling = minBackoffNanos << Math.min(failures - 1, 20);
    if (ceiling <= 0 || ceiling > maxBackoffNanos) {
      ceiling = maxBackoffNanos;
    }
    return minBackoffNanos / 2 + random.nextLong(Math.max(1, ceiling - minBackoffNanos / 2));
  }

  private void pause(long nanos) {
    long deadline = System.nanoTime() + nanos;
    long left;
    while (!stopped && (left = deadline - System.nanoTime()) > 0) {
      LockSupport.parkNanos(this, left);
    }
  }

  private static void close(Connection c) {
    if (c != null) {
      try {
        c.close();
      } catch (SQLException | RuntimeException ignored) {
        // The connection is being discarded after a failure; its close error adds nothing.
      }
    }
  }
}
