package dev.statesync.bench.relay;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * Multi-process figures of the SSE coordinator and of the HTTP transport (RELAY-36), against an
 * embedded HTTP server in this JVM and child JVMs running {@link SseBenchNode}:
 *
 * <ul>
 *   <li>failover: 6 coordinator JVMs; the leader is killed with {@code kill -9}; the time from the
 *       kill to the new leader's GET at the server, and to the first event of the new stream
 *       delivered in every survivor; then a fresh JVM joins and the next trial starts;
 *   <li>clean handover: the leader calls {@code disconnect()}; the time to the next leader's GET;
 *   <li>cost per change: 1, 4 and 16 JVMs each with one {@code createHttpRevisionSync} handle on
 *       the same endpoints, per process and host-coordinated; SSE connections at the server,
 *       snapshot GETs at start and per change, and the time from publishing an invalidation to
 *       the last JVM's apply.
 * </ul>
 *
 * <p>Times are {@link System#nanoTime()} differences, also across processes (CLOCK_MONOTONIC on
 * Linux). The children's logs are appended to {@code sse-benchmark-children.log} in the temporary
 * directory. Run: {@code java -cp statesync-benchmarks/target/benchmarks.jar
 * dev.statesync.bench.relay.SseBenchmark [trials] [changes]} (defaults 20 and 20).
 */
public final class SseBenchmark {
  private static final PrintStream OUT = new PrintStream(System.out, true, StandardCharsets.UTF_8);
  private static final int WAIT_SECONDS = 180;

  private SseBenchmark() {}

  public static void main(String[] args) throws Exception {
    int trials = args.length > 0 ? Integer.parseInt(args[0]) : 20;
    int changes = args.length > 1 ? Integer.parseInt(args[1]) : 20;
    Path base = Files.createTempDirectory(Path.of("/tmp"), "ssb");
    OUT.printf("statesync SSE benchmark: %d cores, JDK %s, load average %s%n",
        Runtime.getRuntime().availableProcessors(), System.getProperty("java.version"),
        loadAverage());
    try (SseBenchServer server = new SseBenchServer()) {
      failover(server, base.resolve("fo"), 6, trials);
      handover(server, base.resolve("ho"), 3, Math.max(1, trials / 2));
      OUT.println();
      OUT.printf("  %-34s %9s %12s %15s  %s%n", "mode", "processes", "SSE streams",
          "GETs start/chg", "invalidation -> last apply");
      for (boolean host : new boolean[] {false, true}) {
        for (int n : new int[] {1, 4, 16}) {
          costPerChange(server, base.resolve((host ? "host" : "http") + n), n, changes, host);
        }
      }
    }
    OUT.printf("load average at the end: %s%n", loadAverage());
  }

  // --------------------------------------------------------------------------------------------

  private static void failover(SseBenchServer server, Path dir, int jvms, int trials)
      throws Exception {
    server.reset();
    String url = server.uri("/sse").toString();
    List<Child> nodes = new ArrayList<>();
    for (int i = 0; i < jvms; i++) {
      Child c = Child.start("coordinator", dir.toString(), "fo", url);
      c.await(l -> l.equals("ready"));
      nodes.add(c);
    }
    server.await("the first leader's stream", WAIT_SECONDS, () -> server.streams().size() == 1);
    long[] toGet = new long[trials];
    long[] toEvent = new long[trials];
    int missed = 0;
    for (int t = 0; t < trials; t++) {
      List<SseBenchServer.Stream> before = server.streams();
      Child leader = byPid(nodes, before.get(before.size() - 1).node);
      String marker = "fo-" + t;
      server.markNextStream(marker);
      long t0 = System.nanoTime();
      leader.process.destroyForcibly();
      server.await("a new leader's stream", WAIT_SECONDS,
          () -> server.streams().size() > before.size());
      toGet[t] = server.streams().get(before.size()).openedNanos - t0;
      nodes.remove(leader);
      long last = 0;
      for (Child c : nodes) {
        String line = c.awaitOrNull(l -> l.startsWith("event " + marker + " "), 20);
        if (line == null) {
          missed++;
        } else {
          last = Math.max(last, Long.parseLong(line.split(" ")[2]));
        }
      }
      toEvent[t] = last - t0;
      leader.process.waitFor();
      Child fresh = Child.start("coordinator", dir.toString(), "fo", url);
      fresh.await(l -> l.equals("ready"));
      nodes.add(fresh);
    }
    report("failover: kill -9 of the leader -> new GET at the server (" + jvms + " JVMs)", toGet);
    report("failover: kill -9 -> first event of the new stream in every survivor", toEvent);
    OUT.printf("  survivors that never delivered the first event of the new stream (20 s): %d of"
        + " %d%n", missed, trials * (jvms - 1));
    nodes.forEach(Child::kill);
  }

  private static void handover(SseBenchServer server, Path dir, int jvms, int trials)
      throws Exception {
    server.reset();
    String url = server.uri("/sse").toString();
    List<Child> nodes = new ArrayList<>();
    for (int i = 0; i < jvms; i++) {
      Child c = Child.start("coordinator", dir.toString(), "ho", url);
      c.await(l -> l.equals("ready"));
      nodes.add(c);
    }
    server.await("the first leader's stream", WAIT_SECONDS, () -> server.streams().size() == 1);
    long[] toGet = new long[trials];
    for (int t = 0; t < trials; t++) {
      List<SseBenchServer.Stream> before = server.streams();
      Child leader = byPid(nodes, before.get(before.size() - 1).node);
      leader.send("disconnect");
      long t0 = Long.parseLong(leader.await(l -> l.startsWith("t0 ")).substring(3));
      server.await("the next leader's stream", WAIT_SECONDS,
          () -> server.streams().size() > before.size());
      toGet[t] = server.streams().get(before.size()).openedNanos - t0;
      nodes.remove(leader);
      leader.process.waitFor();
      Child fresh = Child.start("coordinator", dir.toString(), "ho", url);
      fresh.await(l -> l.equals("ready"));
      nodes.add(fresh);
    }
    report("clean handover: disconnect() -> next leader's GET (" + jvms + " JVMs)", toGet);
    nodes.forEach(Child::kill);
  }

