package dev.statesync.relay;

import dev.statesync.core.InvalidationSink;
import dev.statesync.core.InvalidationSubscriber;
import dev.statesync.core.StateSyncException;
import dev.statesync.core.Subscription;
import dev.statesync.core.TaskScheduler;
import dev.statesync.core.TimeSource;
import dev.statesync.core.logging.Logger;
import dev.statesync.relay.internal.DefaultHttpClient;
import dev.statesync.relay.internal.RelayLoggers;
import dev.statesync.relay.internal.RequestHeaders;
import dev.statesync.relay.internal.SseConnection;
import dev.statesync.relay.sse.SseMessage;
import java.net.URI;
import java.net.http.HttpClient;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Supplier;
import java.util.random.RandomGenerator;

/**
 * An {@link InvalidationSubscriber} fed by a server-sent-events endpoint whose events carry JSON
 * invalidations (RELAY-30).
 *
 * <ul>
 *   <li><b>One connection.</b> The subscriber opens its upstream connection at the first {@link
 *       #subscribe}, shares it with every sink, and closes it when the last {@link Subscription}
 *       is unsubscribed. A later {@code subscribe} opens a new connection.
 *   <li><b>subscribe(sink)</b> completes once the connection is open (at once if it is). It fails
 *       with the failure of the first attempt of a new connection (an {@link HttpStatusException},
 *       an {@link SseFatalResponseException} or an {@link java.io.IOException}), so the engine's
 *       {@code start()} fails in phase {@code subscribe} and may be retried.
 *   <li><b>Events.</b> The {@code data} of each event whose type is in {@code eventTypes} goes
 *       unchanged to every sink's {@link InvalidationSink#acceptJson(String)}, in arrival order, on
 *       the connection's reader thread; the engine decodes it and reports malformed events as
 *       PROTOCOL errors. The subscriber drops nothing.
 *   <li><b>Reconnect.</b> After the first open every failure is retried, without limit, with the
 *       backoff of RELAY-5 (a fatal answer such as 204 is retried after {@code
 *       maxReconnectDelay}), sending {@code Last-Event-ID}. After every reopen the subscriber
 *       calls {@link InvalidationSink#resync()} once on every sink that was subscribed before it,
 *       so each engine runs a catch-up refresh for what it missed.
 * </ul>
 *
 * <p>Thread-safe. {@link HttpRevisionSync#createHttpRevisionSync} shares one subscriber among all
 * handles on the same endpoint; build one yourself to wire the engine by hand.
 */
public final class SseInvalidationSubscriber implements InvalidationSubscriber {
  /** The event types passed on by default. */
  public static final Set<String> DEFAULT_EVENT_TYPES = Set.of("invalidation", "message");

  private final SseConnection.Settings settings;
  private final Set<String> eventTypes;
  private final Logger logger;

  private final Object lock = new Object();
  private final List<InvalidationSink> sinks = new CopyOnWriteArrayList<>();
  private final Map<InvalidationSink, CompletableFuture<Subscription>> pending =
      new LinkedHashMap<>();
  private SseConnection connection;
  private boolean open;
  private boolean everOpened;

  private SseInvalidationSubscriber(Builder b) {
    this.logger = b.logger != null ? b.logger : RelayLoggers.defaultLogger();
    this.eventTypes = b.eventTypes;
    this.settings =
        new SseConnection.Settings(
            b.uri,
            b.client != null ? b.client : DefaultHttpClient.get(),
            b.headers,
            b.headersSupplier,
            b.initialReconnectDelay,
            b.maxReconnectDelay,
            0,
            true,
            b.idleTimeout,
            b.scheduler,
            b.timeSource,
            b.random != null ? b.random : new SplittableRandom(),
            logger);
  }

  /**
   * Returns a builder for the endpoint {@code uri}.
   *
   * @throws NullPointerException if {@code uri} is null
   */
  public static Builder builder(URI uri) {
    return new Builder(uri);
  }

  /** Returns the SSE endpoint. */
  public URI uri() {
    return settings.uri();
  }

  /** Returns whether the upstream connection is open now. */
  public boolean isConnected() {
    synchronized (lock) {
      return open;
    }
  }

