package dev.statesync.relay.testserver;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/**
 * The embedded HTTP server of the relay tests (RELAY-37), on {@code com.sun.net.httpserver}.
 *
 * <ul>
 *   <li>{@code /sse} (and any path under it) is an event stream. {@link #publish} appends to an
 *       in-memory log and writes to every open stream; a request with {@code Last-Event-ID} gets
 *       the logged events after that id (minus {@link #replayOverlap} earlier ones) first. The
 *       next requests can be answered with a chosen status ({@link #answerNext}), and {@link
 *       #closeStreams()} drops every open stream. Every open stream gets a comment every 50 ms, so
 *       a stream whose client died is seen closed promptly.
 *   <li>{@code /snapshot/<topic>} answers the topic's envelope set by {@link #setSnapshot}, or a
 *       chosen status or raw body, and counts GETs per topic. {@link #holdSnapshots} makes it wait
 *       until {@link #releaseSnapshots()}.
 * </ul>
 *
 * <p>It records every request with its headers, and when each stream opened and closed. Waits use
 * the server's monitor with a bound, never a sleep.
 */
public final class TestSseServer implements AutoCloseable {
  /** A request as received. Header names are lower case. */
  public record Request(String path, Map<String, String> headers, long atNanos) {
    /** Returns a header's first value, or null. */
    public String header(String name) {
      return headers.get(name.toLowerCase(Locale.ROOT));
    }
  }

  /** One logged event; {@code id} is null for an event sent without an id. */
  public record Event(String id, String type, String data) {}

  /** One SSE stream the server opened. */
  public static final class Stream {
    private final HttpExchange exchange;
    private final OutputStream out;
    /** The request that opened it. */
    public final Request request;
    /** When it opened, in {@link System#nanoTime()}. */
    public final long openedNanos;
    private volatile long closedNanos;
    private boolean closed;

    Stream(HttpExchange exchange, Request request) {
      this.exchange = exchange;
      this.out = exchange.getResponseBody();
      this.request = request;
      this.openedNanos = System.nanoTime();
    }

    /** Returns whether the stream is still open as far as the server knows. */
    public synchronized boolean isOpen() {
      return !closed;
    }

    /** Returns when it closed, or 0 while open. */
    public long closedNanos() {
      return closedNanos;
    }

    synchronized boolean write(String text) {
      if (closed) {
        return false;
      }
      try {
        out.write(text.getBytes(StandardCharsets.UTF_8));
        out.flush();
        return true;
      } catch (IOException e) {
        closeLocked();
        return false;
      }
    }

    synchronized void close() {
      closeLocked();
    }

    private void closeLocked() {
      if (closed) {
        return;
      }
      closed = true;
      closedNanos = System.nanoTime();
      exchange.close();
    }
  }

  private final HttpServer server;
  private final ExecutorService pool = Executors.newCachedThreadPool(r -> {
    Thread t = new Thread(r, "test-sse-server");
    t.setDaemon(true);
    return t;
  });
  private final ScheduledExecutorService ticker = Executors.newSingleThreadScheduledExecutor(r -> {
    Thread t = new Thread(r, "test-sse-server-ticker");
    t.setDaemon(true);
    return t;
  });

  // Guarded by this.
  private final List<Request> requests = new ArrayList<>();
  private final List<Stream> streams = new ArrayList<>();
  private final List<Event> log = new ArrayList<>();
  private final ArrayDeque<Integer> sseAnswers = new ArrayDeque<>();
  private final Map<String, String> snapshots = new HashMap<>();
  private final Map<String, Integer> snapshotGets = new HashMap<>();
  private final ArrayDeque<Object[]> snapshotAnswers = new ArrayDeque<>();
  private int sseStatus = 200;
  private String sseContentType = "text/event-stream; charset=utf-8";
  private String retryAfter;
  private int replayOverlap;
  private long nextId = 1;
  private boolean holdSnapshots;
  private boolean keepAlive = true;

