package dev.statesync.channel.it;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import java.util.function.Predicate;

/**
 * A child JVM (by default a {@link ChannelNode}) that reports events as JSON lines, and the events
 * it has reported so far.
 */
final class Node implements AutoCloseable {
  private static final ObjectMapper JSON = new ObjectMapper();
  final Process process;
  final long pid;
  private final List<JsonNode> events = new ArrayList<>();
  private final OutputStream stdin;

  private Node(Process process) {
    this.process = process;
    this.pid = process.pid();
    this.stdin = process.getOutputStream();
    Thread t = new Thread(this::pump, "node-" + pid);
    t.setDaemon(true);
    t.start();
  }

  static Node start(Path runtimeDir, String... props) {
    return start(ChannelNode.class, runtimeDir, List.of(props), List.of());
  }

  /** Starts {@code main}, which must speak the same stdin/stdout line protocol. */
  static Node start(Class<?> main, Path runtimeDir, String... props) {
    return start(main, runtimeDir, List.of(props), List.of());
  }

  /** Starts a {@link ChannelNode} with extra system properties and program arguments. */
  static Node start(Path runtimeDir, List<String> props, List<String> args) {
    return start(ChannelNode.class, runtimeDir, props, args);
  }

  /** Starts {@code main} with extra system properties and program arguments. */
  static Node start(Class<?> main, Path runtimeDir, List<String> props, List<String> args) {
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.add("-Xmx64m");
    cmd.add("-XX:TieredStopAtLevel=1");
    cmd.add("-XX:+UseSerialGC");
    cmd.add("-Xshare:auto");
    cmd.add("-cp");
    cmd.add(System.getProperty("java.class.path"));
    cmd.add("-Dstatesync.runtimeDir=" + runtimeDir);
    cmd.add("-Dstatesync.channel.testHooks=true");
    cmd.addAll(props);
    cmd.add(main.getName());
    cmd.addAll(args);
    try {
      Process p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.DISCARD).start();
      return new Node(p);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private void pump() {
    try (BufferedReader r = new BufferedReader(new InputStreamReader(process.getInputStream(),
        StandardCharsets.UTF_8))) {
      String line;
      while ((line = r.readLine()) != null) {
        if (!line.startsWith("{")) {
          continue;
        }
        JsonNode n = JSON.readTree(line);
        synchronized (events) {
          events.add(n);
        }
      }
    } catch (IOException e) {
      // The process ended.
    }
  }

  void send(String command) {
    try {
      stdin.write((command + "\n").getBytes(StandardCharsets.UTF_8));
      stdin.flush();
    } catch (IOException e) {
      throw new UncheckedIOException("node " + pid + " is gone", e);
    }
  }

  List<JsonNode> events(String type) {
    List<JsonNode> out = new ArrayList<>();
    synchronized (events) {
      for (JsonNode n : events) {
        if (n.path("ev").asText().equals(type)) {
          out.add(n);
        }
      }
    }
    return out;
  }

  long count(String type, Predicate<JsonNode> p) {
    return events(type).stream().filter(p).count();
  }

  /** Waits for the first event of {@code type} matching {@code p}; fails after the timeout. */
  JsonNode await(String type, Predicate<JsonNode> p, Duration timeout) {
    JsonNode[] found = new JsonNode[1];
    Await.until(timeout, () -> {
      for (JsonNode n : events(type)) {
        if (p.test(n)) {
          found[0] = n;
          return true;
        }
      }
      return false;
    }, () -> "node " + pid + " never reported " + type + "; events: " + tail());
    return found[0];
  }

  JsonNode await(String type, Duration timeout) {
    return await(type, n -> true, timeout);
  }

  /** Sends {@code state} and returns the fresh answer. */
  JsonNode state() {
    return ask("state", "state");
  }

  /** Sends {@code command} and returns the first {@code answer} event reported after it. */
  JsonNode ask(String command, String answer) {
    int before = events(answer).size();
    send(command);
    Await.until(Duration.ofSeconds(30), () -> events(answer).size() > before,
        () -> "node " + pid + " did not answer " + command + "; events: " + tail());
    return events(answer).get(before);
  }

  /** Waits for the process to end on its own; returns its exit code. */
  int awaitExit(Duration timeout) {
    try {
      if (!process.waitFor(timeout.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS)) {
        throw new AssertionError("node " + pid + " did not exit within " + timeout);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
    return process.exitValue();
  }

  String channelStatus() {
    return state().path("channels").path(0).path("status").asText();
  }

  private String tail() {
    synchronized (events) {
      return events.subList(Math.max(0, events.size() - 15), events.size()).toString();
    }
  }

  void kill9() {
    // Signal through the handle: Process.destroyForcibly() also closes our end of the child's
    // stdout, which drops lines it printed just before the kill.
    process.toHandle().destroyForcibly();
    try {
      process.waitFor();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  void signal(String sig) {
    try {
      Process k = new ProcessBuilder("kill", "-" + sig, Long.toString(pid)).start();
      k.waitFor();
    } catch (IOException | InterruptedException e) {
      throw new IllegalStateException(e);
    }
  }

  @Override
  public void close() {
    if (process.isAlive()) {
      signal("CONT");
      process.destroyForcibly();
    }
  }

  /** Bounded waits on conditions; tests never sleep for a fixed time. */
  static final class Await {
    private Await() {}

    static void until(Duration timeout, BooleanSupplier cond, java.util.function.Supplier<String> msg) {
      long deadline = System.nanoTime() + timeout.toNanos();
      while (!cond.getAsBoolean()) {
        if (System.nanoTime() > deadline) {
          throw new AssertionError(msg.get());
        }
        LockSupport.parkNanos(5_000_000L);
      }
    }

    /** Returns false if {@code cond} ever holds before {@code duration} has passed. */
    static boolean never(Duration duration, BooleanSupplier cond) {
      long deadline = System.nanoTime() + duration.toNanos();
      while (System.nanoTime() < deadline) {
        if (cond.getAsBoolean()) {
          return false;
        }
        LockSupport.parkNanos(20_000_000L);
      }
      return true;
    }
  }
}
