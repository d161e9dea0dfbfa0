package dev.statesync.relay;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JavaType;
import dev.statesync.core.InvalidationSubscriber;
import dev.statesync.core.RevisionSyncOptions;
import dev.statesync.core.SnapshotApplier;
import dev.statesync.core.json.ProtocolCodec;
import dev.statesync.relay.internal.RequestHeaders;
import dev.statesync.relay.internal.SubscriberRegistry;
import java.net.URI;
import java.net.http.HttpClient;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
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

  private HttpRevisionSyncOptions(
      RevisionSyncOptions<T> engineOptions, URI sseUri, URI snapshotUri) {
    this.engineOptions = engineOptions;
    this.sseUri = sseUri;
    this.snapshotUri = snapshotUri;
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
   * Returns the engine options the handle is created with: the pass-through options, the topic
   * and applier, an {@link HttpSnapshotProvider} and a subscriber leased from the JVM's shared
   * registry.
   */
  public RevisionSyncOptions<T> engineOptions() {
    return engineOptions;
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
      return this;
    }

    /** Sets a generic data type. */
    public Builder<T> dataType(TypeReference<T> type) {
      Objects.requireNonNull(type, "dataType");
      this.providerFor = uri -> HttpSnapshotProvider.builder(uri, type);
      return this;
    }

    /** Sets the data type as a Jackson type. */
    public Builder<T> dataType(JavaType type) {
      Objects.requireNonNull(type, "dataType");
      this.providerFor = uri -> HttpSnapshotProvider.builder(uri, type);
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
     * Sets every other engine option (throttling, retry, logger, onError, executor, clocks,
     * initial revision...) on the {@link RevisionSyncOptions.Builder} the handle is built from.
     * The customizer runs in {@link #build()}; the topic, applier, codec, subscriber and
     * provider are set after it and win.
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
      return new HttpRevisionSyncOptions<>(options, sseUri, snapshotUri);
    }
  }
}
