package dev.statesync.testkit;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * A test program ({@code main} of a class on the test class path) running in its own JVM, for
 * the multi-process tests of every module. This is test support shared through statesync-core's
 * test-jar, not library API.
 *
 * <p><b>Output.</b> A daemon thread reads the program's stdout line by line from the moment it
 * starts and keeps every line, so a test waits with a deadline for the line that proves a
 * condition and never blocks on a read that a hung child would never satisfy. Stderr goes to the
 * test's stderr unless {@link Builder#discardStderr()} was chosen.
 *
 * <p><b>Waits.</b> Every wait is bounded by {@link #WAIT}: generous, because CI is a loaded
 * 2-core machine on which a JVM may stall for seconds. A wait that runs out, or whose program
 * ended before the awaited line, throws an {@link AssertionError} that names the program, what
 * was awaited and its last lines of output; so does an interrupt (after restoring the thread's
 * interrupt status). No method throws a checked exception.
 *
 * <p><b>Commands.</b> {@link #send} writes one line to the program's stdin. {@link #ask} is for
 * programs that answer every command, in order, with exactly one line {@code ok} or
 * {@code ok <result>}: it sends a command and returns its answer.
 *
 * <p><b>Ending.</b> {@link #kill} sends SIGKILL ({@code kill -9}) and returns every line the
 * program printed, including lines that were still in the pipe when it died: the signal goes
 * through the {@link ProcessHandle}, because {@link Process#destroyForcibly()} also closes the
 * parent's end of stdout at once and so loses them. {@link #close} asks the program to quit by
 * closing its stdin, waits up to the {@linkplain Builder#closeGrace grace} for it to exit and
 * then kills it. After {@code close} or {@code kill} the collected lines stay readable and the
 * awaits still match them; {@code send} and {@code ask} fail.
 *
 * <p>All methods are thread-safe. The launcher is its own monitor: the reader thread takes it to
 * add each line, so a test (in this package) that holds it keeps the program's output in the
 * pipe.
 */
public final class ChildJvm implements AutoCloseable {
  /** The bound of every wait on a child: generous, because a loaded CI box stalls JVMs. */
  public static final Duration WAIT = Duration.ofSeconds(60);

  private static final int TAIL_LINES = 40;

  private final String name;
  private final Process process;
  private final Duration closeGrace;
  private final Writer stdin;
  private final List<String> lines = new ArrayList<>();
  private int asked;
  private boolean ended;

  private ChildJvm(String name, Process process, Duration closeGrace) {
    this.name = name + " (pid " + process.pid() + ")";
    this.process = process;
    this.closeGrace = closeGrace;
    this.stdin = process.outputWriter(StandardCharsets.UTF_8);
    Thread reader = new Thread(this::pump, "child-" + name);
    reader.setDaemon(true);
    reader.start();
  }

  /**
   * Starts {@code main} with {@code args} and the defaults of {@link #builder}; returns at once,
   * without waiting for any output.
   *
   * @throws UncheckedIOException if the JVM cannot be started
   */
  public static ChildJvm start(String name, Class<?> main, String... args) {
    return builder(name, main).args(args).start();
  }

  /**
   * A builder for a child JVM that runs {@code main}. The defaults: no program arguments, the
   * JVM's default heap, stderr inherited, a {@linkplain Builder#closeGrace close grace} of
   * {@link #WAIT}, and no ready line.
   *
   * @param name what the error messages and the reader thread call the program
   */
  public static Builder builder(String name, Class<?> main) {
    return new Builder(name, main);
  }

  /** Options of one child JVM; {@link #start()} validates them and starts the program. */
  public static final class Builder {
    private final String name;
    private final Class<?> main;
    private final List<String> args = new ArrayList<>();
    private final List<String> jvmOptions = new ArrayList<>();
    private boolean discardStderr;
    private Duration closeGrace = WAIT;
    private String readyLine;

    private Builder(String name, Class<?> main) {
      this.name = name;
      this.main = main;
    }

    /** Appends program arguments (after the main class). */
    public Builder args(String... args) {
      Collections.addAll(this.args, args);
      return this;
    }

    /**
     * Appends a JVM option such as {@code -Xmx64m}, after the launcher's own: class data
     * sharing, the C1 compiler only and the serial collector, which start a small JVM fastest.
     */
    public Builder jvmOption(String option) {
      jvmOptions.add(option);
      return this;
    }

    /** Throws the program's stderr away instead of copying it to the test's stderr. */
    public Builder discardStderr() {
      this.discardStderr = true;
      return this;
    }

    /**
     * How long {@link ChildJvm#close()} waits for the program to quit after its stdin closed
     * before it kills it; {@link Duration#ZERO} kills at once. Default {@link ChildJvm#WAIT}.
     */
    public Builder closeGrace(Duration grace) {
      this.closeGrace = grace;
      return this;
    }

    /**
     * Makes {@link #start()} return only once the program printed this exact line (within
     * {@link ChildJvm#WAIT}). Default: none, {@code start()} returns at once.
     */
    public Builder readyLine(String line) {
      this.readyLine = line;
      return this;
    }

    /**
     * Starts the program.
     *
     * @throws IllegalArgumentException if the name is blank, the main class is null, a JVM
     *     option does not start with {@code -}, an argument is null or the close grace is null
     *     or negative
     * @throws UncheckedIOException if the JVM cannot be started
     * @throws AssertionError if a ready line was set and did not come (the program is killed)
     */
    public ChildJvm start() {
      if (name == null || name.isBlank()) {
        throw new IllegalArgumentException("name must not be blank, got " + name);
      }
      if (main == null) {
        throw new IllegalArgumentException("main must be a class with a main method, got null");
      }
      for (String option : jvmOptions) {
        if (option == null || !option.startsWith("-")) {
          throw new IllegalArgumentException("jvmOption must start with '-', got " + option);
        }
      }
      if (args.contains(null)) {
        throw new IllegalArgumentException("args must not contain null, got " + args);
      }
      if (closeGrace == null || closeGrace.isNegative()) {
        throw new IllegalArgumentException("closeGrace must be zero or positive, got "
            + closeGrace);
      }
      List<String> command = new ArrayList<>();
      command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
      command.add("-Xshare:auto");
      command.add("-XX:TieredStopAtLevel=1");
      command.add("-XX:+UseSerialGC");
      command.addAll(jvmOptions);
      command.add("-cp");
      command.add(System.getProperty("java.class.path"));
      command.add(main.getName());
      command.addAll(args);
      ChildJvm child;
      try {
        child = new ChildJvm(name, new ProcessBuilder(command)
            .redirectError(discardStderr
                ? ProcessBuilder.Redirect.DISCARD : ProcessBuilder.Redirect.INHERIT)
            .start(), closeGrace);
      } catch (IOException e) {
        throw new UncheckedIOException("cannot start " + name + ": " + command, e);
      }
      if (readyLine != null) {
        try {
          child.await(readyLine::equals, "the ready line '" + readyLine + "'");
        } catch (AssertionError e) {
          child.kill();
          throw e;
        }
      }
      return child;
    }
  }

  /** The operating system's id of the process. */
  public long pid() {
    return process.pid();
  }

  /** Whether the process is still running. */
  public boolean isAlive() {
    return process.isAlive();
  }

  /** Returns a copy of every line printed so far, in order. */
  public synchronized List<String> lines() {
    return new ArrayList<>(lines);
  }

  /**
   * Waits until at least {@code count} lines match {@code condition} and returns the
   * {@code count}-th. The condition sees each line once per call, while this launcher's monitor
   * is held, so it must be a plain function of the line.
   *
   * @param what what is awaited, for the error message
   * @throws IllegalArgumentException if {@code count} is less than 1
   * @throws AssertionError after {@link #WAIT}, or if the output ended first, with the output
   */
  public synchronized String awaitNth(Predicate<String> condition, int count, String what) {
    if (count < 1) {
      throw new IllegalArgumentException("count must be at least 1, got " + count);
    }
    long deadline = System.nanoTime() + WAIT.toNanos();
    int scanned = 0;
    int seen = 0;
    while (true) {
      for (; scanned < lines.size(); scanned++) {
        if (condition.test(lines.get(scanned)) && ++seen == count) {
          return lines.get(scanned);
        }
      }
      long left = deadline - System.nanoTime();
      if (ended || left <= 0) {
        throw new AssertionError(name + ": " + (ended ? "output ended" : "timed out after " + WAIT)
            + " waiting for " + what + " (" + seen + " of " + count + " seen); last output:\n"
            + tail());
      }
      waitOnMonitor(left, what);
    }
  }

  /** Waits for the first line matching {@code condition}; see {@link #awaitNth}. */
  public String await(Predicate<String> condition, String what) {
    return awaitNth(condition, 1, what);
  }

  /**
   * Writes one line to the program's stdin.
   *
   * @throws AssertionError if the pipe is closed (the program ended, or after {@link #close})
   */
  public void send(String line) {
    synchronized (stdin) {
      try {
        stdin.write(line + "\n");
        stdin.flush();
      } catch (IOException e) {
        throw new AssertionError(name + ": cannot write '" + line + "' to stdin: " + e
            + "; last output:\n" + tail(), e);
      }
    }
  }

  /**
   * Sends {@code command} and waits for its answer: the program answers each command, in order,
   * with one line {@code ok} or {@code ok <result>}, so the answer to the n-th {@code ask} is the
   * n-th such line. Lines sent with {@link #send} must not be answered, or the count slips.
   *
   * @return the result after {@code "ok "}, or {@code ""} for a bare {@code ok}
   * @throws AssertionError if the command cannot be written or no answer comes within
   *     {@link #WAIT}
   */
  public String ask(String command) {
    int n;
    synchronized (this) {
      n = ++asked;
    }
    send(command);
    String ok = awaitNth(l -> l.equals("ok") || l.startsWith("ok "), n, "the answer to '"
        + command + "'");
    return ok.length() > 2 ? ok.substring(3) : "";
  }

  /**
   * Sends a signal by name, e.g. {@code STOP} or {@code CONT}, with the {@code kill} command.
   *
   * @throws AssertionError if {@code kill} fails (for example, the process is gone)
   */
  public void signal(String signal) {
    try {
      Process kill = new ProcessBuilder("kill", "-" + signal, Long.toString(process.pid()))
          .redirectErrorStream(true).start();
      String out = new String(kill.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      if (!kill.waitFor(WAIT.toMillis(), TimeUnit.MILLISECONDS) || kill.exitValue() != 0) {
        throw new AssertionError("kill -" + signal + " " + name + " failed: " + out.strip());
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot run kill -" + signal + " for " + name, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError("interrupted sending " + signal + " to " + name, e);
    }
  }

  /**
   * Kills the process with SIGKILL ({@code kill -9}), waits for it to die and for its remaining
   * output to be read, and returns every line it printed. Killing a process that has already
   * ended only collects its output.
   *
   * @throws AssertionError if it does not die, or its output does not end, within {@link #WAIT}
   */
  public List<String> kill() {
    process.toHandle().destroyForcibly();
    if (!waitForExit()) {
      throw new AssertionError(name + " did not die within " + WAIT + " after kill -9");
    }
    closeStdin();
    return awaitEnd();
  }

  /**
   * Waits for the process to exit by itself and for its output to end; returns its exit code.
   *
   * @throws AssertionError if it does not exit within {@link #WAIT}, with its output
   */
  public int awaitExit() {
    if (!waitForExit()) {
      throw new AssertionError(name + " did not exit within " + WAIT + "; last output:\n"
          + tail());
    }
    awaitEnd();
    return process.exitValue();
  }

  /**
   * Ends the program if it still runs: resumes it (in case a test stopped it with
   * {@code SIGSTOP}), closes its stdin, which the test programs take as the request to quit,
   * waits up to the close grace for it to exit, then kills it with SIGKILL and waits for it to
   * die. Never throws; calling it again does nothing more.
   */
  @Override
  public void close() {
    if (process.isAlive() && !closeGrace.isZero()) {
      try {
        signal("CONT");
      } catch (AssertionError | UncheckedIOException e) {
        // It exited in between; closing stdin below is harmless.
      }
    }
    closeStdin();
    try {
      if (!process.waitFor(closeGrace.toMillis(), TimeUnit.MILLISECONDS)) {
        process.toHandle().destroyForcibly();
        process.waitFor(WAIT.toMillis(), TimeUnit.MILLISECONDS);
      }
    } catch (InterruptedException e) {
      process.toHandle().destroyForcibly();
      Thread.currentThread().interrupt();
    }
  }

  private void closeStdin() {
    synchronized (stdin) {
      try {
        stdin.close();
      } catch (IOException ignored) {
        // The pipe broke with the process; nothing is left to flush.
      }
    }
  }

  private boolean waitForExit() {
    try {
      return process.waitFor(WAIT.toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError("interrupted waiting for " + name + " to exit", e);
    }
  }

  private synchronized List<String> awaitEnd() {
    long deadline = System.nanoTime() + WAIT.toNanos();
    while (!ended) {
      long left = deadline - System.nanoTime();
      if (left <= 0) {
        throw new AssertionError(name + ": output did not end within " + WAIT
            + " after the process exited");
      }
      waitOnMonitor(left, "the end of the output");
    }
    return new ArrayList<>(lines);
  }

  /** Waits on this monitor (held by the caller) for up to {@code nanos}. */
  private void waitOnMonitor(long nanos, String what) {
    try {
      TimeUnit.NANOSECONDS.timedWait(this, nanos);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(name + ": interrupted waiting for " + what, e);
    }
  }

  private synchronized String tail() {
    return String.join("\n", lines.subList(Math.max(0, lines.size() - TAIL_LINES), lines.size()));
  }

  /** The reader thread: adds each line under this monitor and wakes the waiters. */
  private void pump() {
    try (BufferedReader r = new BufferedReader(
        new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
      for (String line = r.readLine(); line != null; line = r.readLine()) {
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

  @Override
  public String toString() {
    return name;
  }
}
