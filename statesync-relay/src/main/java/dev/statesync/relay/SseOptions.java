package dev.statesync.relay;

import dev.statesync.channel.ChannelOptions;
import dev.statesync.channel.ElectionOptions;
import dev.statesync.core.TaskScheduler;
import dev.statesync.core.TimeSource;
import dev.statesync.core.logging.Logger;
import dev.statesync.relay.internal.RelayLoggers;
import dev.statesync.relay.internal.RequestHeaders;
import java.net.URI;
import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Executor;
import java.util.function.Consumer;
import java.util.function.Supplier;
import java.util.random.RandomGenerator;

/**
 * The validated options of {@link SseCoordinator#connect} (RELAY-20). Build them with {@link
 * #builder(URI)}; {@link Builder#build()} checks every option and names the bad one. Immutable.
 */
public final class SseOptions {
  private final URI url;
  private final Set<String> eventTypes;
  private final Consumer<SseEvent> onEvent;
  private final String channelName;
  private final Map<String, String> headers;
  private final Supplier<Map<String, String>> headersSupplier;
  private final int maxReconnectAttempts;
  private final Duration initialReconnectDelay;
  private final Duration maxReconnectDelay;
  private final Logger logger;
  private final Consumer<Throwable> onError;
  private final Consumer<Boolean> onConnectionChange;
  private final HttpClient httpClient;
  private final Duration idleTimeout;
  private final Executor executor;
  private final int dedupeWindow;
  private final boolean warmUp;
  private final ChannelOptions channelOptions;
  private final ElectionOptions electionOptions;
  private final TaskScheduler scheduler;
  private final TimeSource timeSource;
  private final RandomGenerator random;

  private SseOptions(Builder b) {
    this.url = b.url;
    this.eventTypes = b.eventTypes;
    this.onEvent = b.onEvent;
    this.channelName = b.channelName;
    this.headers = b.headers;
    this.headersSupplier = b.headersSupplier;
    this.maxReconnectAttempts = b.maxReconnectAttempts;
    this.initialReconnectDelay = b.initialReconnectDelay;
    this.maxReconnectDelay = b.maxReconnectDelay;
    this.logger = b.logger != null ? b.logger : RelayLoggers.defaultLogger();
    this.onError = b.onError;
    this.onConnectionChange = b.onConnectionChange;
    this.httpClient = b.httpClient;
    this.idleTimeout = b.idleTimeout;
    this.executor = b.executor;
    this.dedupeWindow = b.dedupeWindow;
    this.warmUp = b.warmUp;
    this.channelOptions = b.channelOptions;
    this.electionOptions = b.electionOptions;
    this.scheduler = b.scheduler;
    this.timeSource = b.timeSource;
    this.random = b.random;
  }

  /**
   * Returns a builder for the SSE endpoint {@code url}.
   *
   * @throws NullPointerException if {@code url} is null
   */
  public static Builder builder(URI url) {
    return new Builder(url);
  }

  /** Returns the SSE endpoint. */
  public URI url() {
    return url;
  }

  /** Returns the types passed to this process's {@code onEvent}; empty means all. */
  public Set<String> eventTypes() {
    return eventTypes;
  }

  /** Returns the event callback. */
  public Consumer<SseEvent> onEvent() {
    return onEvent;
  }

  /** Returns the name of the election group and of the channel group. */
  public String channelName() {
    return channelName;
  }

  /** Returns the static request headers. */
  public Map<String, String> headers() {
    return headers;
  }

  /** Returns the supplier of per-attempt headers, if any. */
  public Optional<Supplier<Map<String, String>>> headersSupplier() {
    return Optional.ofNullable(headersSupplier);
  }

  /** Returns how many consecutive failures end the attempts. */
  public int maxReconnectAttempts() {
    return maxReconnectAttempts;
  }

  /** Returns the base of the backoff. */
  public Duration initialReconnectDelay() {
    return initialReconnectDelay;
  }

  /** Returns the cap of the backoff. */
  public Duration maxReconnectDelay() {
    return maxReconnectDelay;
  }

  /** Returns the logger. */
  public Logger logger() {
    return logger;
  }

  /** Returns the error callback, if any. */
  public Optional<Consumer<Throwable>> onError() {
    return Optional.ofNullable(onError);
  }

