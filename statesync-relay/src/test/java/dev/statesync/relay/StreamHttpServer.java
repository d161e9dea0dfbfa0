package dev.statesync.relay;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * An embedded HTTP server ({@code com.sun.net.httpserver}) serving scripted streaming bodies on
 * the loopback interface. Each path has a {@link Script}: a status, a content type and the body
 * in pieces, each written and flushed on its own, so a chunked body carries one HTTP chunk per
 * piece. A script can end normally, end with the connection cut short, or stay open and write
 * pieces handed to it until the client goes away.
 */
final class StreamHttpServer implements AutoCloseable {
  /** How a body ends. */
  enum Ending { COMPLETE, CUT, OPEN }

  /** What one path serves. */
  record Script(int status, String contentType, List<byte[]> pieces, Ending ending) {}

  private final HttpServer server;
  private final ExecutorService pool = Executors.newCachedThreadPool(r -> {
    Thread t = new Thread(r, "stream-http");
    t.setDaemon(true);
    return t;
  });
  private final Map<String, Script> scripts = new ConcurrentHashMap<>();
  private final Map<String, BlockingQueue<byte[]>> live = new ConcurrentHashMap<>();
  private final Map<String, CompletableFuture<Void>> clientGone = new ConcurrentHashMap<>();

  StreamHttpServer() throws IOException {
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    server.createContext("/", this::handle);
    server.setExecutor(pool);
    server.start();
  }

  /** Serves {@code script} at {@code path}; returns the URI. */
  URI serve(String path, Script script) {
    scripts.put(path, script);
    live.put(path, new LinkedBlockingQueue<>());
    clientGone.put(path, new CompletableFuture<>());
    return URI.create("http://" + server.getAddress().getHostString() + ":"
        + server.getAddress().getPort() + path);
  }

  /** Hands a piece to the OPEN body at {@code path}. */
  void push(String path, byte[] piece) {
    live.get(path).add(piece);
  }

  /** Completes when a write to the OPEN body at {@code path} failed: the client closed it. */
  CompletableFuture<Void> clientGone(String path) {
    return clientGone.get(path);
  }

  private void handle(HttpExchange ex) throws IOException {
    String path = ex.getRequestURI().getPath();
    Script s = scripts.get(path);
    if (s == null) {
      ex.sendResponseHeaders(404, -1);
      ex.close();
      return;
    }
    ex.getResponseHeaders().set("Content-Type", s.contentType());
    long total = 0;
    for (byte[] p : s.pieces()) {
      total += p.length;
    }
    // A CUT body announces more bytes than it sends, so the client sees a premature EOF.
    long announced = s.ending() == Ending.CUT ? total + 1000 : 0;
    ex.sendResponseHeaders(s.status(), announced);
    OutputStream out = ex.getResponseBody();
    try {
      for (byte[] p : s.pieces()) {
        out.write(p);
        out.flush();
      }
      if (s.ending() == Ending.OPEN) {
        BlockingQueue<byte[]> q = live.get(path);
        while (true) {
          // With nothing to send, a keep-alive byte finds out whether the client went away.
          byte[] next = q.poll(20, TimeUnit.MILLISECONDS);
          out.write(next == null ? new byte[] {' '} : next);
          out.flush();
        }
      }
    } catch (IOException e) {
      clientGone.get(path).complete(null);
      ex.close();
      return;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    // For a CUT body this closes the connection with announced bytes still missing.
    ex.close();
  }

  @Override
  public void close() {
    server.stop(0);
    pool.shutdownNow();
  }
}
