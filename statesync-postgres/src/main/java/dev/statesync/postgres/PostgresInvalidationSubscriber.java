package dev.statesync.postgres;

import dev.statesync.core.InvalidationSink;
import dev.statesync.core.InvalidationSubscriber;
import dev.statesync.core.Subscription;
import dev.statesync.core.logging.Logger;
import dev.statesync.core.logging.Loggers;
import dev.statesync.postgres.internal.ConnectionSource;
import dev.statesync.postgres.internal.ListenerLoop;
import dev.statesync.postgres.internal.SqlNames;
import java.time.Duration;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.random.RandomGenerator;
import javax.sql.DataSource;

/**
 * Delivers the {@code NOTIFY} hints of a {@link PostgresStateStore} to statesync handles over one
 * dedicated {@code LISTEN} connection.
 *
 * <p>One subscriber holds one connection however many handles (topics) it serves: every hint
 * goes to every subscribed sink, and each handle ignores other topics. The connection opens on
 * the first {@link #subscribe} and closes when the last subscription is cancelled. It runs on a
 * library daemon thread named {@code statesync-pg-listen-<channel>}, which polls
 * {@code getNotifications} and hands each payload to {@link InvalidationSink#acceptJson(String)}
 * unparsed: a malformed payload becomes the handle's PROTOCOL error. On connection loss it
 * reconnects with jittered exponential backoff, {@code LISTEN}s again and then calls
 * {@link InvalidationSink#resync()} on every sink, because notifications sent while it was away
 * are lost; the catch-up fetch makes that loss harmless.
 *
 * <p>Use a plain connection (a JDBC URL, or a DataSource that is not a pool which resets or
 * recycles connections): the connection is held for as long as there are subscriptions.
 * Thread-safe. After {@link #close()} subscribe fails with {@link IllegalStateException}.
 */
public final class PostgresInvalidationSubscriber implements InvalidationSubscriber, AutoCloseable {
  private final ConnectionSource connections;
  private final String channel;
  private final Duration pollInterval;
  private final Duration keepalive;
  private final Duration minBackoff;
  private final Duration maxBackoff;
  private final RandomGenerator random;
  private final Logger logger;
  private final CopyOnWriteArrayList<InvalidationSink> sinks = new CopyOnWriteArrayList<>();
  private final Object lock = new Object();
  private ListenerLoop loop;
  private boolean closed;

  private PostgresInvalidationSubscriber(Builder b, ConnectionSource connections) {
    this.connections = connections;
    this.channel = b.channel;
    this.pollInterval = b.pollInterval;
    this.keepalive = b.keepalive;
    this.minBackoff = b.minBackoff;
    this.maxBackoff = b.maxBackoff;
    this.random = b.random;
    this.logger = b.logger;
  }