  private static void costPerChange(SseBenchServer server, Path dir, int jvms, int changes,
      boolean host) throws Exception {
    server.reset();
    String topic = (host ? "host" : "plain") + jvms;
    server.setSnapshot(topic, 0);
    String sse = server.uri("/sse").toString();
    String snap = server.uri("/snapshot/" + topic).toString();
    List<Child> nodes = new ArrayList<>();
    for (int i = 0; i < jvms; i++) {
      nodes.add(Child.start("http", dir.toString(), sse, snap, topic, host ? "host" : "plain"));
    }
    for (Child c : nodes) {
      c.await(l -> l.equals("ready"));
    }
    int startGets = server.snapshotGets();
    long[] lastApply = new long[changes];
    for (int rev = 1; rev <= changes; rev++) {
      server.setSnapshot(topic, rev);
      long t0 = System.nanoTime();
      server.publish("invalidation",
          "{\"topic\":\"" + topic + "\",\"revision\":\"" + rev + "\"}");
      long last = 0;
      String prefix = "applied " + rev + " ";
      for (Child c : nodes) {
        last = Math.max(last, Long.parseLong(c.await(l -> l.startsWith(prefix)).split(" ")[2]));
      }
      lastApply[rev - 1] = last - t0;
    }
    int changeGets = server.snapshotGets() - startGets;
    OUT.printf("  %-34s %9d %12d %8d/%-6.2f  %s%n",
        host ? "createHttpRevisionSync, host-coord." : "createHttpRevisionSync", jvms,
        server.streams().size(), startGets, changeGets / (double) changes, summary(lastApply));
    nodes.forEach(Child::kill);
  }

  // --------------------------------------------------------------------------------------------

  /** A child JVM and every line it printed. */
  private static final class Child {
    final Process process;
    private final List<String> lines = new ArrayList<>();

    private Child(Process process) {
      this.process = process;
      Thread t = new Thread(this::pump, "child-" + process.pid());
      t.setDaemon(true);
      t.start();
    }

    static Child start(String... args) throws IOException {
      List<String> cmd = new ArrayList<>(List.of(
          Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx64m",
          "-XX:+UseSerialGC", "-cp", System.getProperty("java.class.path"),
          SseBenchNode.class.getName()));
      cmd.addAll(List.of(args));
      return new Child(new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.appendTo(
          Path.of(System.getProperty("java.io.tmpdir"), "sse-benchmark-children.log").toFile()))
          .start());
    }

    private void pump() {
      try (BufferedReader r = new BufferedReader(
          new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
        for (String l = r.readLine(); l != null; l = r.readLine()) {
          synchronized (this) {
            lines.add(l);
            notifyAll();
          }
        }
      } catch (IOException e) {
        // The process ended.
      }
      synchronized (this) {
        notifyAll();
      }
    }

    synchronized String await(Predicate<String> match) throws InterruptedException {
      String line = awaitOrNull(match, WAIT_SECONDS);
      if (line == null) {
        throw new IllegalStateException("child " + process.pid() + " printed no expected line;"
            + " alive " + process.isAlive() + "; last lines "
            + lines.subList(Math.max(0, lines.size() - 5), lines.size()));
      }
      return line;
    }

    synchronized String awaitOrNull(Predicate<String> match, int seconds)
        throws InterruptedException {
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
      while (true) {
        for (String l : lines) {
          if (match.test(l)) {
            return l;
          }
        }
        long left = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
        if (left <= 0) {
          return null;
        }
        wait(Math.min(left, 1000));
      }
    }

    void send(String command) throws IOException {
      OutputStream in = process.getOutputStream();
      in.write((command + "\n").getBytes(StandardCharsets.UTF_8));
      in.flush();
    }

    void kill() {
      process.destroyForcibly();
      try {
        process.waitFor(30, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  private static Child byPid(List<Child> nodes, String pid) {
    return nodes.stream().filter(c -> Long.toString(c.process.pid()).equals(pid)).findFirst()
        .orElseThrow(() -> new IllegalStateException("no live child with pid " + pid));
  }

  private static String loadAverage() {
    try {
      return String.join(" ", Arrays.copyOf(
          Files.readString(Path.of("/proc/loadavg")).trim().split(" "), 3));
    } catch (IOException e) {
      return "unknown";
    }
  }

  private static String summary(long[] ns) {
    long[] s = ns.clone();
    Arrays.sort(s);
    return String.format("p50 %8.1f ms  p90 %8.1f ms  p99 %8.1f ms  max %8.1f ms  (n=%d)",
        q(s, 0.5) / 1e6, q(s, 0.9) / 1e6, q(s, 0.99) / 1e6, s[s.length - 1] / 1e6, s.length);
  }

  private static long q(long[] sorted, double p) {
    return sorted[Math.min(sorted.length - 1, (int) Math.floor(p * sorted.length))];
  }

  private static void report(String what, long[] ns) {
    OUT.printf("  %-72s %s%n", what + ":", summary(ns));
  }
}
