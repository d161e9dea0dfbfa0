package dev.statesync.examples.support;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.statesync.core.InvalidationEvent;
import dev.statesync.core.Revision;
import dev.statesync.core.SnapshotEnvelope;
import dev.statesync.core.json.ProtocolCodec;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * An embedded source of truth for the examples: the settings, their revision, and an HTTP + SSE
 * API on the loopback interface, on {@code com.sun.net.httpserver}.
 *
 * <ul>
 *   <li>{@code GET /settings}: the snapshot envelope {@code {"revision":"7","data":{...}}};
 *   <li>{@code POST /settings} with a settings JSON body and an optional {@code X-Source-Id}
 *       header: stores it as the next revision, answers with the new envelope (the write
 *       response), and publishes the invalidation {@code {"topic":"settings","revision":"8",
 *       "sourceId":...}}. A body that is not valid settings gets 400 with the reason, and the
 *       stored state is unchanged;
 *   <li>{@code GET /events}: a {@code text/event-stream} of {@code invalidation} events.
 * </ul>
 *
 * <p>Thread-safe. Each SSE client holds one thread of the server's pool while connected.
 */
public final class SettingsBackend implements AutoCloseable {
  /** The topic this backend serves. */
  public static final String TOPIC = "settings";
  /** The request header that names the writer, echoed as the invalidation's {@code sourceId}. */
  public static final String SOURCE_HEADER = "X-Source-Id";

  private final ProtocolCodec codec = ProtocolCodec.create();
  private final ObjectMapper json = new ObjectMapper();
  private final HttpServer server;
  private final ExecutorService pool;
  private final List<EventStream> streams = new CopyOnWriteArrayList<>();
  private final AtomicLong snapshotReads = new AtomicLong();
  private final AtomicLong writes = new AtomicLong();
  private final AtomicInteger streamsOpened = new AtomicInteger();
  private SnapshotEnvelope<Settings> current;