  private TestSseServer() throws IOException {
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 64);
    server.setExecutor(pool);
    server.createContext("/sse", this::sse);
    server.createContext("/snapshot/", this::snapshot);
    server.start();
    ticker.scheduleAtFixedRate(this::keepAlive, 50, 50, TimeUnit.MILLISECONDS);
  }

  /** Starts a server on a free loopback port. */
  public static TestSseServer start() {
    try {
      return new TestSseServer();
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Returns {@code http://127.0.0.1:<port><path>}. */
  public URI uri(String path) {
    return URI.create("http://127.0.0.1:" + server.getAddress().getPort() + path);
  }

  // ----------------------------------------------------------------------------------------------
  // SSE

  /** Logs an event with the next numeric id and writes it to every open stream; returns the id. */
  public synchronized String publish(String type, String data) {
    String id = Long.toString(nextId++);
    Event e = new Event(id, type, data);
    log.add(e);
    streams.forEach(s -> s.write(format(e)));
    notifyAll();
    return id;
  }

  /** Writes an event without an id to every open stream (it is not logged for replay). */
  public synchronized void publishWithoutId(String type, String data) {
    Event e = new Event(null, type, data);
    streams.forEach(s -> s.write(format(e)));
  }

  /** Writes raw text to every open stream. */
  public synchronized void writeRaw(String text) {
    streams.forEach(s -> s.write(text));
  }

  /** Replays this many events before the one after {@code Last-Event-ID} (default 0). */
  public synchronized void replayOverlap(int events) {
    this.replayOverlap = events;
  }

  /** Answers the next {@code count} SSE requests with {@code status} and no stream. */
  public synchronized void answerNext(int status, int count) {
    for (int i = 0; i < count; i++) {
      sseAnswers.add(status);
    }
  }

  /** Answers every SSE request with {@code status} (200 restores streams). */
  public synchronized void answerAlways(int status) {
    this.sseStatus = status;
  }

  /** Sets the Content-Type of SSE answers with status 200. */
  public synchronized void sseContentType(String contentType) {
    this.sseContentType = contentType;
  }

  /** Sets the Retry-After header of non-200 SSE answers (null for none). */
  public synchronized void retryAfter(String value) {
    this.retryAfter = value;
  }

  /** Closes every open stream from the server side. */
  public synchronized void closeStreams() {
    streams.forEach(Stream::close);
    notifyAll();
  }

  /** Returns every stream opened so far, in order. */
  public synchronized List<Stream> streams() {
    return List.copyOf(streams);
  }

  /** Returns the streams open now. */
  public synchronized List<Stream> openStreams() {
    return streams.stream().filter(Stream::isOpen).toList();
  }

  /** Returns every request received so far, in order. */
  public synchronized List<Request> requests() {
    return List.copyOf(requests);
  }

  /** Returns the SSE requests received so far (streams and refused ones), in order. */
  public synchronized List<Request> sseRequests() {
    return requests.stream().filter(r -> r.path().startsWith("/sse")).toList();
  }

  private static String format(Event e) {
    StringBuilder b = new StringBuilder();
    if (e.id() != null) {
      b.append("id: ").append(e.id()).append('\n');
    }
    if (e.type() != null) {
      b.append("event: ").append(e.type()).append('\n');
    }
    for (String line : e.data().split("\n", -1)) {
      b.append("data: ").append(line).append('\n');
    }
    return b.append('\n').toString();
  }

  private void sse(HttpExchange exchange) throws IOException {
    Request request = record(exchange);
    Stream stream;
    synchronized (this) {
      Integer status = sseAnswers.poll();
      if (status == null) {
        status = sseStatus;
      }
      if (status != 200) {
        if (retryAfter != null) {
          exchange.getResponseHeaders().set("Retry-After", retryAfter);
        }
        respond(exchange, status, "application/json", "{\"error\":\"test status\"}");
        notifyAll();
        return;
      }
      exchange.getResponseHeaders().set("Content-Type", sseContentType);
      exchange.sendResponseHeaders(200, 0);
      stream = new Stream(exchange, request);
      if (keepAlive) {
        stream.write(": open\n\n");
      }
      String last = request.header("Last-Event-ID");
      if (last != null) {
        int from = indexAfter(last) - replayOverlap;
        for (int i = Math.max(0, from); i < log.size(); i++) {
          stream.write(format(log.get(i)));
        }
      }
      streams.add(stream);
      notifyAll();
    }
    // The exchange stays open until the stream is closed by either side.
  }

  private int indexAfter(String id) {
    for (int i = 0; i < log.size(); i++) {
      if (id.equals(log.get(i).id())) {
        return i + 1;
      }
    }
    return 0;
  }

  /** Turns the 50 ms keep-alive comments on or off (default on). */
  public synchronized void keepAlive(boolean on) {
    this.keepAlive = on;
  }

  private synchronized void keepAlive() {
    if (!keepAlive) {
      return;
    }
    boolean changed = false;
    for (Stream s : streams) {
      if (s.isOpen() && !s.write(": ka\n")) {
        changed = true;
      }
    }
    if (changed) {
      notifyAll();
    }
  }

  // ----------------------------------------------------------------------------------------------
  // Snapshots

  /** Sets the envelope served for {@code topic}: {@code data} is raw JSON, epoch may be null. */
  public synchronized void setSnapshot(String topic, long revision, String data, String epoch) {
    snapshots.put(
        topic,
        "{\"revision\":\""
            + revision
            + "\",\"data\":"
            + data
            + (epoch == null ? "" : ",\"epoch\":\"" + epoch + "\"")
            + "}");
  }

  /** Answers the next snapshot GET with {@code status} and {@code body} verbatim. */
  public synchronized void answerNextSnapshot(int status, String body) {
    snapshotAnswers.add(new Object[] {status, body});
  }

  /** Makes snapshot GETs wait until {@link #releaseSnapshots()}. */
  public synchronized void holdSnapshots() {
    holdSnapshots = true;
  }

  /** Lets held and later snapshot GETs complete. */
  public synchronized void releaseSnapshots() {
    holdSnapshots = false;
    notifyAll();
  }

  /** Returns how many GETs {@code /snapshot/<topic>} has received. */
  public synchronized int snapshotGets(String topic) {
    return snapshotGets.getOrDefault(topic, 0);
  }

  private void snapshot(HttpExchange exchange) throws IOException {
    record(exchange);
    String topic = exchange.getRequestURI().getPath().substring("/snapshot/".length());
    int status;
    String body;
    synchronized (this) {
      snapshotGets.merge(topic, 1, Integer::sum);
      notifyAll();
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
      while (holdSnapshots && System.nanoTime() < deadline) {
        try {
          wait(100);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          break;
        }
      }
      Object[] answer = snapshotAnswers.poll();
      if (answer != null) {
        status = (Integer) answer[0];
        body = (String) answer[1];
      } else if (snapshots.containsKey(topic)) {
        status = 200;
        body = snapshots.get(topic);
      } else {
        status = 404;
        body = "{\"error\":\"no such topic\"}";
      }
    }
    try {
      respond(exchange, status, "application/json", body);
    } catch (IOException e) {
      // The client gave up (a timeout test); nothing to answer.
    }
  }

  // ----------------------------------------------------------------------------------------------

  private synchronized Request record(HttpExchange exchange) {
    Map<String, String> headers = new HashMap<>();
    exchange
        .getRequestHeaders()
        .forEach((k, v) -> headers.put(k.toLowerCase(Locale.ROOT), v.isEmpty() ? "" : v.get(0)));
    Request r = new Request(exchange.getRequestURI().getPath(), Map.copyOf(headers), System.nanoTime());
    requests.add(r);
    notifyAll();
    return r;
  }

  private static void respond(HttpExchange exchange, int status, String type, String body)
      throws IOException {
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    exchange.getResponseHeaders().set("Content-Type", type);
    if (status == 204) {
      exchange.sendResponseHeaders(204, -1);
    } else {
      exchange.sendResponseHeaders(status, bytes.length == 0 ? -1 : bytes.length);
      if (bytes.length > 0) {
        exchange.getResponseBody().write(bytes);
      }
    }
    exchange.close();
  }

  /**
   * Waits until {@code condition} holds, re-checking whenever the server's state changes and at
   * least every 20 ms; fails with {@link AssertionError} naming {@code what} after {@code timeout}.
   */
  public void await(String what, Duration timeout, BooleanSupplier condition) {
    long deadline = System.nanoTime() + timeout.toNanos();
    synchronized (this) {
      while (!condition.getAsBoolean()) {
        long left = deadline - System.nanoTime();
        if (left <= 0) {
          throw new AssertionError("timed out after " + timeout + " waiting for " + what);
        }
        try {
          wait(Math.max(1, Math.min(20, TimeUnit.NANOSECONDS.toMillis(left))));
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new AssertionError("interrupted waiting for " + what, e);
        }
      }
    }
  }

  @Override
  public void close() {
    ticker.shutdownNow();
    synchronized (this) {
      holdSnapshots = false;
      streams.forEach(Stream::close);
      notifyAll();
    }
    server.stop(0);
    pool.shutdownNow();
  }
}
