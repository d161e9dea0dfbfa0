package dev.statesync.persistence;

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
 * A test program in its own JVM, on the test class path. A daemon thread collects its stdout
 * lines, so a test waits with a deadline for the line that proves a condition and never blocks
 * on a read that a hung child would never satisfy.
 */
public final class ChildJvm implements AutoCloseable {
  /** The bound of every wait on a child: generous, because a loaded CI box stalls JVMs. */
  public static final Duration WAIT = Duration.ofSeconds(60);

  private final String name;
  private final Process process;
  private final Writer stdin;
  private final List<String> lines = new ArrayList<>();
  private boolean ended;

  private ChildJvm(String name, Process process) {
    this.name = name;
    this.process = process;
    this.stdin = process.outputWriter(StandardCharsets.UTF_8);
    Thread reader = new Thread(this::pump, "child-" + name);
    reader.setDaemon(true);
    reader.start();
  }

  /** Starts {@code main} with {@code args}; stderr goes to the test's stderr. */
  public static ChildJvm start(String name, Class<?> main, String... args) {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.add("-Xshare:auto");
    command.add("-XX:TieredStopAtLevel=1");
    command.add("-XX:+UseSerialGC");
    command.add("-cp");
    command.add(System.getProperty("java.class.path"));
    command.add(main.getName());
    command.addAll(List.of(args));
    try {
      return new ChildJvm(name, new ProcessBuilder(command)
          .redirectError(ProcessBuilder.Redirect.INHERIT).start());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * Waits until at least {@code count} lines match {@code condition} and returns the
   * {@code count}-th.
   *
   * @throws AssertionError after {@link #WAIT}, or if the process ended first, with its output
   */
  public synchronized String awaitNth(Predicate<String> condition, int count, String what) {
    long deadline = System.nanoTime() + WAIT.toNanos();
    while (true) {
      int seen = 0;
      for (String line : lines) {
        if (condition.test(line) && ++seen == count) {
          return line;
        }
      }
      long left = deadline - System.nanoTime();
      if (ended || left <= 0) {
        throw new AssertionError(name + ": " + (ended ? "ended" : "timed out") + " waiting for "
            + what + "; output so far:\n" + tail());
      }
      try {
        TimeUnit.NANOSECONDS.timedWait(this, left);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new AssertionError("interrupted waiting for " + what, e);
      }
    }
  }

  /** Waits for the first line matching {@code condition}; see {@link #awaitNth}. */
  public String await(Predicate<String> condition, String what) {
    return awaitNth(condition, 1, what);
  }

  /** Whether the process is still running. */
  public boolean isAlive() {
    return process.isAlive();
  }

  /** Returns a copy of every line printed so far. */
  public synchronized List<String> lines() {
    return new ArrayList<>(lines);
  }

  /** Sends one line to the program's stdin. */
  public void send(String line) {
    try {
      stdin.write(line + "\n");
      stdin.flush();
    } catch (IOException e) {
      throw new AssertionError(name + ": cannot write to stdin: " + e + "; output:\n" + tail(), e);
    }
  }

  /**
   * Kills the process with SIGKILL ({@code kill -9}), waits for it to die and for its remaining
   * output to be read, and returns every line it printed.
   *
   * <p>The signal goes through the {@link ProcessHandle}: {@link Process#destroyForcibly()}
   * also closes the parent's end of stdout at once, which drops every line still in the pipe
   * that the reader thread had not consumed yet.
   */
  public List<String> kill() throws InterruptedException {
    process.toHandle().destroyForcibly();
    if (!process.waitFor(WAIT.toMillis(), TimeUnit.MILLISECONDS)) {
      throw new AssertionError(name + " did not die after kill -9");
    }
    try {
      stdin.close();
    } catch (IOException ignored) {
      // The pipe broke with the process; nothing is left to flush.
    }
    return awaitEnd();
  }

  /** Waits for the process to exit by itself and returns its exit code. */
  public int awaitExit() throws InterruptedException {
    if (!process.waitFor(WAIT.toMillis(), TimeUnit.MILLISECONDS)) {
      throw new AssertionError(name + " did not exit within " + WAIT + "; output:\n" + tail());
    }
    awaitEnd();
    return process.exitValue();
  }

  private synchronized List<String> awaitEnd() throws InterruptedException {
    long deadline = System.nanoTime() + WAIT.toNanos();
    while (!ended) {
      long left = deadline - System.nanoTime();
      if (left <= 0) {
        throw new AssertionError(name + ": output did not end after the process exited");
      }
      TimeUnit.NANOSECONDS.timedWait(this, left);
    }
    return new ArrayList<>(lines);
  }

  /** Asks the program to quit by closing its stdin, then kills it if it lingers. */
  @Override
  public void close() throws InterruptedException {
    try {
      stdin.close();
    } catch (IOException ignored) {
      // The process may have exited already; it is destroyed below if not.
    }
    if (!process.waitFor(WAIT.toMillis(), TimeUnit.MILLISECONDS)) {
      process.destroyForcibly();
      process.waitFor(WAIT.toMillis(), TimeUnit.MILLISECONDS);
    }
  }

  private synchronized String tail() {
    return String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size()));
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
      // The stream broke because the process died; the end is recorded below.
    } finally {
      synchronized (this) {
        ended = true;
        notifyAll();
      }
    }
  }
}
