package dev.statesync.relay;

import dev.statesync.core.RevisionSyncHandle;
import dev.statesync.core.StateSync;
import java.util.Objects;

/**
 * The front door of the HTTP/SSE transport (RELAY-31): a revision sync handle whose invalidations
 * come from a server-sent-events endpoint and whose snapshots come from an HTTP GET.
 *
 * <p>The handle's provider is an {@link HttpSnapshotProvider} on the snapshot URI. Its subscriber
 * is taken from a per-JVM, reference-counted registry of {@link SseInvalidationSubscriber}s keyed
 * by the SSE URI, the headers (and the identity of the headers supplier and HTTP client), the event
 * types and the reconnect options: every handle on one endpoint with equal settings shares one SSE
 * connection, which closes when the last of them stops. The factory adds no engine semantics.
 */
public final class HttpRevisionSync {
  private HttpRevisionSync() {}

  /**
   * Creates a handle in status IDLE; call {@link RevisionSyncHandle#start()} to connect and fetch.
   * Creating it does no I/O.
   *
   * @throws NullPointerException if {@code options} is null
   */
  public static <T> RevisionSyncHandle<T> createHttpRevisionSync(HttpRevisionSyncOptions<T> options) {
    Objects.requireNonNull(options, "options");
    return StateSync.createRevisionSync(options.engineOptions());
  }
}
