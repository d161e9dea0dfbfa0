package dev.statesync.bench.relay;

import dev.statesync.channel.ChannelOptions;
import dev.statesync.channel.ChannelStats;
import dev.statesync.relay.BroadcastHandle;
import dev.statesync.relay.MirrorOptions;
import dev.statesync.relay.SourceOptions;
import dev.statesync.relay.StreamMirror;
import dev.statesync.relay.StreamSource;
import dev.statesync.relay.StreamState;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * Multi-process figures of live text streams (relay spec RELAY-18 and RELAY-36): bytes posted
 * for 100,000 chars in 10,000 appends to 4 mirror JVMs, with and without delta merging; how long
 * after {@code complete()} each mirror JVM shows DONE; {@code append} to mirror
 * {@code onChange} latency in another JVM for 64-char chunks; and late join of a 1 MB text. Run:
 * {@code java -cp statesync-benchmarks/target/benchmarks.jar
 * dev.statesync.bench.relay.StreamRelayBenchmark [latencyChunks]}.
 */
public final class StreamRelayBenchmark {
  private static final PrintStream OUT = new PrintStream(System.out, true, StandardCharsets.UTF_8);
  private static final int MIRRORS = 4;

  private StreamRelayBenchmark() {}

  public static void main(String[] args) throws Exception {
    if (args.length > 0 && args[0].equals("child-mirror")) {
      childMirror(Path.of(args[1]), args[2]);
      return;
    }
    if (args.length > 0 && args[0].equals("child-join")) {
      childJoin(Path.of(args[1]), args[2], Integer.parseInt(args[3]));
      return;
    }
    int latencyChunks = args.length > 0 ? Integer.parseInt(args[0]) : 5_000;
    Path dir = Files.createTempDirectory(Path.of("/tmp"), "sr");
    ChannelOptions channel = channel(dir);
    OUT.printf("statesync stream relay benchmark: %d cores, JDK %s%n",
        Runtime.getRuntime().availableProcessors(), System.getProperty("java.version"));
    List<Child> mirrors = new ArrayList<>();
    try (StreamSource source = new StreamSource(SourceOptions.builder().sourceId("bench").build());
        BroadcastHandle handle = source.broadcast("bench", channel)) {
      for (int i = 0; i < MIRRORS; i++) {
        mirrors.add(Child.spawn("child-mirror", dir.toString(), "bench"));
      }
      for (Child m : mirrors) {
        m.await("ready");
      }
      OUT.printf("%d mirror JVMs joined%n%n", MIRRORS);
      bytes(source, handle, mirrors, "bytes-plain", 10);
      try (StreamSource merging = new StreamSource(SourceOptions.builder().sourceId("merging")
          .maxDeltaDelay(Duration.ofMillis(2)).build());
          BroadcastHandle h = merging.broadcast("bench", channel)) {
        bytes(merging, h, mirrors, "bytes-merged", 10);
      }
      latency(source, mirrors, latencyChunks);
      lateJoin(source, dir);
    } finally {
      for (Child m : mirrors) {
        m.process.destroyForcibly();
      }
    }
  }

