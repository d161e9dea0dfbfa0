package dev.statesync.bench.channel;

import dev.statesync.channel.BroadcastChannel;
import dev.statesync.channel.ChannelOptions;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * Multi-process figures of the host channel, printed side by side: raw UDS ping-pong, channel
 * round trips (hub to follower and back), 16-way fan-out, failover after {@code kill -9}, and
 * the Node {@code broadcast-channel} package's node method. Run:
 * {@code java -cp statesync-benchmarks/target/benchmarks.jar
 * dev.statesync.bench.channel.ChannelBenchmark [messages]}.
 */
public final class ChannelBenchmark {
  private static final PrintStream OUT = new PrintStream(System.out, true, StandardCharsets.UTF_8);

  private ChannelBenchmark() {}

  public static void main(String[] args) throws Exception {
    if (args.length > 0 && args[0].startsWith("child-")) {
      child(args);
      return;
    }
    int n = args.length > 0 ? Integer.parseInt(args[0]) : 20_000;
    int warm = n / 4;
    Path base = Files.createTempDirectory(Path.of("/tmp"), "sb");
    OUT.printf("statesync channel benchmark: %d cores, JDK %s, %s%n",
        Runtime.getRuntime().availableProcessors(), System.getProperty("java.version"), cpu());
    OUT.printf("%d warm-up + %d measured round trips per figure, one message in flight%n%n",
        warm, n);
    rawUds(base, 64, warm, n);
    channelRoundTrip(base, 64, warm, n);
    channelRoundTrip(base, 1024, warm, n);
    fanOut(base, 16, 2_000);
    failover(base, 20);
    nodeBroadcastChannel();
  }

  // --------------------------------------------------------------------------------------------

