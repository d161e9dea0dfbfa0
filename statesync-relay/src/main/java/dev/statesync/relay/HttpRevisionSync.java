package dev.statesync.relay;

import dev.statesync.core.RevisionSyncHandle;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Objects;

/**
 * The front door of the HTTP/SSE transport (RELAY-31): a revision sync handle whose invalidations
 * come from a server-sent-events endpoint and whose snapshots come from an HTTP GET.
 *
 * <p><b>Per process</b> (the default), the handle's provider is an {@link HttpSnapshotProvider} on
 * the snapshot URI. Its subscriber is taken from a per-JVM, reference-counted registry of {@link
 * SseInvalidationSubscriber}s keyed by the SSE URI, the headers (and the identity of the headers
 * supplier and HTTP client), the event types and the reconnect options: every handle on one
 * endpoint with equal settings shares one SSE connection, which closes when the last of them
 * stops.
 *
 * <p><b>Host-coordinated</b> ({@link HttpRevisionSyncOptions.Builder#hostCoordination}), the
 * processes of one OS user on one host share more: only the elected leader holds the SSE
 * connection (the same shared subscriber) and GETs each changed snapshot, once, and broadcasts the
 * envelope over the host channel; each process hands it to its own handle, whose gate decides. N
 * processes then cost the server one SSE connection and one GET per change, and a joiner costs
 * nothing while the leader has its topic cached. When the leader dies, another process takes over
 * within milliseconds, reconnects and GETs each wanted topic once. This is {@link
 * dev.statesync.channel.HostCoordination} with the SSE subscriber and the snapshot URI as its
 * upstream.
 *
 * <p>The factory adds no engine semantics.
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
    return options.createHandle();
  }

  /**
   * Returns the host channel name used by the host-coordinated mode when none is set:
   * {@code "statesync-http-"} and the first 16 hex digits of the SHA-256 of the SSE URI's text
   * (RELAY-32). Processes that name the same SSE URI therefore meet on the same channel.
   *
   * @throws NullPointerException if {@code sseUri} is null
   */
  public static String defaultChannelName(URI sseUri) {
    byte[] text = sseUri.toString().getBytes(StandardCharsets.UTF_8);
    try {
      byte[] hash = MessageDigest.getInstance("SHA-256").digest(text);
      return "statesync-http-" + HexFormat.of().formatHex(hash, 0, 8);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is required of every JDK", e);
    }
  }
}
