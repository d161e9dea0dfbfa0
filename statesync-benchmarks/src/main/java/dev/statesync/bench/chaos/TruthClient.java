package dev.statesync.bench.chaos;

import dev.statesync.core.InvalidationSink;
import dev.statesync.core.InvalidationSubscriber;
import dev.statesync.core.Subscription;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.locks.LockSupport;

/**
 * A worker's connections to the {@link TruthServer}: request/response calls, and one push
 * connection whose events go to every subscribed sink, with a resync after each (re)connect.
 */
final class TruthClient {
  private final int port;
  private Socket socket;
  private BufferedReader in;
  private OutputStream out;
  private final List<InvalidationSink> sinks = new CopyOnWriteArrayList<>();

  TruthClient(int port) {
    this.port = port;
  }

  private Socket connect() throws IOException {
    Socket s = new Socket();
    s.setTcpNoDelay(true);
    s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 10_000);
    return s;
  }

  /** Sends one request line and returns the answer; reconnects once after an I/O error. */
  synchronized String call(String request) {
    for (int attempt = 0; ; attempt++) {
      try {
        if (socket == null) {
          socket = connect();
          in = new BufferedReader(new InputStreamReader(socket.getInputStream(),
              StandardCharsets.UTF_8));
          out = socket.getOutputStream();
        }
        out.write((request + "\n").getBytes(StandardCharsets.UTF_8));
        out.flush();
        String answer = in.readLine();
        if (answer == null) {
          throw new IOException("the source closed the connection");
        }
        return answer;
      } catch (IOException e) {
        closeQuietly();
        if (attempt >= 1) {
          throw new UncheckedIOException(e);
        }
      }
    }
  }

  private void closeQuietly() {
    try {
      if (socket != null) {
        socket.close();
      }
    } catch (IOException ignored) {
      // Reconnecting anyway.
    }
    socket = null;
  }

  /** The subscriber role: sinks receive every pushed event and a resync when added. */
  InvalidationSubscriber subscriber() {
    return InvalidationSubscriber.of(sink -> {
      sinks.add(sink);
      sink.resync();
      Subscription s = () -> sinks.remove(sink);
      return s;
    });
  }

  /** Starts the push connection's reader thread; it reconnects until the process ends. */
  void startPush() {
    Thread t = new Thread(() -> {
      while (true) {
        try (Socket s = connect()) {
          s.getOutputStream().write("SUB\n".getBytes(StandardCharsets.UTF_8));
          s.getOutputStream().flush();
          BufferedReader r = new BufferedReader(new InputStreamReader(s.getInputStream(),
              StandardCharsets.UTF_8));
          // Resync only once the source has registered this connection, so that no write
          // falls between the catch-up fetch and the first pushed event.
          if (!"OK".equals(r.readLine())) {
            throw new IOException("the source did not confirm the subscription");
          }
          for (InvalidationSink sink : sinks) {
            sink.resync();
          }
          String line;
          while ((line = r.readLine()) != null) {
            for (InvalidationSink sink : sinks) {
              sink.acceptJson(line);
            }
          }
        } catch (IOException e) {
          // Reconnect below.
        }
        LockSupport.parkNanos(50_000_000L);
      }
    }, "truth-push");
    t.setDaemon(true);
    t.start();
  }
}
