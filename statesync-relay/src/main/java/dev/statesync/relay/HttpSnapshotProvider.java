package dev.statesync.relay;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JavaType;
import com.fasterxml.jackson.databind.JsonNode;
import dev.statesync.core.ProtocolException;
import dev.statesync.core.SnapshotEnvelope;
import dev.statesync.core.SnapshotProvider;
import dev.statesync.core.json.ProtocolCodec;
import dev.statesync.relay.internal.DefaultHttpClient;
import dev.statesync.relay.internal.RequestHeaders;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.BiFunction;
import java.util.function.Supplier;

/**
 * A {@link SnapshotProvider} that GETs a snapshot envelope over HTTP (RELAY-29).
 *
 * <p>Each {@link #getSnapshot()} sends one asynchronous GET with {@code Accept: application/json}
 * and the configured headers. On status 200 the body is decoded with the {@link ProtocolCodec}
 * (CORE-12): a body that is not a valid envelope fails the stage with {@link ProtocolException}.
 * Any other status fails it with {@link HttpStatusException}, which holds the first 512 characters
 * of the body. A transport failure fails it with the client's {@link java.io.IOException} (a
 * {@link java.net.http.HttpTimeoutException} after {@code timeout}). There is no caching and no
 * retry: both belong to the engine. The stage completes on the HTTP client's executor; the engine
 * moves its own work to its serial context.
 *
 * <pre>{@code
 * SnapshotProvider<Settings> provider =
 *     HttpSnapshotProvider.builder(URI.create("https://api.example/settings"), Settings.class)
 *         .headersSupplier(() -> Map.of("Authorization", "Bearer " + tokens.current()))
 *         .build();
 * }</pre>
 *
 * <p>Thread-safe and immutable; it holds no resource of its own and needs no closing.
 *
 * @param <T> the type of the snapshot data
 */
public final class HttpSnapshotProvider<T> implements SnapshotProvider<T> {
  private final URI uri;
  private final HttpClient client;
  private final Map<String, String> headers;
  private final Supplier<Map<String, String>> headersSupplier;
  private final Duration timeout;
  private final ProtocolCodec codec;
  private final BiFunction<ProtocolCodec, byte[], SnapshotEnvelope<T>> decode;

  private HttpSnapshotProvider(Builder<T> b) {
    this.uri = b.uri;
    this.client = b.client != null ? b.client : DefaultHttpClient.get();
    this.headers = b.headers;
    this.headersSupplier = b.headersSupplier;
    this.timeout = b.timeout;
    this.codec = b.codec != null ? b.codec : ProtocolCodec.create();
    this.decode = b.decode;
  }

  /**
   * Returns a builder for snapshots whose data binds to {@code type}.
   *
   * @throws NullPointerException if an argument is null
   */
  public static <T> Builder<T> builder(URI uri, Class<T> type) {
    Objects.requireNonNull(type, "type");
    return new Builder<>(uri, (codec, bytes) -> codec.decodeSnapshot(bytes, type));
  }

  /**
   * Returns a builder for snapshots whose data binds to a generic type.
   *
   * @throws NullPointerException if an argument is null
   */
  public static <T> Builder<T> builder(URI uri, TypeReference<T> type) {
    Objects.requireNonNull(type, "type");
    return new Builder<>(uri, (codec, bytes) -> codec.decodeSnapshot(bytes, type));
  }

  /**
   * Returns a builder for snapshots whose data binds to a Jackson type.
   *
   * @throws NullPointerException if an argument is null
   */
  public static <T> Builder<T> builder(URI uri, JavaType type) {
    Objects.requireNonNull(type, "type");
    return new Builder<>(uri, (codec, bytes) -> codec.<T>decodeSnapshot(bytes, type));
  }

  /**
   * Returns a builder for snapshots whose data is kept as a {@link JsonNode} tree.
   *
   * @throws NullPointerException if {@code uri} is null
   */
  public static Builder<JsonNode> forJsonNode(URI uri) {
    return builder(uri, JsonNode.class);
  }

  /** Returns the snapshot URI. */
  public URI uri() {
    return uri;
  }