  /** 100,000 ASCII chars in 10,000 appends; payload bytes from START to END, and DONE lag. */
  private static void bytes(StreamSource source, BroadcastHandle handle, List<Child> mirrors,
      String id, int chunkChars) throws Exception {
    int chunks = 10_000;
    String[] text = new String[chunks];
    for (int i = 0; i < chunks; i++) {
      text[i] = String.format("%0" + chunkChars + "d", i);
    }
    ChannelStats before = handle.stats();
    long t0 = System.nanoTime();
    source.start(id);
    for (String c : text) {
      source.append(c);
    }
    long tAppended = System.nanoTime();
    long tComplete = System.nanoTime();
    source.complete();
    ChannelStats after = handle.stats();
    long bytes = after.payloadBytesPosted() - before.payloadBytesPosted();
    long posts = after.posted() - before.posted();
    long[] lag = new long[mirrors.size()];
    for (int i = 0; i < mirrors.size(); i++) {
      String[] end = mirrors.get(i).await("end " + id + " ").split(" ");
      if (!end[3].equals("DONE") || Integer.parseInt(end[4]) != chunks * chunkChars) {
        throw new IllegalStateException("mirror " + i + " ended " + String.join(" ", end));
      }
      lag[i] = Long.parseLong(end[2]) - tComplete;
    }
    long quadratic = (long) chunkChars * chunks * (chunks + 1) / 2;
    OUT.printf("%s: %,d chars in %,d appends -> %,d payload bytes in %,d posts (%.2fx the text;"
        + " target <= 200,000); whole-text-per-chunk would post %,d bytes%n", id,
        chunks * chunkChars, chunks, bytes, posts, bytes / (double) (chunks * chunkChars),
        quadratic);
    OUT.printf("  appends took %.1f ms at the source; complete() -> DONE in each mirror JVM: %s%n",
        (tAppended - t0) / 1e6, ms(lag));
  }

  /** Paced 64-char appends carrying their send time; the mirrors record append -> onChange. */
  private static void latency(StreamSource source, List<Child> mirrors, int n) throws Exception {
    int perStream = 200;
    String filler = "x".repeat(64 - 20);
    for (int i = 0; i < n; i++) {
      if (i % perStream == 0) {
        if (i > 0) {
          source.complete();
        }
        source.start("lat-" + (i / perStream));
      }
      // Pacing, so the figure is the latency of one append, not of a queue.
      long until = System.nanoTime() + 200_000;
      while (System.nanoTime() < until) {
        LockSupport.parkNanos(50_000);
      }
      source.append(String.format("%019d", System.nanoTime()) + "|" + filler);
    }
    source.complete();
    String last = "lat-" + ((n - 1) / perStream);
    List<Long> all = new ArrayList<>();
    for (Child m : mirrors) {
      m.await("end " + last + " ");
      m.send("report");
      String line = m.await("lat ");
      for (String v : line.substring(4).split(",")) {
        if (!v.isEmpty()) {
          all.add(Long.parseLong(v));
        }
      }
    }
    long[] ns = all.stream().mapToLong(Long::longValue).toArray();
    OUT.printf("%nappend -> mirror onChange in another JVM, 64-char chunks, one append every"
        + " 200 us, %d mirror JVMs (target p50 <= 100 us, p99 <= 1 ms):%n  %s%n", mirrors.size(),
        summary(ns));
  }

  /** A 1 MB text, finished; a new mirror opens and waits until synced, 20 times. */
  private static void lateJoin(StreamSource source, Path dir) throws Exception {
    source.start("big");
    String block = "0123456789abcdef".repeat(64);
    for (int i = 0; i < 1024; i++) {
      source.append(block);
    }
    source.complete();
    Child joiner = Child.spawn("child-join", dir.toString(), "bench", "20");
    try {
      String line = joiner.await("join ");
      OUT.printf("%nlate join of a 1 MiB finished text: mirror open -> synced (target p99 <= 50"
          + " ms):%n  %s%n", line.substring(5));
    } finally {
      joiner.process.destroyForcibly();
    }
  }

  private static void childMirror(Path dir, String channel) throws Exception {
    StreamMirror mirror = new StreamMirror(channel, MirrorOptions.builder()
        .channelOptions(channel(dir)).build());
    List<Long> latencies = new ArrayList<>();
    String[] lastEnded = {""};
    mirror.onChange(s -> {
      long now = System.nanoTime();
      String text = s.text();
      if (s.streamId().startsWith("lat-") && s.loading() && text.length() >= 64) {
        long sent = Long.parseLong(text.substring(text.length() - 64, text.length() - 45));
        synchronized (latencies) {
          latencies.add(now - sent);
        }
      }
      if (s.status().isTerminal() && !s.streamId().equals(lastEnded[0])) {
        lastEnded[0] = s.streamId();
        print("end " + s.streamId() + " " + now + " " + s.status() + " " + text.length());
      }
    });
    mirror.awaitSynced().get(30, TimeUnit.SECONDS);
    print("ready");
    BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
    for (String line = in.readLine(); line != null; line = in.readLine()) {
      if (line.equals("report")) {
        StringBuilder b = new StringBuilder("lat ");
        synchronized (latencies) {
          for (long l : latencies) {
            b.append(l).append(',');
          }
          latencies.clear();
        }
        print(b.toString());
      }
    }
  }