  /** Returns a builder; a connection source (a DataSource or a JDBC URL) is required. */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * Registers {@code sink}. If the listening connection is not running, it is opened and the
   * stage completes once {@code LISTEN} succeeded, or fails with the connection error (and the
   * sink is dropped). If it is running (even while reconnecting) the stage completes at once;
   * a sink that joins during a reconnect is caught up by the {@code resync()} that follows it.
   *
   * @return a stage that fails with {@link IllegalStateException} after {@link #close()}
   */
  @Override
  public CompletionStage<Subscription> subscribe(InvalidationSink sink) {
    if (sink == null) {
      return CompletableFuture.failedFuture(new NullPointerException("sink"));
    }
    ListenerLoop current;
    synchronized (lock) {
      if (closed) {
        return CompletableFuture.failedFuture(
            new IllegalStateException("PostgresInvalidationSubscriber is closed"));
      }
      sinks.add(sink);
      if (loop == null) {
        loop = new ListenerLoop(connections, channel, (int) pollInterval.toMillis(),
            keepalive.toNanos(), minBackoff.toNanos(), maxBackoff.toNanos(), random, logger,
            new Events());
        loop.start();
      }
      current = loop;
    }
    Subscription subscription = () -> unsubscribe(sink);
    return current.firstListen().handle((ok, error) -> {
      if (error != null) {
        unsubscribe(sink);
        throw new CompletionException(error);
      }
      return subscription;
    });
  }

  /** Tells whether the listening connection is up and {@code LISTEN}ing. */
  public boolean isConnected() {
    ListenerLoop l = currentLoop();
    return l != null && l.connected();
  }

  /**
   * Returns how long ago the last notification on the channel arrived, or empty if none arrived
   * since the connection was last opened from idle. A monitor can compare it with the expected
   * write rate; {@link #isConnected()} tells a quiet channel from a dead one.
   */
  public Optional<Duration> lastNotificationAge() {
    ListenerLoop l = currentLoop();
    long at = l == null ? -1L : l.lastNotificationNanos();
    return at < 0 ? Optional.empty() : Optional.of(Duration.ofNanos(System.nanoTime() - at));
  }

  /** Returns how many times the current connection was re-established after a loss. */
  public long reconnectCount() {
    ListenerLoop l = currentLoop();
    return l == null ? 0L : l.reconnects();
  }

  /** Returns the channel it listens on. */
  public String channel() {
    return channel;
  }

  /**
   * Stops listening and drops every sink; the connection closes on the listener thread within
   * one poll interval. Idempotent and non-blocking.
   */
  @Override
  public void close() {
    synchronized (lock) {
      closed = true;
      sinks.clear();
      if (loop != null) {
        loop.stop();
        loop = null;
      }
    }
  }

  private ListenerLoop currentLoop() {
    synchronized (lock) {
      return loop;
    }
  }

  private void unsubscribe(InvalidationSink sink) {
    synchronized (lock) {
      sinks.remove(sink);
      if (sinks.isEmpty() && loop != null) {
        loop.stop();
        loop = null;
      }
    }
  }

  private final class Events implements ListenerLoop.Events {
    @Override
    public void onPayload(String payload) {
      for (InvalidationSink sink : sinks) {
        sink.acceptJson(payload);
      }
    }

    @Override
    public void onReconnected() {
      for (InvalidationSink sink : sinks) {
        sink.resync();
      }
    }

    @Override
    public void onFirstAttemptFailed(ListenerLoop failed) {
      synchronized (lock) {
        if (loop == failed) {
          loop = null;
        }
      }
    }
  }

  /**
   * Configures a {@link PostgresInvalidationSubscriber}. Not thread-safe; {@link #build()}
   * validates and may be called more than once.
   */
  public static final class Builder {
    private DataSource dataSource;
    private String jdbcUrl;
    private Properties properties;
    private String channel = PostgresStateStore.DEFAULT_CHANNEL;
    private Duration pollInterval = Duration.ofMillis(500);
    private Duration keepalive = Duration.ofSeconds(15);
    private Duration minBackoff = Duration.ofMillis(50);
    private Duration maxBackoff = Duration.ofSeconds(5);
    private RandomGenerator random = RandomGenerator.getDefault();
    private Logger logger = Loggers.noopLogger();

    private Builder() {}

    /** Takes the listening connection from {@code dataSource}; exclusive with {@link #jdbcUrl}. */
    public Builder dataSource(DataSource dataSource) {
      this.dataSource = dataSource;
      return this;
    }

    /** Opens the listening connection to {@code url}; exclusive with {@link #dataSource}. */
    public Builder jdbcUrl(String url) {
      this.jdbcUrl = url;
      return this;
    }

    /** Connection properties for {@link #jdbcUrl}; copied at build. */
    public Builder properties(Properties properties) {
      this.properties = properties;
      return this;
    }

    /** The channel, as configured on the store; default {@value PostgresStateStore#DEFAULT_CHANNEL}. */
    public Builder channel(String channel) {
      this.channel = channel;
      return this;
    }

    /**
     * How long one wait for notifications lasts, 10 ms – 10 s; default 500 ms. It bounds how
     * long {@link #close()} and a final unsubscribe take to release the connection, not latency:
     * a notification ends the wait as soon as it arrives.
     */
    public Builder pollInterval(Duration pollInterval) {
      this.pollInterval = pollInterval;
      return this;
    }

    /** How long the connection may be quiet before a {@code SELECT 1} checks it, 100 ms – 1 h; default 15 s. */
    public Builder keepalive(Duration keepalive) {
      this.keepalive = keepalive;
      return this;
    }

    /** The reconnect backoff range, 1 ms ≤ min ≤ max ≤ 10 min; default 50 ms – 5 s. */
    public Builder backoff(Duration min, Duration max) {
      this.minBackoff = min;
      this.maxBackoff = max;
      return this;
    }

    /** The source of backoff jitter; default {@link RandomGenerator#getDefault()}. */
    public Builder random(RandomGenerator random) {
      this.random = random;
      return this;
    }

    /** Where reconnects are logged; default a no-op logger. */
    public Builder logger(Logger logger) {
      this.logger = logger;
      return this;
    }

    /**
     * Builds the subscriber; connects to nothing yet.
     *
     * @throws IllegalArgumentException naming the option that is missing or out of range
     */
    public PostgresInvalidationSubscriber build() {
      ConnectionSource source =
          PostgresStateStore.connectionSource(dataSource, jdbcUrl, properties);
      SqlNames.identifier("channel", channel);
      requireRange("pollInterval", pollInterval, Duration.ofMillis(10), Duration.ofSeconds(10));
      requireRange("keepalive", keepalive, Duration.ofMillis(100), Duration.ofHours(1));
      requireRange("backoff min", minBackoff, Duration.ofMillis(1), Duration.ofMinutes(10));
      requireRange("backoff max", maxBackoff, minBackoff, Duration.ofMinutes(10));
      if (random == null) {
        throw new IllegalArgumentException("random must not be null");
      }
      if (logger == null) {
        throw new IllegalArgumentException("logger must not be null");
      }
      return new PostgresInvalidationSubscriber(this, source);
    }

    private static void requireRange(String option, Duration value, Duration min, Duration max) {
      if (value == null || value.compareTo(min) < 0 || value.compareTo(max) > 0) {
        throw new IllegalArgumentException(
            option + " must be " + min + " to " + max + ", was " + value);
      }
    }
  }
}