  /**
   * Registers {@code sink} and opens the shared connection if none exists; see the class
   * description. Never throws.
   */
  @Override
  public CompletionStage<Subscription> subscribe(InvalidationSink sink) {
    Objects.requireNonNull(sink, "sink");
    SseConnection toStart = null;
    CompletableFuture<Subscription> result = new CompletableFuture<>();
    synchronized (lock) {
      if (open) {
        sinks.add(sink);
        return CompletableFuture.completedFuture(subscription(sink));
      }
      pending.put(sink, result);
      if (connection == null) {
        everOpened = false;
        Session session = new Session();
        connection = new SseConnection(settings, "", session);
        session.mine = connection;
        toStart = connection;
      }
    }
    if (toStart != null) {
      toStart.start();
    }
    return result;
  }

  private Subscription subscription(InvalidationSink sink) {
    return () -> remove(sink);
  }

  private void remove(InvalidationSink sink) {
    SseConnection toClose = null;
    synchronized (lock) {
      sinks.remove(sink);
      pending.remove(sink);
      if (sinks.isEmpty() && pending.isEmpty() && connection != null) {
        toClose = connection;
        connection = null;
        open = false;
      }
    }
    if (toClose != null) {
      toClose.close();
    }
  }

  @Override
  public String toString() {
    return "SseInvalidationSubscriber[" + settings.uri() + "]";
  }

  /** The listener of one connection; it ignores calls once its connection is not current. */
  private final class Session implements SseConnection.Listener {
    // Set under the lock before the connection starts; read under the lock.
    private SseConnection mine;

    private boolean isCurrent() {
      return mine == connection;
    }

    @Override
    public void opened() {
      List<InvalidationSink> toResync = List.of();
      List<Map.Entry<InvalidationSink, CompletableFuture<Subscription>>> toComplete;
      synchronized (lock) {
        if (!isCurrent()) {
          return;
        }
        open = true;
        if (everOpened) {
          toResync = new ArrayList<>(sinks);
        }
        everOpened = true;
        toComplete = new ArrayList<>(pending.entrySet());
        pending.clear();
        toComplete.forEach(e -> sinks.add(e.getKey()));
      }
      logger.debug("SSE subscriber connected", Map.of("url", settings.uri().toString()));
      for (var e : toComplete) {
        e.getValue().complete(subscription(e.getKey()));
      }
      for (InvalidationSink sink : toResync) {
        sink.resync();
      }
    }

    @Override
    public void message(SseMessage message) {
      if (!eventTypes.contains(message.type())) {
        return;
      }
      for (InvalidationSink sink : sinks) {
        sink.acceptJson(message.data());
      }
    }

    @Override
    public void dropped(Throwable cause, long retryInMillis) {
      List<CompletableFuture<Subscription>> toFail = List.of();
      SseConnection toClose = null;
      synchronized (lock) {
        if (!isCurrent()) {
          return;
        }
        open = false;
        if (!everOpened) {
          toFail = new ArrayList<>(pending.values());
          pending.clear();
          toClose = connection;
          connection = null;
        }
      }
      if (toClose != null) {
        toClose.close();
        logger.warn(
            "SSE subscriber could not connect",
            Map.of("url", settings.uri().toString(), "error", String.valueOf(cause)));
        toFail.forEach(f -> f.completeExceptionally(cause));
        return;
      }
      logger.warn(
          "SSE subscriber disconnected, reconnecting",
          Map.of(
              "url", settings.uri().toString(),
              "error", String.valueOf(cause),
              "retryInMs", retryInMillis));
    }

    @Override
    public void gaveUp(StateSyncException error) {
      // Unreachable: the subscriber retries without limit, fatal answers included.
      logger.error(
          "SSE subscriber stopped reconnecting",
          Map.of("url", settings.uri().toString(), "error", error.toString()));
    }
  }

  /** Options of an {@link SseInvalidationSubscriber}; {@link #build()} validates them. */
  public static final class Builder {
    private final URI uri;
    private HttpClient client;
    private Map<String, String> headers = Map.of();
    private Supplier<Map<String, String>> headersSupplier;
    private Set<String> eventTypes = DEFAULT_EVENT_TYPES;
    private Duration initialReconnectDelay = Duration.ofSeconds(1);
    private Duration maxReconnectDelay = Duration.ofSeconds(30);
    private Duration idleTimeout = Duration.ZERO;
    private Logger logger;
    private TaskScheduler scheduler = TaskScheduler.shared();
    private TimeSource timeSource = TimeSource.system();
    private RandomGenerator random;

