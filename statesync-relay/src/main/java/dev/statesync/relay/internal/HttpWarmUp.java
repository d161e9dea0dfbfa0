package dev.statesync.relay.internal;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;

/**
 * The warm-up of RELAY-21: one exchange of the SSE request path against a throwaway loopback
 * socket of this process, so that a follower promoted to leader sends its upstream GET without
 * first loading and compiling the HTTP client. It never contacts the upstream.
 */
public final class HttpWarmUp {
  private static final byte[] RESPONSE =
      ("HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nContent-Length: 15\r\n"
              + "Connection: close\r\n\r\ndata: warm-up\n\n")
          .getBytes(StandardCharsets.US_ASCII);

  private HttpWarmUp() {}

  /** Runs the warm-up on a daemon thread; failures are ignored (it is only an optimisation). */
  public static void start(HttpClient client, Map<String, String> headers) {
    Thread t = new Thread(() -> run(client, headers), "statesync-sse-warmup");
    t.setDaemon(true);
    t.start();
  }

  private static void run(HttpClient client, Map<String, String> headers) {
    try (ServerSocket server = new ServerSocket()) {
      server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
      server.setSoTimeout(10_000);
      Thread answer = new Thread(() -> answer(server), "statesync-sse-warmup-server");
      answer.setDaemon(true);
      answer.start();
      URI uri = URI.create("http://127.0.0.1:" + server.getLocalPort() + "/warm-up");
      HttpRequest.Builder b =
          HttpRequest.newBuilder(uri)
              .GET()
              .timeout(Duration.ofSeconds(10))
              .header("Accept", "text/event-stream")
              .header("Cache-Control", "no-cache");
      headers.forEach(b::setHeader);
      HttpResponse<InputStream> response = client.send(b.build(), HttpResponse.BodyHandlers.ofInputStream());
      try (InputStream in = response.body()) {
        dev.statesync.relay.sse.SseParser parser = new dev.statesync.relay.sse.SseParser(m -> {});
        byte[] buf = new byte[8192];
        int n;
        while ((n = in.read(buf)) >= 0) {
          parser.feed(buf, 0, n);
        }
        parser.end();
      }
    } catch (IOException | RuntimeException e) {
      // Warm-up is best effort.
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private static void answer(ServerSocket server) {
    try (Socket s = server.accept()) {
      InputStream in = s.getInputStream();
      int matched = 0;
      // Read the request head up to the blank line.
      while (matched < 4) {
        int c = in.read();
        if (c < 0) {
          return;
        }
        matched = (c == "\r\n\r\n".charAt(matched)) ? matched + 1 : (c == '\r' ? 1 : 0);
      }
      OutputStream out = s.getOutputStream();
      out.write(RESPONSE);
      out.flush();
    } catch (IOException e) {
      // Best effort.
    }
  }
}
