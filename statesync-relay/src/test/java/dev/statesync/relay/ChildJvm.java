package dev.statesync.relay;

import dev.statesync.channel.ChannelOptions;
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
 * A test program ({@link SourceProcess} or {@link MirrorProcess}) in its own JVM. It answers each
 * command line with one line starting with {@code ok}; any other line it prints is an event. All
 * lines are collected so a test can wait, with a generous deadline, for the one it needs.
 */
final class ChildJvm implements AutoCloseable {
  static final Duration CI_BOUND = Duration.ofSeconds(60);

  private final String name;
  private final Process process;
  private final OutputStream stdin;
  private final List<String> lines = new ArrayList<>();
  private int consumedOks;
  private boolean ended;

  private ChildJvm(String name, Process process) {
    this.name = name;
    this.process = process;
    this.stdin = process.getOutputStream();
    Thread t = new Thread(this::pump, "child-" + name);
    t.setDaemon(true);
    t.start();
  }

  /**
   * Channel options for tests: the given runtime directory, and open and post timeouts long
   * enough for a loaded 2-core CI machine (the defaults of 5 s are for production).
   */
  static ChannelOptions.Builder channel(Path runtimeDir) {
    return ChannelOptions.builder().runtimeDir(runtimeDir)
        .openTimeout(CI_BOUND).postTimeout(CI_BOUND);
  }

  /** Starts {@code main} with {@code args} and waits for its {@code ready} line. */
  static ChildJvm start(String name, Class<?> main, String... args) {
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.add("-Xmx256m");
    cmd.add("-XX:TieredStopAtLevel=1");
    cmd.add("-XX:+UseSerialGC");
    cmd.add("-Xshare:auto");
    cmd.add("-cp");
    cmd.add(System.getProperty("java.class.path"));
    cmd.add(main.getName());
    cmd.addAll(List.of(args));
    ChildJvm c;
    try {
      c = new ChildJvm(name, new ProcessBuilder(cmd)
          .redirectError(ProcessBuilder.Redirect.INHERIT).start());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    c.await(l -> l.equals("ready"), CI_BOUND, "ready");
    return c;
  }

  long pid() {
    return process.pid();
  }

  Process process() {
    return process;
  }

  /** Sends {@code command} and returns the rest of its {@code ok} answer ("" for a bare ok). */
  String send(String command) {
    int index;
    synchronized (this) {
      index = consumedOks++;
    }
    try {
      stdin.write((command + "\n").getBytes(StandardCharsets.UTF_8));
      stdin.flush();
    } catch (IOException e) {
      throw new AssertionError(name + " did not take command " + command + ": " + dump(), e);
    }
    String ok = awaitNth(l -> l.equals("ok") || l.startsWith("ok "), index, CI_BOUND,
        "answer to " + command);
    return ok.length() > 2 ? ok.substring(3) : "";
  }

  /** Waits for a line matching {@code condition}; returns the first such line. */
  String await(Predicate<String> condition, Duration timeout, String what) {
    return awaitNth(condition, 0, timeout, what);
  }

  /** Every line printed so far. */
  synchronized List<String> lines() {
    return new ArrayList<>(lines);
  }

  private synchronized String awaitNth(Predicate<String> condition, int n, Duration timeout,
      String what) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (true) {
      int seen = 0;
      for (String l : lines) {
        if (condition.test(l) && seen++ == n) {
          return l;
        }
      }
      long left = deadline - System.nanoTime();
      if (left <= 0 || ended) {
        throw new AssertionError(name + ": no " + what + (ended ? " (process ended)" : "")
            + " within " + timeout + "; output: " + dump());
      }
      try {
        TimeUnit.NANOSECONDS.timedWait(this, left);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new AssertionError("interrupted", e);
      }
    }
  }

  private synchronized String dump() {
    List<String> tail = lines.subList(Math.max(0, lines.size() - 20), lines.size());
    return tail.toString();
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
      ended = true;
      notifyAll();
    }
  }

  /** Sends a signal (STOP, CONT) with the kill command. */
  void signal(String signal) throws Exception {
    Process p = new ProcessBuilder("kill", "-" + signal, Long.toString(process.pid())).start();
    if (!p.waitFor(10, TimeUnit.SECONDS) || p.exitValue() != 0) {
      throw new AssertionError("kill -" + signal + " " + process.pid() + " failed");
    }
  }

  /** Kills the process with SIGKILL (kill -9) and waits until it is gone. */
  void kill9() throws Exception {
    // Signal through the handle: Process.destroyForcibly() also closes our end of the child's
    // stdout, which drops lines it printed just before the kill.
    process.toHandle().destroyForcibly();
    if (!process.waitFor(30, TimeUnit.SECONDS)) {
      throw new AssertionError(name + " survived kill -9");
    }
  }

  @Override
  public void close() {
    if (process.isAlive()) {
      try {
        signal("CONT");
      } catch (Exception e) {
        // Best effort: it may have exited in between.
      }
      process.destroyForcibly();
      try {
        process.waitFor(30, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }
}
