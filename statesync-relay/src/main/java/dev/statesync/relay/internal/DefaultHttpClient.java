package dev.statesync.relay.internal;

import java.net.http.HttpClient;
import java.time.Duration;

/**
 * The module's default {@link HttpClient} (RELAY-4): HTTP/1.1, a 10 s connect timeout, redirects
 * {@code NORMAL}. One instance per JVM, created on first use, so that its selector thread and
 * connection pool are shared by every relay object that has no client of its own.
 */
public final class DefaultHttpClient {
  private DefaultHttpClient() {}

  /** Returns the shared default client. */
  public static HttpClient get() {
    return Holder.CLIENT;
  }

  private static final class Holder {
    static final HttpClient CLIENT =
        HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(10))
            .followRedirects(HttpClient.Redirect.NORMAL)
            .build();
  }
}
