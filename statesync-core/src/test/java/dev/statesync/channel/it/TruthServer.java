package dev.statesync.channel.it;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A source of truth for host-coordination tests, served by the test JVM on a loopback socket, so
 * every child JVM can reach it without HTTP and the test can count what the host costs it.
 *
 * <p>Line protocol, UTF-8: a connection that sends {@code SUB} is a subscription; it gets
 * {@code OK} and then one invalidation JSON line per change. A connection that sends
 * {@code GET <topic>} is one fetch; it gets the snapshot envelope as one JSON line and is closed.
 * Subscriptions can be held (not answered) to order a failover deterministically.
 */
final class TruthServer implements AutoCloseable {
  private static final ObjectMapper JSON = new ObjectMapper();

  private final ServerSocket server;
  private final Map<String, ObjectNode> envelopes = new HashMap<>();
  private final Map<String, Integer> fetches = new HashMap<>();
  private final List<Socket> subscribers = new CopyOnWriteArrayList<>();
  private final List<Socket> held = new ArrayList<>();
  private final String epoch;
  private int subscriptionsOpened;
  private int subscribeAttempts;
  private boolean hold;

  TruthServer(String epoch) throws IOException {
    this.epoch = epoch;
    server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    Thread t = new Thread(this::acceptLoop, "truth-accept");
    t.setDaemon(true);
    t.start();
  }

  int port() {
    return server.getLocalPort();
  }

  /** Writes a new revision of {@code topic} with {@code value} and {@code padding} characters. */
  synchronized long set(String topic, long value, int padding) {
    ObjectNode old = envelopes.get(topic);
    long revision = old == null ? 1 : Long.parseLong(old.get("revision").asText()) + 1;
    ObjectNode env = JSON.createObjectNode().put("revision", Long.toString(revision));
    ObjectNode data = env.putObject("data").put("value", value);
    if (padding > 0) {
      data.put("pad", "x".repeat(padding));
    }
    env.put("epoch", epoch);
    envelopes.put(topic, env);
    String event = JSON.createObjectNode().put("topic", topic)
        .put("revision", Long.toString(revision)).put("epoch", epoch).toString();
    for (Socket s : subscribers) {
      try {
        write(s, event);
      } catch (IOException e) {
        subscribers.remove(s);
      }
    }
    return revision;
  }

  synchronized int fetches(String topic) {
    return fetches.getOrDefault(topic, 0);
  }

  synchronized int subscriptionsOpened() {
    return subscriptionsOpened;
  }

  synchronized int subscribeAttempts() {
    return subscribeAttempts;
  }

  int openSubscriptions() {
    return subscribers.size();
  }

  /** While on, new subscriptions wait unanswered; turning it off answers them. */
  synchronized void holdSubscriptions(boolean on) {
    hold = on;
    if (!on) {
      for (Socket s : held) {
        admit(s);
      }
      held.clear();
    }
  }

  private void acceptLoop() {
    while (!server.isClosed()) {
      try {
        Socket s = server.accept();
        Thread t = new Thread(() -> serve(s), "truth-conn");
        t.setDaemon(true);
        t.start();
      } catch (IOException e) {
        return;
      }
    }
  }

  private void serve(Socket s) {
    try (BufferedReader in = new BufferedReader(
        new InputStreamReader(s.getInputStream(), StandardCharsets.UTF_8))) {
      String line = in.readLine();
      if (line == null) {
        s.close();
        return;
      }
      if (line.startsWith("GET ")) {
        String topic = line.substring(4);
        String body;
        synchronized (this) {
          fetches.merge(topic, 1, Integer::sum);
          ObjectNode env = envelopes.get(topic);
          body = env == null ? "{\"revision\":\"0\",\"data\":null}" : env.toString();
        }
        write(s, body);
        s.close();
        return;
      }
      if (line.equals("SUB")) {
        synchronized (this) {
          subscribeAttempts++;
          if (hold) {
            held.add(s);
          } else {
            admit(s);
          }
        }
        while (in.readLine() != null) {
          // A subscription ends when its process closes it or dies.
        }
      }
    } catch (IOException e) {
      // The peer went away.
    } finally {
      subscribers.remove(s);
      try {
        s.close();
      } catch (IOException ignored) {
        // Already closed.
      }
    }
  }

  private void admit(Socket s) {
    try {
      synchronized (this) {
        write(s, "OK");
        subscriptionsOpened++;
        subscribers.add(s);
      }
    } catch (IOException e) {
      // The subscriber died while held.
    }
  }

  private static void write(Socket s, String line) throws IOException {
    synchronized (s) {
      OutputStream out = s.getOutputStream();
      out.write((line + "\n").getBytes(StandardCharsets.UTF_8));
      out.flush();
    }
  }

  @Override
  public void close() {
    try {
      server.close();
      for (Socket s : subscribers) {
        s.close();
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
