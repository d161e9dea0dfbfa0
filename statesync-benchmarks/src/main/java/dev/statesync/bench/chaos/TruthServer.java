package dev.statesync.bench.chaos;

import dev.statesync.core.Epoch;
import dev.statesync.core.InvalidationEvent;
import dev.statesync.core.Revision;
import dev.statesync.core.SnapshotEnvelope;
import dev.statesync.core.json.ProtocolCodec;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The chaos run's source of truth, in the controller: one revision counter per topic, served on
 * a loopback TCP port with a line protocol. {@code GET <topic>} answers the snapshot envelope;
 * {@code PUT <topic> <writer>} increments the revision, answers the new envelope (the write
 * response) and pushes the invalidation event to every {@code SUB} connection; after
 * {@link #stopWrites()} a PUT answers {@code STOPPED}. Every line is the protocol's JSON.
 */
final class TruthServer implements AutoCloseable {
  static final Epoch EPOCH = Epoch.of("chaos-1");
  private static final ProtocolCodec CODEC = ProtocolCodec.create();

  private final ServerSocket server;
  private final Map<String, AtomicLong> revisions = new ConcurrentHashMap<>();
  private final List<OutputStream> subscribers = new CopyOnWriteArrayList<>();
  private final String pad;
  private volatile boolean writesStopped;
  private final Map<String, Long> lastWriteNanos = new ConcurrentHashMap<>();
  private final AtomicLong writes = new AtomicLong();

  TruthServer(List<String> topics, int dataBytes) throws IOException {
    for (String t : topics) {
      revisions.put(t, new AtomicLong(1));
    }
    pad = "p".repeat(dataBytes);
    server = new ServerSocket();
    server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 256);
    Thread t = new Thread(this::acceptLoop, "truth-accept");
    t.setDaemon(true);
    t.start();
  }

  int port() {
    return server.getLocalPort();
  }

  long writes() {
    return writes.get();
  }

  /** When the last write of {@code topic} was accepted ({@code System.nanoTime}), or 0. */
  long lastWriteNanos(String topic) {
    return lastWriteNanos.getOrDefault(topic, 0L);
  }

  /** Refuses further writes; returns the final revision of every topic. */
  Map<String, Long> stopWrites() {
    writesStopped = true;
    Map<String, Long> finals = new java.util.TreeMap<>();
    for (Map.Entry<String, AtomicLong> e : revisions.entrySet()) {
      synchronized (e.getValue()) {
        finals.put(e.getKey(), e.getValue().get());
      }
    }
    return finals;
  }

  private void acceptLoop() {
    while (!server.isClosed()) {
      try {
        Socket s = server.accept();
        s.setTcpNoDelay(true);
        Thread t = new Thread(() -> serve(s), "truth-conn");
        t.setDaemon(true);
        t.start();
      } catch (IOException e) {
        return;
      }
    }
  }

  private void serve(Socket s) {
    try (s) {
      BufferedReader in = new BufferedReader(
          new InputStreamReader(s.getInputStream(), StandardCharsets.UTF_8));
      OutputStream out = s.getOutputStream();
      String line;
      while ((line = in.readLine()) != null) {
        String[] a = line.split(" ");
        if (a[0].equals("SUB")) {
          subscribers.add(out);
          synchronized (out) {
            out.write("OK\n".getBytes(StandardCharsets.UTF_8));
            out.flush();
          }
          // The connection now only receives; wait for its end.
          while (in.readLine() != null) {
            // Subscribers send nothing else.
          }
          subscribers.remove(out);
          return;
        }
        String answer = a[0].equals("GET") ? get(a[1]) : put(a[1], a[2]);
        out.write((answer + "\n").getBytes(StandardCharsets.UTF_8));
        out.flush();
      }
    } catch (IOException | RuntimeException e) {
      // A killed worker's connection ends here.
    }
  }

  private String envelope(String topic, long r, String writer) {
    return CODEC.encodeSnapshot(SnapshotEnvelope.of(Revision.of(r),
        new ChaosWorker.Value(r, writer, pad), EPOCH));
  }

  private String get(String topic) {
    AtomicLong rev = revisions.get(topic);
    synchronized (rev) {
      return envelope(topic, rev.get(), "source");
    }
  }

  private String put(String topic, String writer) {
    AtomicLong rev = revisions.get(topic);
    long r;
    String env;
    synchronized (rev) {
      if (writesStopped) {
        return "STOPPED";
      }
      r = rev.incrementAndGet();
      lastWriteNanos.put(topic, System.nanoTime());
      writes.incrementAndGet();
      env = envelope(topic, r, writer);
    }
    byte[] event = (CODEC.encodeEvent(InvalidationEvent.of(topic, Revision.of(r))
        .withEpoch(EPOCH).withSourceId(writer)) + "\n").getBytes(StandardCharsets.UTF_8);
    for (OutputStream o : subscribers) {
      try {
        synchronized (o) {
          o.write(event);
          o.flush();
        }
      } catch (IOException e) {
        subscribers.remove(o);
      }
    }
    return env;
  }

  @Override
  public void close() throws IOException {
    server.close();
  }
}
