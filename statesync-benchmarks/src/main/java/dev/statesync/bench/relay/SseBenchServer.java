package dev.statesync.bench.relay;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/**
 * The upstream of the SSE benchmarks, on {@code com.sun.net.httpserver}: {@code /sse} is an event
 * stream, {@code /snapshot/<topic>} answers the topic's current envelope. It records when each
 * stream opened ({@link System#nanoTime()}, comparable across processes on Linux) and which
 * process asked ({@code X-Node} header), and counts snapshot GETs. A marker set with
 * {@link #markNextStream} is written as the first event of the next stream that opens, so the
 * benchmark can time the first relayed event after a failover.
 */
final class SseBenchServer implements AutoCloseable {
  /** One SSE stream the server opened. */
  static final class Stream {
    final String node;
    final long openedNanos;
    private final HttpExchange exchange;
    private final OutputStream out;
    private boolean open = true;

    Stream(HttpExchange exchange, String node) {
      this.exchange = exchange;
      this.out = exchange.getResponseBody();
      this.node = node;
      this.openedNanos = System.nanoTime();
    }

    synchronized boolean write(String text) {
      if (!open) {
        return false;
      }
      try {
        out.write(text.getBytes(StandardCharsets.UTF_8));
        out.flush();
        return true;
      } catch (IOException e) {
        close();
        return false;
      }
    }

    synchronized boolean isOpen() {
      return open;
    }

    synchronized void close() {
      if (open) {
        open = false;
        exchange.close();
      }
    }
  }

  private final HttpServer server;
  private final ExecutorService pool = Executors.newCachedThreadPool(r -> {
    Thread t = new Thread(r, "bench-sse-server");
    t.setDaemon(true);
    return t;
  });
  // Guarded by this.
  private final List<Stream> streams = new ArrayList<>();
  private final Map<String, String> snapshots = new HashMap<>();
  private int snapshotGets;
  private String marker;
  private long nextId = 1;

  SseBenchServer() throws IOException {
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 256);
    server.setExecutor(pool);
    server.createContext("/sse", this::sse);
    server.createContext("/snapshot/", this::snapshot);
    server.start();
  }

  URI uri(String path) {
    return URI.create("http://127.0.0.1:" + server.getAddress().getPort() + path);
  }

  private void sse(HttpExchange exchange) throws IOException {
    String node = exchange.getRequestHeaders().getFirst("X-Node");
    exchange.getResponseHeaders().set("Content-Type", "text/event-stream");
    exchange.sendResponseHeaders(200, 0);
    synchronized (this) {
      Stream s = new Stream(exchange, node);
      s.write(": open\n\n");
      if (marker != null) {
        s.write(format(marker, "marker", marker));
        marker = null;
      }
      streams.add(s);
      notifyAll();
    }
  }

  private void snapshot(HttpExchange exchange) throws IOException {
    String topic = exchange.getRequestURI().getPath().substring("/snapshot/".length());
    String body;
    synchronized (this) {
      snapshotGets++;
      body = snapshots.get(topic);
      notifyAll();
    }
    byte[] bytes = (body == null ? "{\"error\":\"no such topic\"}" : body)
        .getBytes(StandardCharsets.UTF_8);
    exchange.getResponseHeaders().set("Content-Type", "application/json");
    exchange.sendResponseHeaders(body == null ? 404 : 200, bytes.length);
    exchange.getResponseBody().write(bytes);
    exchange.close();
  }

  private static String format(String id, String type, String data) {
    return "id: " + id + "\nevent: " + type + "\ndata: " + data + "\n\n";
  }

  /** Writes an event with the next numeric id to every open stream. */
  synchronized void publish(String type, String data) {
    String text = format(Long.toString(nextId++), type, data);
    streams.forEach(s -> s.write(text));
  }

  /** Sets the envelope of {@code topic}. */
  synchronized void setSnapshot(String topic, long revision) {
    snapshots.put(topic, "{\"revision\":\"" + revision + "\",\"data\":{\"v\":" + revision + "}}");
  }

  /** Writes an event with id and data {@code id} as the first event of the next stream. */
  synchronized void markNextStream(String id) {
    marker = id;
  }

  synchronized List<Stream> streams() {
    return List.copyOf(streams);
  }

  synchronized int snapshotGets() {
    return snapshotGets;
  }

  /** Closes every stream and forgets them, for the next figure. */
  synchronized void reset() {
    streams.forEach(Stream::close);
    streams.clear();
    snapshotGets = 0;
    marker = null;
  }

  /** Waits until {@code condition} holds, re-checked on every change and every 5 ms. */
  void await(String what, long seconds, BooleanSupplier condition) {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
    synchronized (this) {
      while (!condition.getAsBoolean()) {
        if (System.nanoTime() > deadline) {
          throw new IllegalStateException("timed out waiting for " + what);
        }
        try {
          wait(5);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new IllegalStateException(e);
        }
      }
    }
  }

  @Override
  public void close() {
    reset();
    server.stop(0);
    pool.shutdownNow();
  }
}
