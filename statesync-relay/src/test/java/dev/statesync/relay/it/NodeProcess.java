package dev.statesync.relay.it;

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
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * A child JVM running a test-scope main that reports JSON lines on stdout and takes commands on
 * stdin, and the events it has reported so far. Waits are bounded waits on this object's monitor.
 * Reusable for any such main: pass its class.
 */
public final class NodeProcess implements AutoCloseable {
  private static final ObjectMapper JSON = new ObjectMapper();
  public final Process process;
  public final long pid;
  private final List<JsonNode> events = new ArrayList<>();
  private final OutputStream stdin;

  private NodeProcess(Process process) {
    this.process = process;
    this.pid = process.pid();
    this.stdin = process.getOutputStream();
    Thread t = new Thread(this::pump, "node-" + pid);
    t.setDaemon(true);
    t.start();
  }

  /** Starts {@code main} in a small child JVM with this JVM's class path. */
  public static NodeProcess start(Class<?> main, String... args) {
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.add("-Xmx64m");
    cmd.add("-XX:TieredStopAtLevel=1");
    cmd.add("-XX:+UseSerialGC");
    cmd.add("-Xshare:auto");
    cmd.add("-cp");
    cmd.add(System.getProperty("java.class.path"));
    cmd.add(main.getName());
    cmd.addAll(List.of(args));
    try {
      Process p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.DISCARD).start();
      return new NodeProcess(p);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private void pump() {
    try (BufferedReader r = new BufferedReader(
        new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
      String line;
      while ((line = r.readLine()) != null) {
        if (!line.startsWith("{")) {
          continue;
        }
        JsonNode n = JSON.readTree(line);
        synchronized (this) {
          events.add(n);
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

  /** Sends one command line. */
  public void send(String command) {
    try {
      stdin.write((command + "\n").getBytes(StandardCharsets.UTF_8));
      stdin.flush();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Returns the events of kind {@code ev} reported so far. */
  public synchronized List<JsonNode> events(String ev) {
    return events.stream().filter(n -> n.path("ev").asText().equals(ev)).toList();
  }

  /** Waits until some reported event of kind {@code ev} matches; returns it. */
  public JsonNode await(String ev, Duration timeout, Predicate<JsonNode> match) {
    return awaitCount(ev, 1, timeout, match).get(0);
  }

  /** Waits until {@code count} reported events of kind {@code ev} match; returns them. */
  public synchronized List<JsonNode> awaitCount(String ev, int count, Duration timeout,
      Predicate<JsonNode> match) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (true) {
      List<JsonNode> found = events.stream()
          .filter(n -> n.path("ev").asText().equals(ev) && match.test(n)).toList();
      if (found.size() >= count) {
        return found;
      }
      long left = deadline - System.nanoTime();
      if (left <= 0) {
        throw new AssertionError("node " + pid + ": timed out after " + timeout + " waiting for "
            + count + " x " + ev + "; alive " + process.isAlive() + "; reported " + events);
      }
      try {
        wait(Math.max(1, TimeUnit.NANOSECONDS.toMillis(left)));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new AssertionError(e);
      }
    }
  }

  /** Sends a signal with the {@code kill} command, e.g. {@code STOP} or {@code CONT}. */
  public void signal(String signal) {
    try {
      Process k = new ProcessBuilder("kill", "-" + signal, Long.toString(pid)).start();
      if (!k.waitFor(30, TimeUnit.SECONDS) || k.exitValue() != 0) {
        throw new AssertionError("kill -" + signal + " " + pid + " failed");
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }

  /** Sends SIGKILL and waits for the process to end. */
  public void kill() {
    // Signal through the handle: Process.destroyForcibly() also closes our end of the child's
    // stdout, which drops lines it printed just before the kill.
    process.toHandle().destroyForcibly();
    try {
      process.waitFor(30, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  @Override
  public void close() {
    if (process.isAlive()) {
      kill();
    }
  }
}
