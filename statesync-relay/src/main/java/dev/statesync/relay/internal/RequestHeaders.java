package dev.statesync.relay.internal;

import java.net.URI;
import java.net.http.HttpRequest;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.function.Supplier;

/** Validation and merging of the user's request headers (RELAY-4). */
public final class RequestHeaders {
  private static final URI PROBE = URI.create("http://127.0.0.1/");

  private RequestHeaders() {}

  /**
   * Copies and checks static headers, so that a header the JDK client refuses fails the options
   * builder instead of every request.
   *
   * @throws NullPointerException if the map, a name or a value is null
   * @throws IllegalArgumentException naming the header that {@link HttpRequest} refuses
   */
  public static Map<String, String> validated(Map<String, String> headers) {
    Objects.requireNonNull(headers, "headers");
    Map<String, String> copy = new LinkedHashMap<>();
    headers.forEach(
        (name, value) -> {
          Objects.requireNonNull(name, "headers: a header name is null");
          Objects.requireNonNull(value, "headers: the value of " + name + " is null");
          try {
            HttpRequest.newBuilder(PROBE).setHeader(name, value);
          } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(
                "headers: the HTTP client refuses header '" + name + "': " + e.getMessage(), e);
          }
          copy.put(name, value);
        });
    return Collections.unmodifiableMap(copy);
  }

  /** Returns the static headers overlaid by the supplier's, evaluated now. */
  public static Map<String, String> merged(
      Map<String, String> headers, Supplier<Map<String, String>> supplier) {
    if (supplier == null) {
      return headers;
    }
    Map<String, String> extra = supplier.get();
    if (extra == null || extra.isEmpty()) {
      return headers;
    }
    Map<String, String> out = new LinkedHashMap<>(headers);
    out.putAll(extra);
    return out;
  }
}
