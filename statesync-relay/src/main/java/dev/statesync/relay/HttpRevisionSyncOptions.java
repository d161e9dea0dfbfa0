package dev.statesync.relay;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JavaType;
import com.fasterxml.jackson.databind.type.TypeFactory;
import dev.statesync.channel.HostCoordination;
import dev.statesync.channel.HostCoordinationOptions;
import dev.statesync.channel.HostUpstream;
import dev.statesync.core.InvalidationSubscriber;
import dev.statesync.core.RevisionSyncHandle;
import dev.statesync.core.RevisionSyncOptions;
import dev.statesync.core.StateSync;
import dev.statesync.core.SnapshotApplier;
import dev.statesync.core.json.ProtocolCodec;
import dev.statesync.relay.internal.RequestHeaders;
import dev.statesync.relay.internal.SubscriberRegistry;
import java.net.URI;
import java.net.http.HttpClient;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * The validated configuration of {@link HttpRevisionSync#createHttpRevisionSync}: the HTTP
 * endpoints, the data type, the applier, the transport options, and every other engine option
 * passed through verbatim. Immutable.
 *
 * <pre>{@code
 * HttpRevisionSyncOptions<Settings> options = HttpRevisionSyncOptions.<Settings>builder()
 *     .topic("settings")
 *     .sseUri(URI.create("https://api.example/events"))
 *     .snapshotUri(URI.create("https://api.example/settings"))
 *     .dataType(Settings.class)
 *     .applier(SnapshotApplier.ofData(view::show))
 *     .engineOptions(engine -> engine.throttling(ThrottlingOptions.debounce(Duration.ofMillis(50))))
 *     .build();
 * }</pre>
 *
 * @param <T> the type of the snapshot data
 */
public final class HttpRevisionSyncOptions<T> {
  private final RevisionSyncOptions<T> engineOptions;
  private final URI sseUri;
  private final URI snapshotUri;
  private final HostCoordinationOptions hostCoordination;
  private final Supplier<RevisionSyncOptions.Builder<T>> coordinatedEngine;
  private final JavaType dataType;
  private final HostUpstream upstream;

  private HttpRevisionSyncOptions(Builder<T> b, RevisionSyncOptions<T> engineOptions,
      HostCoordinationOptions hostCoordination, HostUpstream upstream) {
    this.engineOptions = engineOptions;
    this.sseUri = b.sseUri;
    this.snapshotUri = b.snapshotUri;
    this.hostCoordination = hostCoordination;
    this.dataType = b.dataType;
    this.upstream = upstream;
    String topic = b.topic;
    SnapshotApplier<T> applier = b.applier;
    ProtocolCodec codec = b.codec;
    Consumer<RevisionSyncOptions.Builder<T>> engine = b.engine;
    this.coordinatedEngine = () -> {
      RevisionSyncOptions.Builder<T> e = RevisionSyncOptions.builder();
      engine.accept(e);
      return e.topic(topic).applier(applier).codec(codec);
    };
  }

  /** Returns a builder with every default set. */
  public static <T> Builder<T> builder() {
    return new Builder<>();
  }

  /** Returns the SSE endpoint. */
  public URI sseUri() {
    return sseUri;
  }

  /** Returns the snapshot endpoint. */
  public URI snapshotUri() {
    return snapshotUri;
  }

  /**
   * Returns the host-coordination options, with the channel name resolved (the one set, else
   * {@link HttpRevisionSync#defaultChannelName(URI)} of the SSE endpoint), or empty when each
   * process connects on its own.
   */
  public Optional<HostCoordinationOptions> hostCoordination() {
    return Optional.ofNullable(hostCoordination);
  }

  /** Creates the handle these options describe; see {@link HttpRevisionSync}. */
  RevisionSyncHandle<T> createHandle() {
    if (hostCoordination == null) {
      return StateSync.createRevisionSync(engineOptions);
    }
    return HostCoordination.createRevisionSync(coordinatedEngine.get(), dataType, upstream,
        snapshotUri.toString(), hostCoordination);
  }

  /** Identifies a shared subscriber: handles with equal keys share one SSE connection. */
  private record SubscriberKey(
      URI uri,
      Map<String, String> headers,
      Set<String> eventTypes,
      Object headersSupplier,
      Object httpClient,
      Duration initialReconnectDelay,
      Duration maxReconnectDelay,
      Duration idleTimeout) {}

  /**
   * Builds {@link HttpRevisionSyncOptions}. {@code topic}, {@code sseUri}, {@code snapshotUri},
   * the data type and {@code applier} are required. Not thread-safe.
   *
   * @param <T> the type of the snapshot data
   */
  public static final class Builder<T> {
    private String topic;
    private URI sseUri;
    private URI snapshotUri;
    private Function<URI, HttpSnapshotProvider.Builder<T>> providerFor;
    private JavaType dataType;
    private SnapshotApplier<T> applier;
    private HttpClient httpClient;
    private Map<String, String> headers = Map.of();
    private Supplier<Map<String, String>> headersSupplier;
    private Duration requestTimeout = Duration.ofSeconds(10);
    private Set<String> eventTypes = SseInvalidationSubscriber.DEFAULT_EVENT_TYPES;
    private Duration initialReconnectDelay = Duration.ofSeconds(1);
    private Duration maxReconnectDelay = Duration.ofSeconds(30);
    private Duration idleTimeout = Duration.ZERO;
    private Consumer<RevisionSyncOptions.Builder<T>> engine = b -> {};
    private ProtocolCodec codec = ProtocolCodec.create();
    private HostCoordinationOptions hostCoordination;

    private Builder() {}

    /** Sets the topic (required). */
    public Builder<T> topic(String topic) {
      this.topic = topic;
      return this;
    }

    /** Sets the SSE endpoint whose events carry JSON invalidations (required). */
    public Builder<T> sseUri(URI sseUri) {
      this.sseUri = sseUri;
      return this;
    }

    /** Sets the endpoint that answers a GET with the topic's snapshot envelope (required). */
    public Builder<T> snapshotUri(URI snapshotUri) {
      this.snapshotUri = snapshotUri;
      return this;
    }

    /** Sets the data type as a class (required, or one of the other {@code dataType}s). */
    public Builder<T> dataType(Class<T> type) {
      Objects.requireNonNull(type, "dataType");
      this.providerFor = uri -> HttpSnapshotProvider.builder(uri, type);
      this.dataType = TypeFactory.defaultInstance().constructType(type);
      return this;
    }

    /** Sets a generic data type. */
    public Builder<T> dataType(TypeReference<T> type) {
      Objects.requireNonNull(type, "dataType");
      this.providerFor = uri -> HttpSnapshotProvider.builder(uri, type);
      this.dataType = TypeFactory.defaultInstance().constructType(type);
      return this;
    }

    /** Sets the data type as a Jackson type. */
    public Builder<T> dataType(JavaType type) {
      Objects.requireNonNull(type, "dataType");
      this.providerFor = uri -> HttpSnapshotProvider.builder(uri, type);
      this.dataType = type;
      return this;
    }

    /** Sets the applier (required). */
    public Builder<T> applier(SnapshotApplier<T> applier) {
      this.applier = applier;
      return this;
    }

    /** Sets the HTTP client of both endpoints (default: the module's shared client). */
    public Builder<T> httpClient(HttpClient httpClient) {
      this.httpClient = httpClient;
      return this;
    }

    /** Sets static headers sent to both endpoints (default none). */
    public Builder<T> headers(Map<String, String> headers) {
      this.headers = Objects.requireNonNull(headers, "headers");
      return this;
    }

    /** Sets a supplier of headers evaluated before each request to either endpoint. */
    public Builder<T> headersSupplier(Supplier<Map<String, String>> headersSupplier) {
      this.headersSupplier = headersSupplier;
      return this;
    }

    /** Sets the timeout of each snapshot GET (&gt; 0; default 10 s). */
    public Builder<T> requestTimeout(Duration requestTimeout) {
      this.requestTimeout = Objects.requireNonNull(requestTimeout, "requestTimeout");
      return this;
    }

    /** Sets the SSE event types carrying invalidations (default invalidation, message). */
    public Builder<T> eventTypes(Set<String> eventTypes) {
      this.eventTypes = Set.copyOf(Objects.requireNonNull(eventTypes, "eventTypes"));
      return this;
    }

    /** Sets the base of the SSE reconnect backoff (default 1 s). */
    public Builder<T> initialReconnectDelay(Duration delay) {
      this.initialReconnectDelay = Objects.requireNonNull(delay, "initialReconnectDelay");
      return this;
    }

    /** Sets the cap of the SSE reconnect backoff (default 30 s). */
    public Builder<T> maxReconnectDelay(Duration delay) {
      this.maxReconnectDelay = Objects.requireNonNull(delay, "maxReconnectDelay");
      return this;
    }

    /** Sets the SSE idle timeout (default 0: off). */
    public Builder<T> idleTimeout(Duration idleTimeout) {
      this.idleTimeout = Objects.requireNonNull(idleTimeout, "idleTimeout");
      return this;
    }

    /**
     * Sets the codec that decodes both snapshots and invalidations (default {@link
     * ProtocolCodec#create()}); use one built on your own {@code ObjectMapper} to bind the data.
     */
    public Builder<T> codec(ProtocolCodec codec) {
      this.codec = Objects.requireNonNull(codec, "codec");
      return this;
    }

    /**
     * Turns on the host-coordinated mode (RELAY-32 to RELAY-35): the processes of this OS user on
     * this host that use the same channel name elect one leader, which alone holds the SSE
     * connection and GETs each changed snapshot once, then broadcasts it; every process applies
     * it through its own handle's gate. Without a {@code channelName} in {@code options}, the
     * name is {@link HttpRevisionSync#defaultChannelName(URI)} of the SSE endpoint, so every
     * process on the same endpoint joins the same group. Every process must use the same
     * snapshot URI for a topic (it is the coordinator's source key). Default: off.
     */
    public Builder<T> hostCoordination(HostCoordinationOptions options) {
      this.hostCoordination = Objects.requireNonNull(options, "hostCoordination");
      return this;
    }

    /**
     * Sets every other engine option (throttling, retry, logger, onError, executor, clocks,
     * initial revision...) on the {@link RevisionSyncOptions.Builder} the handle is built from.
     * The customizer runs in {@link #build()} (and, in the host-coordinated mode, again for each
     * handle created); the topic, applier, codec, subscriber and provider are set after it and
     * win.
     */
    public Builder<T> engineOptions(Consumer<RevisionSyncOptions.Builder<T>> customizer) {
      this.engine = Objects.requireNonNull(customizer, "engineOptions");
      return this;
    }

    /**
     * Validates and builds.
     *
     * @throws NullPointerException naming a missing option
     * @throws IllegalArgumentException naming an invalid option and its allowed range
     */
    public HttpRevisionSyncOptions<T> build() {
      Objects.requireNonNull(topic, "topic");
      Objects.requireNonNull(sseUri, "sseUri");
      Objects.requireNonNull(snapshotUri, "snapshotUri");
      Objects.requireNonNull(providerFor, "dataType");
      Objects.requireNonNull(applier, "applier");
      Map<String, String> checkedHeaders = RequestHeaders.validated(headers);
      HttpSnapshotProvider<T> provider =
          providerFor
              .apply(snapshotUri)
              .httpClient(httpClient)
              .headers(checkedHeaders)
              .headersSupplier(headersSupplier)
              .timeout(requestTimeout)
              .codec(codec)
              .build();
      // Build one subscriber now, so that its options are validated here; the registry keeps
      // it only if no equal one is live when the first handle subscribes.
      SseInvalidationSubscriber.Builder subscriberBuilder =
          SseInvalidationSubscriber.builder(sseUri)
              .httpClient(httpClient)
              .headers(checkedHeaders)
              .headersSupplier(headersSupplier)
              .eventTypes(eventTypes)
              .initialReconnectDelay(initialReconnectDelay)
              .maxReconnectDelay(maxReconnectDelay)
              .idleTimeout(idleTimeout);
      subscriberBuilder.build();
      SubscriberKey key =
          new SubscriberKey(
              sseUri,
              checkedHeaders,
              eventTypes,
              headersSupplier,
              httpClient,
              initialReconnectDelay,
              maxReconnectDelay,
              idleTimeout);
      InvalidationSubscriber subscriber =
          SubscriberRegistry.shared().lease(key, subscriberBuilder::build);
      // Built in every mode, so that the engine options are validated here.
      RevisionSyncOptions.Builder<T> engineBuilder = RevisionSyncOptions.builder();
      engine.accept(engineBuilder);
      RevisionSyncOptions<T> options =
          engineBuilder
              .topic(topic)
              .applier(applier)
              .subscriber(subscriber)
              .provider(provider)
              .codec(codec)
              .build();
      if (hostCoordination == null) {
        return new HttpRevisionSyncOptions<>(this, options, null, null);
      }
      HostCoordinationOptions coordination = hostCoordination.channelName().isPresent()
          ? hostCoordination
          : hostCoordination.toBuilder()
              .channelName(HttpRevisionSync.defaultChannelName(sseUri)).build();
      HttpClient client = httpClient;
      Supplier<Map<String, String>> supplier = headersSupplier;
      Duration timeout = requestTimeout;
      ProtocolCodec jsonCodec = codec;
      // The source key of a topic is its snapshot URI; a peer's key goes through the same checks.
      HostUpstream upstream = HostUpstream.of(subscriber, (t, sourceKey) ->
          HttpSnapshotProvider.forJsonNode(URI.create(sourceKey))
              .httpClient(client)
              .headers(checkedHeaders)
              .headersSupplier(supplier)
              .timeout(timeout)
              .codec(jsonCodec)
              .build());
      return new HttpRevisionSyncOptions<>(this, null, coordination, upstream);
    }
  }
}
