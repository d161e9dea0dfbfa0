package dev.statesync.bench.chaos;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.statesync.core.Epoch;
import dev.statesync.core.InvalidationEvent;
import dev.statesync.core.Revision;
import dev.statesync.core.SnapshotEnvelope;
import dev.statesync.core.json.ProtocolCodec;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The chaos run's source of truth, in the controller: one revision counter per topic behind an
 * HTTP + SSE API on the loopback interface ({@code com.sun.net.httpserver}), the shape the
 * library's HTTP transport expects.
 *
 * <ul>
 *   <li>{@code GET /snapshot/<topic>}: the snapshot envelope;
 *   <li>{@code POST /write/<topic>} with {@code X-Source-Id}: increments the revision, answers
 *       the new envelope (the write response) and pushes the invalidation to every event stream;
 *       after {@link #stopWrites()} it answers 409;
 *   <li>{@code GET /events}: a {@code text/event-stream} of {@code invalidation} events; a
 *       worker names its pid in {@value #WORKER_HEADER}, so the controller can count which
 *       processes hold an upstream connection.
 * </ul>
 */
final class TruthServer implements AutoCloseable {
  static final Epoch EPOCH = Epoch.of("chaos-1");
  static final String SOURCE_HEADER = "X-Source-Id";
  /** The header in which a worker's event stream names its process id. */
  static final String WORKER_HEADER = "X-Chaos-Worker";
  private static final ProtocolCodec CODEC = ProtocolCodec.create();

  private final HttpServer server;
  private final ExecutorService pool;
  private final Map<String, AtomicLong> revisions = new ConcurrentHashMap<>();
  private final Map<String, Long> lastWriteNanos = new ConcurrentHashMap<>();
  /** Each open event stream, with the pid its client sent in {@value #WORKER_HEADER} (or 0). */
  private final Map<BlockingQueue<byte[]>, Long> streams = new ConcurrentHashMap<>();
  private final String pad;
  private final AtomicLong writes = new AtomicLong();
  private volatile boolean writesStopped;
  private volatile boolean closed;

  TruthServer(List<String> topics, int dataBytes) throws IOException {
    for (String t : topics) {
      revisions.put(t, new AtomicLong(1));
    }
    pad = "p".repeat(dataBytes);
    // Without TCP_NODELAY the JDK server's split header and body writes meet the client's
    // delayed ACK, and every request takes tens of milliseconds. Read once, at first use.
    System.setProperty("sun.net.httpserver.nodelay", "true");
    pool = Executors.newCachedThreadPool(r -> {
      Thread t = new Thread(r, "truth-http");
      t.setDaemon(true);
      return t;
    });
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 256);
    server.setExecutor(pool);
    server.createContext("/snapshot/", this::snapshot);
    server.createContext("/write/", this::write);
    server.createContext("/events", this::events);
    server.start();
  }

  /** The base URI, {@code http://127.0.0.1:<port>}. */
  String baseUri() {
    return "http://" + server.getAddress().getHostString() + ":" + server.getAddress().getPort();
  }

  long writes() {
    return writes.get();
  }

  /** When the last write of {@code topic} was accepted ({@code System.nanoTime}), or 0. */
  long lastWriteNanos(String topic) {
    return lastWriteNanos.getOrDefault(topic, 0L);
  }

  /**
   * The process ids of the workers with an open event stream, as far as this server knows: the
   * stream of a killed client stays here until a write to it fails (at most about a second).
   */
  Set<Long> streamPids() {
    return new HashSet<>(streams.values());
  }

  /** Refuses further writes; returns the final revision of every topic. */
  Map<String, Long> stopWrites() {
    writesStopped = true;
    Map<String, Long> finals = new TreeMap<>();
    for (Map.Entry<String, AtomicLong> e : revisions.entrySet()) {
      synchronized (e.getValue()) {
        finals.put(e.getKey(), e.getValue().get());
      }
    }
    return finals;
  }

  private String envelope(long r, String writer) {
    return CODEC.encodeSnapshot(SnapshotEnvelope.of(Revision.of(r),
        new ChaosWorker.Value(r, writer, pad), EPOCH));
  }

  private static String topic(HttpExchange ex) {
    String path = ex.getRequestURI().getPath();
    return path.substring(path.lastIndexOf('/') + 1);
  }

  private static void answer(HttpExchange ex, int status, String body) throws IOException {
    byte[] b = body.getBytes(StandardCharsets.UTF_8);
    ex.getResponseHeaders().set("Content-Type", "application/json");
    ex.sendResponseHeaders(status, b.length);
    try (OutputStream o = ex.getResponseBody()) {
      o.write(b);
    }
  }

  private void snapshot(HttpExchange ex) throws IOException {
    AtomicLong rev = revisions.get(topic(ex));
    if (rev == null) {
      answer(ex, 404, "{}");
      return;
    }
    String env;
    synchronized (rev) {
      env = envelope(rev.get(), "source");
    }
    answer(ex, 200, env);
  }

  private void write(HttpExchange ex) throws IOException {
    ex.getRequestBody().readAllBytes();
    String topic = topic(ex);
    AtomicLong rev = revisions.get(topic);
    String writer = String.valueOf(ex.getRequestHeaders().getFirst(SOURCE_HEADER));
    if (rev == null || !ex.getRequestMethod().equals("POST")) {
      answer(ex, 404, "{}");
      return;
    }
    long r;
    String env;
    synchronized (rev) {
      if (writesStopped) {
        answer(ex, 409, "{\"stopped\":true}");
        return;
      }
      r = rev.incrementAndGet();
      lastWriteNanos.put(topic, System.nanoTime());
      writes.incrementAndGet();
      env = envelope(r, writer);
    }
    byte[] event = ("event: invalidation\ndata: " + CODEC.encodeEvent(
        InvalidationEvent.of(topic, Revision.of(r)).withEpoch(EPOCH).withSourceId(writer))
        + "\n\n").getBytes(StandardCharsets.UTF_8);
    for (BlockingQueue<byte[]> q : streams.keySet()) {
      q.add(event);
    }
    answer(ex, 200, env);
  }

  private void events(HttpExchange ex) throws IOException {
    BlockingQueue<byte[]> q = new LinkedBlockingQueue<>();
    long pid = 0;
    try {
      pid = Long.parseLong(String.valueOf(ex.getRequestHeaders().getFirst(WORKER_HEADER)));
    } catch (NumberFormatException e) {
      // Not a chaos worker: the stream is served, but not counted as a worker's.
    }
    streams.put(q, pid);
    try (ex) {
      ex.getResponseHeaders().set("Content-Type", "text/event-stream");
      ex.getResponseHeaders().set("Cache-Control", "no-store");
      ex.sendResponseHeaders(200, 0);
      OutputStream o = ex.getResponseBody();
      o.write(": open\n\n".getBytes(StandardCharsets.UTF_8));
      o.flush();
      while (!closed) {
        byte[] e = q.poll(1, TimeUnit.SECONDS);
        // A comment every idle second makes a dead client show up as a write error.
        o.write(e != null ? e : ":\n\n".getBytes(StandardCharsets.UTF_8));
        o.flush();
      }
    } catch (IOException | InterruptedException e) {
      // The worker was killed, or the run is over.
    } finally {
      streams.remove(q);
    }
  }

  @Override
  public void close() {
    closed = true;
    server.stop(0);
    pool.shutdownNow();
  }
}
