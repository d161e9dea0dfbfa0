package dev.statesync.bench.postgres;

import dev.statesync.core.Revision;
import dev.statesync.core.RevisionSyncHandle;
import dev.statesync.core.RevisionSyncOptions;
import dev.statesync.core.SnapshotApplier;
import dev.statesync.core.SnapshotEnvelope;
import dev.statesync.core.StateSync;
import dev.statesync.postgres.PostgresInvalidationSubscriber;
import dev.statesync.postgres.PostgresSnapshotProvider;
import dev.statesync.postgres.PostgresStateStore;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.postgresql.PGConnection;
import org.postgresql.PGNotification;

/**
 * Commit → applied latency of the PostgreSQL transport on N subscriber processes, side by side
 * with a raw pgjdbc {@code NOTIFY} ping-pong against the same server in the same run.
 *
 * <p>statesync figure: from the moment the writer calls {@code compareAndSet} (so it includes
 * the write transaction itself) to the moment each subscriber process's applier runs, after the
 * hint, the engine's gate and the fetch of the row. Raw figure: one {@code NOTIFY} from this
 * process, received by an echo process that {@code NOTIFY}s back, received here (a full round
 * trip through two commits). Both use {@link System#nanoTime()}, which on Linux is the
 * system-wide monotonic clock, so stamps from different processes on one host compare.
 *
 * <p>Usage: {@code PostgresLatencyBenchmark --url <jdbc url> [--subscribers 8] [--writes 1000]
 * [--warmup 200]}. The URL needs a role that may create a table.
 */
public final class PostgresLatencyBenchmark {
  private static final String TABLE = "statesync_bench";
  private static final String CHANNEL = "statesync_bench";
  private static final String TOPIC = "bench";

  private PostgresLatencyBenchmark() {}

  public static void main(String[] args) throws Exception {
    Map<String, String> opts = new HashMap<>();
    for (int i = 0; i + 1 < args.length; i += 2) {
      opts.put(args[i], args[i + 1]);
    }
    String url = opts.get("--url");
    if (url == null) {
      System.err.println("usage: PostgresLatencyBenchmark --url <jdbc url> [--subscribers 8]"
          + " [--writes 1000] [--warmup 200]");
      System.exit(2);
    }
    switch (opts.getOrDefault("--role", "coordinator")) {
      case "subscriber" -> subscriber(url);
      case "echo" -> echo(url);
      default -> coordinate(url, Integer.parseInt(opts.getOrDefault("--subscribers", "8")),
          Integer.parseInt(opts.getOrDefault("--writes", "1000")),
          Integer.parseInt(opts.getOrDefault("--warmup", "200")));
    }
  }

  private static void coordinate(String url, int subscribers, int writes, int warmup)
      throws Exception {
    PostgresStateStore store = PostgresStateStore.builder()
        .jdbcUrl(url).tableName(TABLE).channel(CHANNEL).build();
    store.createSchema();
    try (Connection c = DriverManager.getConnection(url); Statement s = c.createStatement()) {
      s.execute("DELETE FROM " + TABLE + " WHERE topic = '" + TOPIC + "'");
    }
    Map<Long, CountDownLatch> applied = new ConcurrentHashMap<>();
    Map<Long, long[]> appliedAt = new ConcurrentHashMap<>();
    List<Process> children = new ArrayList<>();
    CountDownLatch ready = new CountDownLatch(subscribers);
    int total = warmup + writes;
    for (long r = 1; r <= total; r++) {
      applied.put(r, new CountDownLatch(subscribers));
      appliedAt.put(r, new long[subscribers]);
    }
    for (int i = 0; i < subscribers; i++) {
      int index = i;
      Process p = spawn(url, "subscriber");
      children.add(p);
      readLines(p, line -> {
        if (line.equals("READY")) {
          ready.countDown();
        } else if (line.startsWith("A ")) {
          String[] parts = line.split(" ");
          long revision = Long.parseLong(parts[1]);
          long[] at = appliedAt.get(revision);
          if (at != null) {
            at[index] = Long.parseLong(parts[2]);
            applied.get(revision).countDown();
          }
        }
      });
    }
    try {
      if (!ready.await(60, TimeUnit.SECONDS)) {
        throw new IllegalStateException("subscriber processes did not start");
      }
      long[] writeNanos = new long[writes];
      long[] applyNanos = new long[writes * subscribers];
      Revision revision = Revision.ZERO;
      for (int i = 0; i < total; i++) {
        long t0 = System.nanoTime();
        SnapshotEnvelope<Long> written = store.compareAndSet(TOPIC, revision, (long) i);
        long t1 = System.nanoTime();
        revision = written.revision();
        long r = revision.unsignedBits();
        if (!applied.get(r).await(10, TimeUnit.SECONDS)) {
          throw new IllegalStateException("revision " + r + " not applied everywhere in 10 s");
        }
        if (i >= warmup) {
          int k = i - warmup;
          writeNanos[k] = t1 - t0;
          long[] at = appliedAt.get(r);
          for (int s = 0; s < subscribers; s++) {
            applyNanos[k * subscribers + s] = at[s] - t0;
          }
        }
      }
      long[] raw = pingPong(url, warmup, writes);
      PrintStream out = System.out;
      out.printf("PostgreSQL transport, %d subscriber processes, %d writes (after %d warm-up)%n",
          subscribers, writes, warmup);
      out.printf("%-44s %9s %9s %9s%n", "measure", "p50 ms", "p99 ms", "max ms");
      row(out, "statesync write (compareAndSet, 3 round trips)", writeNanos);
      row(out, "statesync write start -> applied (all subs)", applyNanos);
      row(out, "raw pgjdbc NOTIFY ping-pong round trip", raw);
      out.printf("ratio p99 statesync/raw: %.2f%n",
          percentile(applyNanos, 99) / (double) percentile(raw, 99));
    } finally {
      for (Process p : children) {
        p.destroy();
      }
    }
  }