  private SettingsBackend(Settings initial) throws IOException {
    current = SnapshotEnvelope.of(Revision.of(1), initial);
    AtomicInteger threads = new AtomicInteger();
    pool = Executors.newCachedThreadPool(r -> {
      Thread t = new Thread(r, "settings-backend-" + threads.incrementAndGet());
      t.setDaemon(true);
      return t;
    });
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 50);
    server.setExecutor(pool);
    server.createContext("/settings", this::settings);
    server.createContext("/events", this::events);
    server.start();
  }

  /** Starts a backend on a free loopback port, at revision 1 holding {@code initial}. */
  public static SettingsBackend start(Settings initial) {
    try {
      return new SettingsBackend(initial);
    } catch (IOException e) {
      throw new IllegalStateException("cannot start the settings backend: " + e, e);
    }
  }

  /** The base URI, for example {@code http://127.0.0.1:41234}. */
  public URI baseUri() {
    InetSocketAddress a = server.getAddress();
    return URI.create("http://" + a.getAddress().getHostAddress() + ":" + a.getPort());
  }

  /** The snapshot URI ({@code GET}) and write URI ({@code POST}). */
  public URI snapshotUri() {
    return baseUri().resolve("/settings");
  }

  /** The SSE URI. */
  public URI eventsUri() {
    return baseUri().resolve("/events");
  }

  /** The current envelope. */
  public synchronized SnapshotEnvelope<Settings> current() {
    return current;
  }

  /**
   * Stores {@code value} as the next revision and publishes its invalidation; returns the new
   * envelope. Used by the HTTP write and by examples that write on the server side.
   *
   * @param sourceId the writer's id, carried by the invalidation; null for none
   */
  public SnapshotEnvelope<Settings> write(Settings value, String sourceId) {
    SnapshotEnvelope<Settings> written;
    synchronized (this) {
      written = SnapshotEnvelope.of(current.revision().next(), value);
      current = written;
      writes.incrementAndGet();
      // Published under the lock, so every stream sees invalidations in revision order.
      InvalidationEvent event = InvalidationEvent.of(TOPIC, written.revision());
      publish(codec.encodeEvent(sourceId == null ? event : event.withSourceId(sourceId)),
          written.revision());
    }
    return written;
  }

  /** How many {@code GET /settings} requests were served. */
  public long snapshotReads() {
    return snapshotReads.get();
  }

  /** How many writes were stored. */
  public long writes() {
    return writes.get();
  }

  /** How many SSE connections were opened in total. */
  public int eventStreamsOpened() {
    return streamsOpened.get();
  }

  /** How many SSE connections are open now, as far as the server knows. */
  public int openEventStreams() {
    return streams.size();
  }

  /** Stops the server and ends every SSE stream. */
  @Override
  public void close() {
    streams.forEach(EventStream::end);
    server.stop(0);
    pool.shutdownNow();
  }

  private void settings(HttpExchange exchange) throws IOException {
    try (exchange) {
      switch (exchange.getRequestMethod()) {
        case "GET" -> {
          snapshotReads.incrementAndGet();
          respond(exchange, 200, codec.encodeSnapshot(current()));
        }
        case "POST" -> {
          Settings value;
          try (InputStream in = exchange.getRequestBody()) {
            value = parse(in.readAllBytes());
          } catch (IllegalArgumentException e) {
            respond(exchange, 400, json.writeValueAsString(
                java.util.Map.of("error", e.getMessage())));
            return;
          }
          String source = exchange.getRequestHeaders().getFirst(SOURCE_HEADER);
          respond(exchange, 200, codec.encodeSnapshot(write(value, source)));
        }
        default -> respond(exchange, 405, "{\"error\":\"use GET or POST\"}");
      }
    }
  }

  /** Decodes and checks a settings body; the message says which field held what. */
  private Settings parse(byte[] body) {
    Settings s;
    try {
      s = json.readValue(body, Settings.class);
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new IllegalArgumentException("body is not a settings object {\"theme\":...,"
          + "\"fontSize\":...}: " + e.getOriginalMessage());
    } catch (IOException e) {
      throw new IllegalArgumentException("body could not be read: " + e.getMessage());
    }
    if (s == null || s.theme() == null || s.theme().isBlank()) {
      throw new IllegalArgumentException("theme must be a non-empty string");
    }
    if (s.fontSize() < 6 || s.fontSize() > 72) {
      throw new IllegalArgumentException("fontSize must be 6..72, was " + s.fontSize());
    }
    return s;
  }

  private void events(HttpExchange exchange) throws IOException {
    exchange.getResponseHeaders().set("Content-Type", "text/event-stream");
    exchange.getResponseHeaders().set("Cache-Control", "no-cache");
    exchange.sendResponseHeaders(200, 0);
    EventStream stream = new EventStream(exchange.getResponseBody());
    streamsOpened.incrementAndGet();
    // A comment line, so the client knows the stream is open before the first event.
    stream.send(": open\n\n");
    streams.add(stream);
    try {
      stream.ended.await();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } finally {
      streams.remove(stream);
      exchange.close();
    }
  }

  private void publish(String eventJson, Revision revision) {
    String frame = "event: invalidation\nid: " + revision + "\ndata: " + eventJson + "\n\n";
    for (EventStream s : streams) {
      if (!s.send(frame)) {
        streams.remove(s);
      }
    }
  }

  private static void respond(HttpExchange exchange, int status, String body) throws IOException {
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    exchange.getResponseHeaders().set("Content-Type", "application/json");
    exchange.sendResponseHeaders(status, bytes.length);
    try (OutputStream out = exchange.getResponseBody()) {
      out.write(bytes);
    }
  }

  /** One open SSE response; a failed write (the client went away) ends it. */
  private static final class EventStream {
    final OutputStream out;
    final CountDownLatch ended = new CountDownLatch(1);

    EventStream(OutputStream out) {
      this.out = out;
    }

    synchronized boolean send(String frame) {
      if (ended.getCount() == 0) {
        return false;
      }
      try {
        out.write(frame.getBytes(StandardCharsets.UTF_8));
        out.flush();
        return true;
      } catch (IOException e) {
        end();
        return false;
      }
    }

    void end() {
      ended.countDown();
    }
  }
}
