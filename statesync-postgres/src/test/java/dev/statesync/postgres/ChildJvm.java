package dev.statesync.postgres;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * A test program in its own JVM, on the test class path. Its stdout lines are collected so the
 * test can wait, with a deadline, for the line that proves a condition.
 */
final class ChildJvm implements AutoCloseable {
  private final String name;
  private final Process process;
  private final List<String> lines = new ArrayList<>();
  private boolean ended;

  private ChildJvm(String name, Process process) {
    this.name = name;
    this.process = process;
    Thread reader = new Thread(this::pump, "child-" + name);
    reader.setDaemon(true);
    reader.start();
  }

  /** Starts {@code main} with {@code args}; stderr goes to the test's stderr. */
  static ChildJvm start(String name, Class<?> main, String... args) {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.add("-Xshare:auto");
    command.add("-XX:TieredStopAtLevel=1");
    command.add("-cp");
    command.add(System.getProperty("java.class.path"));
    command.add(main.getName());
    command.addAll(List.of(args));
    try {
      Process p = new ProcessBuilder(command)
          .redirectError(ProcessBuilder.Redirect.INHERIT)
          .start();
      return new ChildJvm(name, p);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * Waits until a line matching {@code condition} has been printed and returns the last such
   * line.
   *
   * @throws AssertionError on timeout or if the process ended first, with its output
   */
  synchronized String await(Predicate<String> condition, Duration timeout, String what) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (true) {
      for (int i = lines.size() - 1; i >= 0; i--) {
        if (condition.test(lines.get(i))) {
          return lines.get(i);
        }
      }
      long left = deadline - System.nanoTime();
      if (ended || left <= 0) {
        throw new AssertionError(name + ": " + (ended ? "ended" : "timed out") + " waiting for "
            + what + "; output so far:\n" + String.join("\n", lines));
      }
      try {
        TimeUnit.NANOSECONDS.timedWait(this, left);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new AssertionError("interrupted waiting for " + what, e);
      }
    }
  }

  /** Returns a copy of every line printed so far. */
  synchronized List<String> lines() {
    return new ArrayList<>(lines);
  }

  /** Waits for the process to exit by itself and returns its exit code. */
  int awaitExit(Duration timeout) throws InterruptedException {
    if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
      throw new AssertionError(name + " did not exit within " + timeout + "; output:\n"
          + String.join("\n", lines()));
    }
    return process.exitValue();
  }

  /** Writes one line to the program's stdin. */
  void send(String line) throws IOException {
    Writer w = process.outputWriter();
    w.write(line + "\n");
    w.flush();
  }

  /** Kills the program with SIGKILL and waits until it is gone. */
  void kill9() throws InterruptedException {
    // Signal through the handle: Process.destroyForcibly() also closes our end of the child's
    // stdout, which drops lines it printed just before the kill.
    process.toHandle().destroyForcibly();
    process.waitFor();
  }

  /** Asks the program to quit by closing its stdin, then kills it if it lingers. */
  @Override
  public void close() throws InterruptedException {
    try (Writer w = process.outputWriter()) {
      w.flush();
    } catch (IOException ignored) {
      // The process may have exited already; it is destroyed below if not.
    }
    if (!process.waitFor(10, TimeUnit.SECONDS)) {
      process.destroyForcibly();
    }
  }

  private void pump() {
    try (BufferedReader r = new BufferedReader(
        new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
      String line;
      while ((line = r.readLine()) != null) {
        synchronized (this) {
          lines.add(line);
          notifyAll();
        }
      }
    } catch (IOException ignored) {
      // The process ended; the end is recorded below.
    }
    synchronized (this) {
      ended = true;
      notifyAll();
    }
  }
}
