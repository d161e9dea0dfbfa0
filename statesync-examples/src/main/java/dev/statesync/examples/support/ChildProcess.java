package dev.statesync.examples.support;

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
import java.util.function.Consumer;
import java.util.function.Predicate;

/**
 * A program of this class path in its own JVM, driven through its stdin and stdout: the parent
 * sends command lines, the child answers with report lines {@code @ <json>} (see
 * {@link Reports}) and may print anything else, which goes to the parent's line consumer. Every
 * wait is bounded; a wait that fails says what it waited for and shows the child's output.
 */
public final class ChildProcess implements AutoCloseable {
  private static final ObjectMapper JSON = new ObjectMapper();
  /** Notified after any child's report arrives; see {@link #awaitAny}. */
  private static final Object ANY = new Object();

  private final String name;
  private final Process process;
  private final OutputStream stdin;
  private final Consumer<String> onLine;
  private final List<JsonNode> reports = new ArrayList<>();
  private final List<String> tail = new ArrayList<>();
  private boolean ended;
  private int nextRequest = 1;

  private ChildProcess(String name, Process process, Consumer<String> onLine) {
    this.name = name;
    this.process = process;
    this.stdin = process.getOutputStream();
    this.onLine = onLine;
    Thread t = new Thread(this::pump, "child-" + name);
    t.setDaemon(true);
    t.start();
  }

  /**
   * Starts {@code main} in a new JVM on this JVM's class path.
   *
   * @param jvmArgs extra JVM options such as {@code -Dkey=value}
   * @param onLine receives every line that is not a report, on the child's reader thread
   */
  public static ChildProcess start(String name, Class<?> main, List<String> jvmArgs,
      List<String> args, Consumer<String> onLine) {
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.add("-Xshare:auto");
    cmd.add("-XX:TieredStopAtLevel=1");
    cmd.add("-XX:+UseSerialGC");
    cmd.add("-Xmx96m");
    cmd.addAll(jvmArgs);
    cmd.add("-cp");
    cmd.add(System.getProperty("java.class.path"));
    cmd.add(main.getName());
    cmd.addAll(args);
    try {
      Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
      return new ChildProcess(name, p, onLine);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot start " + name + ": " + e.getMessage(), e);
    }
  }

  /** The child's name. */
  public String name() {
    return name;
  }

  /** The child's OS process id. */
  public long pid() {
    return process.pid();
  }

  /** Whether the process is still running. */
  public boolean isAlive() {
    return process.isAlive();
  }

  /** Sends one command line; false if the child's stdin is closed. */
  public synchronized boolean send(String line) {
    try {
      stdin.write((line + "\n").getBytes(StandardCharsets.UTF_8));
      stdin.flush();
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  /**
   * Sends {@code command} with a fresh request number and waits for the report answering it
   * ({@code "re"} equal to that number).
   *
   * @throws ChildFailedException if the answer does not come within {@code timeout}, the child
   *     ends first, or the answer has type {@code error}
   */
  public JsonNode request(String command, Duration timeout) {
    int id;
    synchronized (this) {
      id = nextRequest++;
    }
    send(id + " " + command);
    JsonNode answer = await(r -> r.path("re").asInt() == id, timeout, "the answer to " + command);
    if ("error".equals(answer.path("type").asText())) {
      throw new ChildFailedException(name + ": " + command + " failed: "
          + answer.path("message").asText());
    }
    return answer;
  }

  /**
   * Waits until a report of {@code type} has arrived (the latest one counts) and returns it.
   *
   * @throws ChildFailedException on timeout or if the child ended first
   */
  public JsonNode awaitReport(String type, Duration timeout) {
    return await(r -> type.equals(r.path("type").asText()), timeout, "report '" + type + "'");
  }

  /** Waits until a report matching {@code condition} has arrived and returns the latest one. */
  public synchronized JsonNode await(Predicate<JsonNode> condition, Duration timeout,
      String what) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (true) {
      for (int i = reports.size() - 1; i >= 0; i--) {
        if (condition.test(reports.get(i))) {
          return reports.get(i);
        }
      }
      long left = deadline - System.nanoTime();
      if (ended || left <= 0) {
        throw new ChildFailedException(name + " " + (ended ? "ended" : "timed out after "
            + timeout.toSeconds() + " s") + " waiting for " + what + "; its last lines:\n  "
            + String.join("\n  ", tail));
      }
      try {
        TimeUnit.NANOSECONDS.timedWait(this, left);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new ChildFailedException(name + ": interrupted waiting for " + what);
      }
    }
  }

  /**
   * Waits until one of {@code children} has a report matching {@code condition}; returns that
   * child. Holding the shared monitor while checking means no report can slip between the check
   * and the wait.
   *
   * @throws ChildFailedException on timeout
   */
  public static ChildProcess awaitAny(List<ChildProcess> children, Predicate<JsonNode> condition,
      Duration timeout, String what) {
    long deadline = System.nanoTime() + timeout.toNanos();
    synchronized (ANY) {
      while (true) {
        for (ChildProcess c : children) {
          synchronized (c) {
            if (c.reports.stream().anyMatch(condition)) {
              return c;
            }
          }
        }
        long left = deadline - System.nanoTime();
        if (left <= 0) {
          throw new ChildFailedException("timed out after " + timeout.toSeconds()
              + " s waiting for " + what);
        }
        try {
          TimeUnit.NANOSECONDS.timedWait(ANY, left);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new ChildFailedException("interrupted waiting for " + what);
        }
      }
    }
  }

  /** Kills the process with SIGKILL ({@code kill -9}) and waits, bounded, until it is gone. */
  public void kill9(Duration timeout) {
    // Signal through the handle: Process.destroyForcibly() also closes our end of the child's
    // stdout, which drops lines it printed just before the kill.
    process.toHandle().destroyForcibly();
    awaitExit(timeout);
  }

  /** Waits for the process to exit and returns its exit code. */
  public int awaitExit(Duration timeout) {
    try {
      if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
        throw new ChildFailedException(name + " did not exit within " + timeout.toSeconds()
            + " s");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new ChildFailedException(name + ": interrupted waiting for exit");
    }
    return process.exitValue();
  }

  /** Closes the child's stdin (the child quits), then kills it if it lingers past 10 s. */
  @Override
  public void close() {
    try {
      stdin.close();
    } catch (IOException ignored) {
      // Already closed or the child is gone; it is destroyed below if it lingers.
    }
    try {
      if (!process.waitFor(10, TimeUnit.SECONDS)) {
        process.destroyForcibly();
        process.waitFor(10, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      process.destroyForcibly();
      Thread.currentThread().interrupt();
    }
  }

  private void pump() {
    try (BufferedReader r = new BufferedReader(
        new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
      String line;
      while ((line = r.readLine()) != null) {
        if (line.startsWith(Reports.PREFIX)) {
          JsonNode report = JSON.readTree(line.substring(Reports.PREFIX.length()));
          synchronized (this) {
            reports.add(report);
            notifyAll();
          }
          synchronized (ANY) {
            ANY.notifyAll();
          }
        } else {
          synchronized (this) {
            tail.add(line);
            if (tail.size() > 20) {
              tail.remove(0);
            }
          }
          onLine.accept(line);
        }
      }
    } catch (IOException e) {
      // The process ended or sent a line that is not JSON after the prefix: the end is recorded.
    }
    synchronized (this) {
      ended = true;
      notifyAll();
    }
  }

  /** A child did not answer as expected; the message says what was awaited and shows output. */
  public static final class ChildFailedException extends RuntimeException {
    public ChildFailedException(String message) {
      super(message);
    }
  }
}