  private static long[] pingPong(String url, int warmup, int rounds) throws Exception {
    Process echo = spawn(url, "echo");
    CountDownLatch ready = new CountDownLatch(1);
    readLines(echo, line -> {
      if (line.equals("READY")) {
        ready.countDown();
      }
    });
    try (Connection c = DriverManager.getConnection(url)) {
      if (!ready.await(60, TimeUnit.SECONDS)) {
        throw new IllegalStateException("echo process did not start");
      }
      PGConnection pg = c.unwrap(PGConnection.class);
      try (Statement s = c.createStatement()) {
        s.execute("LISTEN " + CHANNEL + "_pong");
        long[] rtt = new long[rounds];
        for (int i = 0; i < warmup + rounds; i++) {
          long t0 = System.nanoTime();
          s.execute("NOTIFY " + CHANNEL + "_ping, '" + i + "'");
          awaitPayload(pg, Integer.toString(i));
          if (i >= warmup) {
            rtt[i - warmup] = System.nanoTime() - t0;
          }
        }
        return rtt;
      }
    } finally {
      echo.destroy();
    }
  }

  private static void awaitPayload(PGConnection pg, String payload) throws SQLException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (System.nanoTime() < deadline) {
      PGNotification[] got = pg.getNotifications(1000);
      if (got != null) {
        for (PGNotification n : got) {
          if (n.getParameter().equals(payload)) {
            return;
          }
        }
      }
    }
    throw new IllegalStateException("pong " + payload + " not received in 10 s");
  }

  private static void subscriber(String url) throws Exception {
    PostgresStateStore store = PostgresStateStore.builder()
        .jdbcUrl(url).tableName(TABLE).channel(CHANNEL).build();
    PostgresInvalidationSubscriber subscriber = PostgresInvalidationSubscriber.builder()
        .jdbcUrl(url).channel(CHANNEL).build();
    RevisionSyncHandle<Long> handle = StateSync.createRevisionSync(
        RevisionSyncOptions.<Long>builder()
            .topic(TOPIC)
            .subscriber(subscriber)
            .provider(PostgresSnapshotProvider.of(store, TOPIC, Long.class))
            .applier(SnapshotApplier.of(env -> {
              long now = System.nanoTime();
              print("A " + env.revision() + " " + now);
            }))
            .build());
    handle.start().join();
    print("READY");
    awaitStdinEnd();
    handle.close();
    subscriber.close();
  }

  private static void echo(String url) throws Exception {
    try (Connection c = DriverManager.getConnection(url); Statement s = c.createStatement()) {
      PGConnection pg = c.unwrap(PGConnection.class);
      s.execute("LISTEN " + CHANNEL + "_ping");
      print("READY");
      while (true) {
        PGNotification[] got = pg.getNotifications(0);
        if (got != null) {
          for (PGNotification n : got) {
            s.execute("NOTIFY " + CHANNEL + "_pong, '" + n.getParameter() + "'");
          }
        }
      }
    }
  }

  private static Process spawn(String url, String role) throws IOException {
    return new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-cp", System.getProperty("java.class.path"), PostgresLatencyBenchmark.class.getName(),
        "--url", url, "--role", role)
        .redirectError(ProcessBuilder.Redirect.INHERIT)
        .start();
  }

  private static void readLines(Process p, java.util.function.Consumer<String> onLine) {
    Thread t = new Thread(() -> {
      try (BufferedReader r = new BufferedReader(
          new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
        String line;
        while ((line = r.readLine()) != null) {
          onLine.accept(line);
        }
      } catch (IOException ignored) {
        // The child ended; the coordinator's bounded waits report what is missing.
      }
    }, "bench-child-reader");
    t.setDaemon(true);
    t.start();
  }

  private static void awaitStdinEnd() throws IOException {
    while (System.in.read() >= 0) {
      // The coordinator ends a child by destroying it or closing its stdin.
    }
  }

  private static void print(String line) {
    synchronized (System.out) {
      System.out.println(line);
      System.out.flush();
    }
  }

  private static void row(PrintStream out, String name, long[] nanos) {
    out.printf("%-44s %9.3f %9.3f %9.3f%n", name, percentile(nanos, 50) / 1e6,
        percentile(nanos, 99) / 1e6, Arrays.stream(nanos).max().orElse(0) / 1e6);
  }

  private static long percentile(long[] values, int p) {
    long[] sorted = values.clone();
    Arrays.sort(sorted);
    int index = (int) Math.ceil(p / 100.0 * sorted.length) - 1;
    return sorted[Math.max(0, Math.min(sorted.length - 1, index))];
  }
}