  private static void childJoin(Path dir, String channel, int n) throws Exception {
    // Synced means "the source's STATE arrived", not "the request timed out".
    MirrorOptions options = MirrorOptions.builder().channelOptions(channel(dir))
        .stateRequestTimeout(Duration.ofSeconds(60)).build();
    long[] ns = new long[n];
    for (int i = -3; i < n; i++) {
      long t0 = System.nanoTime();
      try (StreamMirror m = new StreamMirror(channel, options)) {
        StreamState s = m.awaitSynced().get(30, TimeUnit.SECONDS);
        if (s.text().length() != 1024 * 1024) {
          throw new IllegalStateException("synced to " + s);
        }
        if (i >= 0) {
          ns[i] = System.nanoTime() - t0;
        }
      }
    }
    print("join " + summary(ns) + " (3 warm-up joins not counted)");
  }

  /** Default options, except a join timeout that survives a machine loaded by other builds. */
  private static ChannelOptions channel(Path dir) {
    return ChannelOptions.builder().runtimeDir(dir).openTimeout(Duration.ofSeconds(60)).build();
  }

  private static synchronized void print(String line) {
    OUT.println(line);
    OUT.flush();
  }

  private static String ms(long[] ns) {
    StringBuilder b = new StringBuilder();
    for (long v : ns) {
      b.append(String.format("%.1f ms ", v / 1e6));
    }
    return b.toString().trim();
  }

  private static String summary(long[] ns) {
    long[] s = ns.clone();
    Arrays.sort(s);
    if (s.length == 0) {
      return "no samples";
    }
    return String.format("p50 %.1f us  p90 %.1f us  p99 %.1f us  max %.1f us  (n=%d)",
        q(s, 0.5) / 1e3, q(s, 0.9) / 1e3, q(s, 0.99) / 1e3, s[s.length - 1] / 1e3, s.length);
  }

  private static long q(long[] sorted, double p) {
    return sorted[Math.min(sorted.length - 1, (int) Math.floor(p * sorted.length))];
  }

  /** A child JVM of this harness and its output lines. */
  private static final class Child {
    final Process process;
    final BlockingQueue<String> lines = new LinkedBlockingQueue<>();

    private Child(Process process) {
      this.process = process;
      Thread t = new Thread(() -> {
        try (BufferedReader r = new BufferedReader(
            new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
          for (String l = r.readLine(); l != null; l = r.readLine()) {
            lines.add(l);
          }
        } catch (IOException e) {
          // The process ended.
        }
      }, "bench-child");
      t.setDaemon(true);
      t.start();
    }

    static Child spawn(String... args) throws IOException {
      List<String> cmd = new ArrayList<>(List.of(
          Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx256m",
          "-cp", System.getProperty("java.class.path"), StreamRelayBenchmark.class.getName()));
      cmd.addAll(List.of(args));
      return new Child(new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.INHERIT)
          .start());
    }

    String await(String prefix) throws Exception {
      while (true) {
        String l = lines.poll(120, TimeUnit.SECONDS);
        if (l == null) {
          throw new IllegalStateException("no line starting with '" + prefix + "' in 120 s");
        }
        if (l.startsWith(prefix)) {
          return l;
        }
      }
    }

    void send(String command) throws IOException {
      process.getOutputStream().write((command + "\n").getBytes(StandardCharsets.UTF_8));
      process.getOutputStream().flush();
    }
  }
}