  /**
   * Sends one GET and completes with the decoded envelope; see the class description for how
   * each outcome fails the stage. Never throws.
   */
  @Override
  public CompletionStage<SnapshotEnvelope<T>> getSnapshot() {
    HttpRequest request;
    try {
      HttpRequest.Builder builder =
          HttpRequest.newBuilder(uri).GET().timeout(timeout).header("Accept", "application/json");
      RequestHeaders.merged(headers, headersSupplier).forEach(builder::setHeader);
      request = builder.build();
    } catch (RuntimeException e) {
      return CompletableFuture.failedFuture(e);
    }
    return client
        .sendAsync(request, HttpResponse.BodyHandlers.ofByteArray())
        .thenApply(this::decode);
  }

  private SnapshotEnvelope<T> decode(HttpResponse<byte[]> response) {
    byte[] body = response.body();
    if (response.statusCode() != 200) {
      int n = Math.min(body.length, HttpStatusException.MAX_BODY_CHARS * 4);
      throw new HttpStatusException(
          uri, response.statusCode(), new String(body, 0, n, StandardCharsets.UTF_8));
    }
    return decode.apply(codec, body);
  }

  @Override
  public String toString() {
    return "HttpSnapshotProvider[" + uri + "]";
  }

  /**
   * Options of an {@link HttpSnapshotProvider}. Not thread-safe.
   *
   * @param <T> the type of the snapshot data
   */
  public static final class Builder<T> {
    private final URI uri;
    private final BiFunction<ProtocolCodec, byte[], SnapshotEnvelope<T>> decode;
    private HttpClient client;
    private Map<String, String> headers = Map.of();
    private Supplier<Map<String, String>> headersSupplier;
    private Duration timeout = Duration.ofSeconds(10);
    private ProtocolCodec codec;

    private Builder(URI uri, BiFunction<ProtocolCodec, byte[], SnapshotEnvelope<T>> decode) {
      this.uri = Objects.requireNonNull(uri, "uri");
      this.decode = decode;
    }

    /** Sets the HTTP client (default: the module's shared HTTP/1.1 client, RELAY-4). */
    public Builder<T> httpClient(HttpClient client) {
      this.client = client;
      return this;
    }

    /** Sets static request headers (default none); copied and checked in {@link #build()}. */
    public Builder<T> headers(Map<String, String> headers) {
      this.headers = Objects.requireNonNull(headers, "headers");
      return this;
    }

    /**
     * Sets a supplier of headers evaluated before each request and laid over the static ones
     * (for a token that rotates); null (the default) for none. It runs on the caller of {@code
     * getSnapshot} and must not block; a throw fails that stage.
     */
    public Builder<T> headersSupplier(Supplier<Map<String, String>> supplier) {
      this.headersSupplier = supplier;
      return this;
    }

    /** Sets how long a request may take until its response arrives (&gt; 0; default 10 s). */
    public Builder<T> timeout(Duration timeout) {
      this.timeout = Objects.requireNonNull(timeout, "timeout");
      return this;
    }

    /** Sets the codec (default {@link ProtocolCodec#create()}). */
    public Builder<T> codec(ProtocolCodec codec) {
      this.codec = codec;
      return this;
    }

    /**
     * Validates and builds.
     *
     * @throws IllegalArgumentException if {@code timeout} is not positive, the URI is not an
     *     absolute http or https URI, or a header is refused by the HTTP client
     */
    public HttpSnapshotProvider<T> build() {
      if (timeout.isNegative() || timeout.isZero()) {
        throw new IllegalArgumentException("timeout must be > 0, was " + timeout);
      }
      checkHttpUri("uri", uri);
      headers = RequestHeaders.validated(headers);
      return new HttpSnapshotProvider<>(this);
    }
  }

  static void checkHttpUri(String option, URI uri) {
    String scheme = uri.getScheme();
    if (scheme == null
        || !(scheme.equalsIgnoreCase("http") || scheme.equalsIgnoreCase("https"))
        || uri.getHost() == null) {
      throw new IllegalArgumentException(
          option + " must be an absolute http or https URI, was " + uri);
    }
  }
}
