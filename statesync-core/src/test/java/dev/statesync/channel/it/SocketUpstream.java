package dev.statesync.channel.it;

import com.fasterxml.jackson.databind.JsonNode;
import dev.statesync.channel.HostUpstream;
import dev.statesync.core.InvalidationSink;
import dev.statesync.core.InvalidationSubscriber;
import dev.statesync.core.SnapshotProvider;
import dev.statesync.core.StateSync;
import dev.statesync.core.Subscription;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;

/** The child JVMs' upstream: a {@link TruthServer} reached over a loopback socket. */
final class SocketUpstream implements HostUpstream {
  private final int port;

  SocketUpstream(int port) {
    this.port = port;
  }

  @Override
  public InvalidationSubscriber subscriber() {
    return this::subscribe;
  }

  private CompletableFuture<Subscription> subscribe(InvalidationSink sink) {
    return CompletableFuture.supplyAsync(() -> {
      try {
        Socket s = new Socket(InetAddress.getLoopbackAddress(), port);
        s.getOutputStream().write("SUB\n".getBytes(StandardCharsets.UTF_8));
        s.getOutputStream().flush();
        BufferedReader in = new BufferedReader(
            new InputStreamReader(s.getInputStream(), StandardCharsets.UTF_8));
        if (!"OK".equals(in.readLine())) {
          s.close();
          throw new IOException("subscription refused");
        }
        Thread t = new Thread(() -> {
          try {
            String line;
            while ((line = in.readLine()) != null) {
              sink.acceptJson(line);
            }
          } catch (IOException e) {
            // Unsubscribed, or the server went away.
          }
        }, "socket-upstream");
        t.setDaemon(true);
        t.start();
        return () -> {
          try {
            s.close();
          } catch (IOException ignored) {
            // Already closed.
          }
        };
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }, StateSync.defaultBlockingExecutor());
  }

  @Override
  public SnapshotProvider<JsonNode> provider(String topic, String sourceKey) {
    if (!sourceKey.equals("truth:" + topic)) {
      throw new IllegalArgumentException("unexpected source key " + sourceKey);
    }
    return SnapshotProvider.json(() -> CompletableFuture.supplyAsync(() -> get(topic),
        StateSync.defaultBlockingExecutor()), JsonNode.class);
  }

  private String get(String topic) {
    try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
      s.getOutputStream().write(("GET " + topic + "\n").getBytes(StandardCharsets.UTF_8));
      s.getOutputStream().flush();
      BufferedReader in = new BufferedReader(
          new InputStreamReader(s.getInputStream(), StandardCharsets.UTF_8));
      String line = in.readLine();
      if (line == null) {
        throw new IOException("no snapshot");
      }
      return line;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