  private static void rawUds(Path base, int size, int warm, int n) throws Exception {
    Path sock = base.resolve("raw.sock");
    Process p = spawn("child-uds-echo", sock.toString(), Integer.toString(size));
    awaitLine(p, "ready");
    try (SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX)) {
      ch.connect(UnixDomainSocketAddress.of(sock));
      ByteBuffer b = ByteBuffer.allocateDirect(size);
      long[] rtt = new long[n];
      for (int i = 0; i < warm + n; i++) {
        b.clear();
        long t0 = System.nanoTime();
        while (b.hasRemaining()) {
          ch.write(b);
        }
        b.clear();
        while (b.hasRemaining()) {
          ch.read(b);
        }
        if (i >= warm) {
          rtt[i - warm] = System.nanoTime() - t0;
        }
      }
      report("raw UDS round trip, " + size + " B", rtt);
    }
    p.destroyForcibly();
  }

  private static void channelRoundTrip(Path base, int size, int warm, int n) throws Exception {
    Path dir = base.resolve("rt" + size);
    ChannelOptions o = ChannelOptions.builder().runtimeDir(dir).build();
    try (BroadcastChannel hub = BroadcastChannel.open("rt", o)) {
      Process p = spawn("child-channel-echo", dir.toString(), "rt");
      awaitLine(p, "ready");
      BlockingQueue<Long> back = new ArrayBlockingQueue<>(16);
      long[] oneWayBack = new long[n];
      hub.subscribe(m -> {
        long now = System.nanoTime();
        back.add(now - m.payload().getLong(8));
      });
      long[] rtt = new long[n];
      byte[] payload = new byte[size];
      ByteBuffer pb = ByteBuffer.wrap(payload);
      for (int i = 0; i < warm + n; i++) {
        long t0 = System.nanoTime();
        pb.putLong(0, t0);
        hub.post(payload);
        long leg = back.take();
        long t1 = System.nanoTime();
        if (i >= warm) {
          rtt[i - warm] = t1 - t0;
          oneWayBack[i - warm] = leg;
        }
      }
      report("channel round trip hub->follower->hub, " + size + " B", rtt);
      report("channel one-way follower->hub listener, " + size + " B", oneWayBack);
      p.getOutputStream().close();
      String hubToFollower = awaitLine(p, "oneway");
      OUT.println("  channel one-way hub->follower listener, " + size + " B: "
          + hubToFollower.substring("oneway ".length()));
      p.destroyForcibly();
    }
  }

  private static void fanOut(Path base, int subscribers, int messages) throws Exception {
    Path dir = base.resolve("fan");
    ChannelOptions o = ChannelOptions.builder().runtimeDir(dir).build();
    try (BroadcastChannel pub = BroadcastChannel.open("fan", o)) {
      List<Process> ps = new ArrayList<>();
      // Started one after another: 16 JVMs booting at once on a small machine starve each other.
      for (int i = 0; i < subscribers; i++) {
        Process p = spawn("child-fanout", dir.toString(), "fan", Integer.toString(messages));
        ps.add(p);
        awaitLine(p, "ready");
      }
      byte[] payload = new byte[1024];
      ByteBuffer pb = ByteBuffer.wrap(payload);
      for (int i = 0; i < messages; i++) {
        pb.putLong(0, System.nanoTime());
        pb.putLong(8, i);
        pub.post(payload);
        LockSupport.parkNanos(1_000_000L); // paced: one message in flight, 1 kHz
      }
      long[] worst = new long[messages];
      for (Process p : ps) {
        String line = awaitLine(p, "lat");
        String[] parts = line.substring(4).split(",");
        for (int i = 0; i < messages && i < parts.length; i++) {
          worst[i] = Math.max(worst[i], Long.parseLong(parts[i]));
        }
      }
      report("fan-out 1 -> " + subscribers + " JVMs, 1 KiB, until the last listener",
          Arrays.copyOfRange(worst, messages / 5, messages));
      ps.forEach(Process::destroyForcibly);
    }
  }

  private static void failover(Path base, int trials) throws Exception {
    Path dir = base.resolve("fo");
    List<Process> nodes = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      nodes.add(spawn("child-failover", dir.toString(), "fo"));
      awaitLine(nodes.get(i), "ready");
    }
    long[] times = new long[trials];
    for (int t = 0; t < trials; t++) {
      Process hub = null;
      long epoch = 0;
      for (Process p : nodes) {
        p.getOutputStream().write("state\n".getBytes(StandardCharsets.UTF_8));
        p.getOutputStream().flush();
        String[] s = awaitLine(p, "state").split(" ");
        if (s[1].equals("HUB")) {
          hub = p;
          epoch = Long.parseLong(s[2]);
        }
      }
      nodes.remove(hub);
      for (Process p : nodes) {
        p.getOutputStream().write(("watch " + (epoch + 1) + "\n").getBytes(StandardCharsets.UTF_8));
        p.getOutputStream().flush();
        awaitLine(p, "watching");
      }
      long t0 = System.nanoTime();
      hub.destroyForcibly();
      long last = 0;
      for (Process p : nodes) {
        last = Math.max(last, Long.parseLong(awaitLine(p, "reached").split(" ")[1]));
      }
      times[t] = last - t0;
      hub.waitFor();
      Process fresh = spawn("child-failover", dir.toString(), "fo");
      awaitLine(fresh, "ready");
      nodes.add(fresh);
    }
    report("failover after kill -9 (hub + 3 followers), until all survivors are in epoch + 1",
        times);
    nodes.forEach(Process::destroyForcibly);
  }

  private static void nodeBroadcastChannel() throws Exception {
    if (!onPath("node") || !onPath("npm")) {
      OUT.println("  node broadcast-channel: skipped (node or npm is not installed)");
      return;
    }
    Path tmp = Files.createTempDirectory("bc-node");
    Process install = new ProcessBuilder("npm", "install", "--silent", "--no-audit", "--no-fund",
        "broadcast-channel@7").directory(tmp.toFile()).redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
    if (!install.waitFor(180, TimeUnit.SECONDS) || install.exitValue() != 0) {
      OUT.println("  node broadcast-channel: skipped (npm install failed or timed out)");
      return;
    }
    String script = String.join("\n",
        "const { BroadcastChannel } = require('broadcast-channel');",
        "const role = process.argv[2]; const n = 300;",
        "const ch = new BroadcastChannel('bench', { type: 'node' });",
        "if (role === 'echo') { ch.onmessage = m => ch.postMessage(m); }",
        "else {",
        "  const { spawn } = require('child_process');",
        "  const child = spawn(process.execPath, [__filename, 'echo'], { stdio: 'ignore' });",
        "  const rtts = []; let t0 = 0; let i = -1;",
        "  const next = () => { i++; if (i === n + 30) { rtts.sort((a, b) => a - b);",
        "    const q = p => rtts[Math.min(rtts.length - 1, Math.floor(p * rtts.length))];",
        "    console.log('result ' + q(0.5) + ' ' + q(0.99) + ' ' + q(0.999) + ' ' + rtts.length);",
        "    child.kill(); ch.close(); process.exit(0); }",
        "    t0 = process.hrtime.bigint(); ch.postMessage({ i }); };",
        "  ch.onmessage = m => { const d = Number(process.hrtime.bigint() - t0);",
        "    if (i >= 30) rtts.push(d); next(); };",
        "  setTimeout(next, 1500);",
        "}");
    Files.writeString(tmp.resolve("bench.js"), script);
    Process p = new ProcessBuilder("node", "bench.js", "main").directory(tmp.toFile()).start();
    String line = awaitLine(p, "result", 300);
    String[] r = line.split(" ");
    OUT.printf("  %-72s p50 %9.1f us  p99 %9.1f us  p99.9 %9.1f us  (n=%s)%n",
        "node broadcast-channel (node method) round trip, tiny JSON",
        Long.parseLong(r[1]) / 1e3, Long.parseLong(r[2]) / 1e3, Long.parseLong(r[3]) / 1e3, r[4]);
  }

  // --------------------------------------------------------------------------------------------
  // Child processes

  private static void child(String[] args) throws Exception {
    switch (args[0]) {
      case "child-uds-echo": {
        Path sock = Path.of(args[1]);
        int size = Integer.parseInt(args[2]);
        Files.deleteIfExists(sock);
        try (ServerSocketChannel ss = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
          ss.bind(UnixDomainSocketAddress.of(sock));
          OUT.println("ready");
          try (SocketChannel ch = ss.accept()) {
            ByteBuffer b = ByteBuffer.allocateDirect(size);
            while (true) {
              b.clear();
              while (b.hasRemaining()) {
                if (ch.read(b) < 0) {
                  return;
                }
              }
              b.flip();
              while (b.hasRemaining()) {
                ch.write(b);
              }
            }
          }
        }
      }
      case "child-channel-echo": {
        ChannelOptions o = ChannelOptions.builder().runtimeDir(Path.of(args[1])).build();
        List<Long> oneWay = new ArrayList<>();
        try (BroadcastChannel ch = BroadcastChannel.open(args[2], o)) {
          ch.subscribe(m -> {
            long now = System.nanoTime();
            byte[] b = m.bytes();
            ByteBuffer.wrap(b).putLong(8, now);
            oneWay.add(now - ByteBuffer.wrap(b).getLong(0));
            ch.post(b);
          });
          OUT.println("ready");
          while (System.in.read() >= 0) {
            // Runs until the orchestrator closes stdin.
          }
          long[] a = oneWay.stream().mapToLong(Long::longValue).toArray();
          long[] measured = Arrays.copyOfRange(a, a.length / 5, a.length);
          OUT.println("oneway " + summary(measured));
        }
        return;
      }
      case "child-fanout": {
        ChannelOptions o = ChannelOptions.builder().runtimeDir(Path.of(args[1]))
            .openTimeout(java.time.Duration.ofSeconds(60)).build();
        int messages = Integer.parseInt(args[3]);
        long[] lat = new long[messages];
        int[] got = new int[1];
        try (BroadcastChannel ch = BroadcastChannel.open(args[2], o)) {
          ch.subscribe(m -> {
            long now = System.nanoTime();
            ByteBuffer p = m.payload();
            int i = (int) p.getLong(8);
            lat[i] = now - p.getLong(0);
            synchronized (got) {
              got[0]++;
              got.notifyAll();
            }
          });
          OUT.println("ready");
          synchronized (got) {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
            while (got[0] < messages && System.nanoTime() < deadline) {
              got.wait(1000);
            }
          }
          StringBuilder sb = new StringBuilder("lat ");
          for (int i = 0; i < messages; i++) {
            sb.append(i == 0 ? "" : ",").append(lat[i]);
          }
          OUT.println(sb);
        }
        return;
      }
      case "child-failover": {
        ChannelOptions o = ChannelOptions.builder().runtimeDir(Path.of(args[1])).build();
        BroadcastChannel ch = BroadcastChannel.open(args[2], o);
        OUT.println("ready");
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in,
            StandardCharsets.UTF_8));
        String line;
        while ((line = in.readLine()) != null) {
          if (line.equals("state")) {
            OUT.println("state " + ch.status() + " " + ch.epoch());
          } else if (line.startsWith("watch ")) {
            long target = Long.parseLong(line.substring(6));
            OUT.println("watching");
            // A 20 us poll: the figure measures the library, not a listener's dispatch delay.
            // It does not spin: 3 spinning watchers on 2 cores starved the JVMs being measured.
            while (!(ch.epoch() >= target && (ch.status().name().equals("HUB")
                || ch.status().name().equals("FOLLOWER")))) {
              java.util.concurrent.locks.LockSupport.parkNanos(20_000L);
            }
            OUT.println("reached " + System.nanoTime());
          }
        }
        return;
      }
      default:
        throw new IllegalArgumentException("unknown child role " + args[0]);
    }
  }

  // --------------------------------------------------------------------------------------------

  private static Process spawn(String... args) throws IOException {
    List<String> cmd = new ArrayList<>(List.of(
        Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx256m",
        "-cp", System.getProperty("java.class.path"), ChannelBenchmark.class.getName()));
    cmd.addAll(List.of(args));
    return new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.INHERIT).start();
  }

  private static final java.util.Map<Process, BufferedReader> READERS =
      new java.util.concurrent.ConcurrentHashMap<>();

  private static String awaitLine(Process p, String prefix) throws IOException {
    return awaitLine(p, prefix, 120);
  }

  private static String awaitLine(Process p, String prefix, int seconds) throws IOException {
    BufferedReader r = READERS.computeIfAbsent(p, k -> new BufferedReader(
        new InputStreamReader(k.getInputStream(), StandardCharsets.UTF_8)));
    String line;
    while ((line = r.readLine()) != null) {
      if (line.startsWith(prefix)) {
        return line;
      }
    }
    throw new IOException("process ended before printing " + prefix);
  }

  private static boolean onPath(String exe) {
    for (String d : System.getenv().getOrDefault("PATH", "").split(":")) {
      if (Files.isExecutable(Path.of(d, exe))) {
        return true;
      }
    }
    return false;
  }

  private static String cpu() {
    try {
      for (String l : Files.readAllLines(Path.of("/proc/cpuinfo"))) {
        if (l.startsWith("model name")) {
          return l.substring(l.indexOf(':') + 1).trim();
        }
      }
    } catch (IOException e) {
      // Not Linux.
    }
    return System.getProperty("os.arch");
  }

  private static String summary(long[] ns) {
    long[] s = ns.clone();
    Arrays.sort(s);
    if (s.length == 0) {
      return "no samples";
    }
    return String.format("p50 %9.1f us  p90 %9.1f us  p99 %9.1f us  p99.9 %9.1f us  max %9.1f us"
        + "  (n=%d)", q(s, 0.5) / 1e3, q(s, 0.9) / 1e3, q(s, 0.99) / 1e3, q(s, 0.999) / 1e3,
        s[s.length - 1] / 1e3, s.length);
  }

  private static long q(long[] sorted, double p) {
    return sorted[Math.min(sorted.length - 1, (int) Math.floor(p * sorted.length))];
  }

  private static void report(String what, long[] ns) {
    OUT.printf("  %-72s %s%n", what + ":", summary(ns));
  }
}