  /** Returns the connection-state callback, if any. */
  public Optional<Consumer<Boolean>> onConnectionChange() {
    return Optional.ofNullable(onConnectionChange);
  }

  /** Returns the HTTP client, if one was set. */
  public Optional<HttpClient> httpClient() {
    return Optional.ofNullable(httpClient);
  }

  /** Returns the idle timeout; zero means off. */
  public Duration idleTimeout() {
    return idleTimeout;
  }

  /** Returns the executor callbacks are serialized onto, if one was set. */
  public Optional<Executor> executor() {
    return Optional.ofNullable(executor);
  }

  /** Returns how many explicit event ids are remembered to drop duplicates; 0 means off. */
  public int dedupeWindow() {
    return dedupeWindow;
  }

  /** Returns whether the HTTP client is warmed up at connect. */
  public boolean warmUp() {
    return warmUp;
  }

  /** Returns the options of the channel group. */
  public ChannelOptions channelOptions() {
    return channelOptions;
  }

  /** Returns the options of the election group. */
  public ElectionOptions electionOptions() {
    return electionOptions;
  }

  /** Returns the scheduler of reconnects. */
  public TaskScheduler scheduler() {
    return scheduler;
  }

  /** Returns the clocks of the idle timeout. */
  public TimeSource timeSource() {
    return timeSource;
  }

  /** Returns the source of backoff jitter, if one was set. */
  public Optional<RandomGenerator> random() {
    return Optional.ofNullable(random);
  }

  /** Builds {@link SseOptions}; {@code eventTypes} and {@code onEvent} are required. */
  public static final class Builder {
    private final URI url;
    private Set<String> eventTypes;
    private Consumer<SseEvent> onEvent;
    private String channelName = "sse-coordinator";
    private Map<String, String> headers = Map.of();
    private Supplier<Map<String, String>> headersSupplier;
    private int maxReconnectAttempts = 10;
    private Duration initialReconnectDelay = Duration.ofSeconds(1);
    private Duration maxReconnectDelay = Duration.ofSeconds(30);
    private Logger logger;
    private Consumer<Throwable> onError;
    private Consumer<Boolean> onConnectionChange;
    private HttpClient httpClient;
    private Duration idleTimeout = Duration.ZERO;
    private Executor executor;
    private int dedupeWindow = 1024;
    private boolean warmUp = true;
    private ChannelOptions channelOptions = ChannelOptions.defaults();
    private ElectionOptions electionOptions = ElectionOptions.defaults();
    private TaskScheduler scheduler = TaskScheduler.shared();
    private TimeSource timeSource = TimeSource.system();
    private RandomGenerator random;

    private Builder(URI url) {
      this.url = Objects.requireNonNull(url, "url");
    }

    /**
     * Sets the event types passed to this process's {@code onEvent} (required; an empty set means
     * every type). Each process filters with its own set; the leader relays every type.
     */
    public Builder eventTypes(Set<String> eventTypes) {
      this.eventTypes = Set.copyOf(Objects.requireNonNull(eventTypes, "eventTypes"));
      return this;
    }

    /** Sets the event callback (required); it runs in the coordinator's serial callback context. */
    public Builder onEvent(Consumer<SseEvent> onEvent) {
      this.onEvent = onEvent;
      return this;
    }

    /** Names the election group and the channel group (default {@code "sse-coordinator"}). */
    public Builder channelName(String channelName) {
      this.channelName = channelName;
      return this;
    }

    /** Sets static request headers (authorization, cookies); default none. */
    public Builder headers(Map<String, String> headers) {
      this.headers = Objects.requireNonNull(headers, "headers");
      return this;
    }

    /** Sets a supplier of headers evaluated before each attempt, laid over the static ones. */
    public Builder headersSupplier(Supplier<Map<String, String>> headersSupplier) {
      this.headersSupplier = headersSupplier;
      return this;
    }

    /** Sets the consecutive failures that end the attempts (&ge; 1; default 10). */
    public Builder maxReconnectAttempts(int attempts) {
      this.maxReconnectAttempts = attempts;
      return this;
    }

    /** Sets the base of the backoff (&gt; 0; default 1 s); a {@code retry:} field replaces it. */
    public Builder initialReconnectDelay(Duration delay) {
      this.initialReconnectDelay = Objects.requireNonNull(delay, "initialReconnectDelay");
      return this;
    }