    private Builder(URI uri) {
      this.uri = Objects.requireNonNull(uri, "uri");
    }

    /** Sets the HTTP client (default: the module's shared HTTP/1.1 client, RELAY-4). */
    public Builder httpClient(HttpClient client) {
      this.client = client;
      return this;
    }

    /** Sets static request headers (default none); copied and checked in {@link #build()}. */
    public Builder headers(Map<String, String> headers) {
      this.headers = Objects.requireNonNull(headers, "headers");
      return this;
    }

    /**
     * Sets a supplier of headers evaluated before each connection attempt and laid over the
     * static ones; null (the default) for none. It must not block.
     */
    public Builder headersSupplier(Supplier<Map<String, String>> supplier) {
      this.headersSupplier = supplier;
      return this;
    }

    /** Sets the event types whose data is passed on (non-empty; default invalidation, message). */
    public Builder eventTypes(Set<String> eventTypes) {
      this.eventTypes = Set.copyOf(Objects.requireNonNull(eventTypes, "eventTypes"));
      return this;
    }

    /** Sets the base of the reconnect backoff (&gt; 0; default 1 s); a {@code retry:} replaces it. */
    public Builder initialReconnectDelay(Duration delay) {
      this.initialReconnectDelay = Objects.requireNonNull(delay, "initialReconnectDelay");
      return this;
    }

    /** Sets the cap of the reconnect backoff (&ge; initialReconnectDelay; default 30 s). */
    public Builder maxReconnectDelay(Duration delay) {
      this.maxReconnectDelay = Objects.requireNonNull(delay, "maxReconnectDelay");
      return this;
    }

    /**
     * Closes and retries a connection that received no byte for this long (&ge; 0; default 0,
     * which means never). Servers that send keep-alive comments make it safe to enable.
     */
    public Builder idleTimeout(Duration idleTimeout) {
      this.idleTimeout = Objects.requireNonNull(idleTimeout, "idleTimeout");
      return this;
    }

    /** Sets the logger (default: the module's, see {@code docs/relay.md}). */
    public Builder logger(Logger logger) {
      this.logger = logger;
      return this;
    }

    /** Sets the scheduler of reconnects and idle checks (default {@link TaskScheduler#shared()}). */
    public Builder scheduler(TaskScheduler scheduler) {
      this.scheduler = Objects.requireNonNull(scheduler, "scheduler");
      return this;
    }

    /** Sets the clocks used by the idle timeout (default {@link TimeSource#system()}). */
    public Builder timeSource(TimeSource timeSource) {
      this.timeSource = Objects.requireNonNull(timeSource, "timeSource");
      return this;
    }

    /** Sets the source of backoff jitter (default: a new {@link SplittableRandom}). */
    public Builder random(RandomGenerator random) {
      this.random = random;
      return this;
    }

    /**
     * Validates and builds.
     *
     * @throws IllegalArgumentException naming the invalid option and its allowed range
     */
    public SseInvalidationSubscriber build() {
      HttpSnapshotProvider.checkHttpUri("uri", uri);
      headers = RequestHeaders.validated(headers);
      if (eventTypes.isEmpty()) {
        throw new IllegalArgumentException("eventTypes must not be empty");
      }
      checkDelays(initialReconnectDelay, maxReconnectDelay, idleTimeout);
      return new SseInvalidationSubscriber(this);
    }
  }

  static void checkDelays(Duration initial, Duration max, Duration idle) {
    if (initial.isNegative() || initial.isZero()) {
      throw new IllegalArgumentException("initialReconnectDelay must be > 0, was " + initial);
    }
    if (max.compareTo(initial) < 0) {
      throw new IllegalArgumentException(
          "maxReconnectDelay must be >= initialReconnectDelay (" + initial + "), was " + max);
    }
    if (idle.isNegative()) {
      throw new IllegalArgumentException("idleTimeout must be >= 0, was " + idle);
    }
  }
}
