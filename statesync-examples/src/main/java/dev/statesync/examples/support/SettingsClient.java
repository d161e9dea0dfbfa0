package dev.statesync.examples.support;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.statesync.core.SnapshotEnvelope;
import dev.statesync.core.json.ProtocolCodec;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;

/**
 * The write side of {@link SettingsBackend}'s HTTP API: posts settings and returns the write
 * response, so the writer can offer it to its handle. (Reads are the library's
 * {@code HttpSnapshotProvider}.)
 */
public final class SettingsClient {
  private final HttpClient http = HttpClient.newBuilder()
      .connectTimeout(Duration.ofSeconds(10)).build();
  private final ProtocolCodec codec = ProtocolCodec.create();
  private final ObjectMapper json = new ObjectMapper();
  private final URI settingsUri;
  private final String sourceId;

  /**
   * @param settingsUri the backend's {@code /settings} URI
   * @param sourceId sent with every write, so the invalidation names this writer
   */
  public SettingsClient(URI settingsUri, String sourceId) {
    this.settingsUri = settingsUri;
    this.sourceId = sourceId;
  }

  /**
   * POSTs {@code value}; the future completes with the write response (the stored envelope), or
   * fails with {@link IllegalStateException} carrying the server's reason.
   */
  public CompletableFuture<SnapshotEnvelope<Settings>> write(Settings value) {
    String body;
    try {
      body = json.writeValueAsString(value);
    } catch (JsonProcessingException e) {
      throw new UncheckedIOException(e);
    }
    return http.sendAsync(HttpRequest.newBuilder(settingsUri).timeout(Duration.ofSeconds(10))
                .header("Content-Type", "application/json")
                .header(SettingsBackend.SOURCE_HEADER, sourceId)
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(),
            HttpResponse.BodyHandlers.ofString())
        .thenApply(r -> codec.decodeSnapshot(body(r), Settings.class));
  }

  /** As {@link #write}, waiting for the response. */
  public SnapshotEnvelope<Settings> writeAndWait(Settings value) {
    try {
      return write(value).join();
    } catch (java.util.concurrent.CompletionException e) {
      if (e.getCause() instanceof RuntimeException r) {
        throw r;
      }
      throw new UncheckedIOException(new IOException(e.getCause()));
    }
  }

  private static String body(HttpResponse<String> response) {
    if (response.statusCode() != 200) {
      throw new IllegalStateException(response.request().method() + " " + response.uri()
          + " answered " + response.statusCode() + ": " + response.body());
    }
    return response.body();
  }
}