    /** Sets the cap of the backoff (&ge; initialReconnectDelay; default 30 s). */
    public Builder maxReconnectDelay(Duration delay) {
      this.maxReconnectDelay = Objects.requireNonNull(delay, "maxReconnectDelay");
      return this;
    }

    /** Sets the logger (default: the module's, see {@code docs/relay.md}). */
    public Builder logger(Logger logger) {
      this.logger = logger;
      return this;
    }

    /** Sets the callback for {@link SseReconnectExhaustedException} and {@link SseFatalResponseException}. */
    public Builder onError(Consumer<Throwable> onError) {
      this.onError = onError;
      return this;
    }

    /** Sets the callback for the upstream connection state as known in this process. */
    public Builder onConnectionChange(Consumer<Boolean> onConnectionChange) {
      this.onConnectionChange = onConnectionChange;
      return this;
    }

    /** Sets the HTTP client (default: the module's shared HTTP/1.1 client). */
    public Builder httpClient(HttpClient httpClient) {
      this.httpClient = httpClient;
      return this;
    }

    /** Closes and retries a stream silent this long (&ge; 0; default 0: off). */
    public Builder idleTimeout(Duration idleTimeout) {
      this.idleTimeout = Objects.requireNonNull(idleTimeout, "idleTimeout");
      return this;
    }

    /** Sets the executor callbacks are serialized onto (default: a shared daemon pool). */
    public Builder executor(Executor executor) {
      this.executor = executor;
      return this;
    }

    /** Sets how many explicit event ids are remembered (&ge; 0; default 1,024; 0 turns it off). */
    public Builder dedupeWindow(int dedupeWindow) {
      this.dedupeWindow = dedupeWindow;
      return this;
    }

    /** Sets whether to warm the HTTP client up at connect (default true; RELAY-21). */
    public Builder warmUp(boolean warmUp) {
      this.warmUp = warmUp;
      return this;
    }

    /** Sets the options of the channel group. */
    public Builder channelOptions(ChannelOptions channelOptions) {
      this.channelOptions = Objects.requireNonNull(channelOptions, "channelOptions");
      return this;
    }

    /** Sets the options of the election group. */
    public Builder electionOptions(ElectionOptions electionOptions) {
      this.electionOptions = Objects.requireNonNull(electionOptions, "electionOptions");
      return this;
    }

    /** Sets the scheduler of reconnects and idle checks (default {@link TaskScheduler#shared()}). */
    public Builder scheduler(TaskScheduler scheduler) {
      this.scheduler = Objects.requireNonNull(scheduler, "scheduler");
      return this;
    }

    /** Sets the clocks of the idle timeout (default {@link TimeSource#system()}). */
    public Builder timeSource(TimeSource timeSource) {
      this.timeSource = Objects.requireNonNull(timeSource, "timeSource");
      return this;
    }

    /** Sets the source of backoff jitter (default: a new {@code SplittableRandom}). */
    public Builder random(RandomGenerator random) {
      this.random = random;
      return this;
    }

    /**
     * Validates and builds.
     *
     * @throws NullPointerException naming a missing required option
     * @throws IllegalArgumentException naming an invalid option and its allowed range
     */
    public SseOptions build() {
      Objects.requireNonNull(eventTypes, "eventTypes");
      Objects.requireNonNull(onEvent, "onEvent");
      Objects.requireNonNull(channelName, "channelName");
      int nameBytes = channelName.getBytes(StandardCharsets.UTF_8).length;
      if (nameBytes == 0 || nameBytes > 256) {
        throw new IllegalArgumentException(
            "channelName must be 1 to 256 UTF-8 bytes, was " + nameBytes);
      }
      HttpSnapshotProvider.checkHttpUri("url", url);
      headers = RequestHeaders.validated(headers);
      if (maxReconnectAttempts < 1) {
        throw new IllegalArgumentException(
            "maxReconnectAttempts must be >= 1, was " + maxReconnectAttempts);
      }
      SseInvalidationSubscriber.checkDelays(initialReconnectDelay, maxReconnectDelay, idleTimeout);
      if (dedupeWindow < 0) {
        throw new IllegalArgumentException("dedupeWindow must be >= 0, was " + dedupeWindow);
      }
      return new SseOptions(this);
    }
  }
}
