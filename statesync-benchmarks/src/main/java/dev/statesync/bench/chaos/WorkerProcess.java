package dev.statesync.bench.chaos;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** One incarnation of a {@link ChaosWorker} JVM; its report lines go to the {@link Ledger}. */
final class WorkerProcess {
  final int index;
  final int incarnation;
  final Process process;
  final long pid;
  volatile boolean ready;
  /** Whether the worker reported that its writes stopped. */
  volatile boolean stopped;
  /** When the controller sent the kill ({@code System.nanoTime}), 0 while not killed. */
  volatile long killedNanos;

  private WorkerProcess(int index, int incarnation, Process process) {
    this.index = index;
    this.incarnation = incarnation;
    this.process = process;
    this.pid = process.pid();
  }

  static WorkerProcess start(int index, int incarnation, List<String> workerArgs, Ledger ledger,
      Path log) throws IOException {
    List<String> cmd = new ArrayList<>(List.of(
        Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-Xmx96m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-Xshare:auto",
        "-cp", System.getProperty("java.class.path"), ChaosWorker.class.getName()));
    cmd.addAll(workerArgs);
    Process p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.appendTo(
        log.toFile())).start();
    WorkerProcess w = new WorkerProcess(index, incarnation, p);
    Thread t = new Thread(() -> w.pump(ledger), "chaos-worker-" + index + "." + incarnation);
    t.setDaemon(true);
    t.start();
    return w;
  }

  private void pump(Ledger ledger) {
    try (BufferedReader r = new BufferedReader(new InputStreamReader(process.getInputStream(),
        StandardCharsets.UTF_8))) {
      String line;
      while ((line = r.readLine()) != null) {
        if (line.startsWith("ready ")) {
          ready = true;
        } else if (line.equals("stopped")) {
          stopped = true;
        }
        ledger.report(this, line);
      }
    } catch (IOException e) {
      // The process was killed.
    }
  }

  boolean alive() {
    return process.isAlive();
  }

  /** Sends one command line to the worker's stdin; false if it is gone. */
  boolean send(String line) {
    try {
      process.getOutputStream().write((line + "\n").getBytes(StandardCharsets.UTF_8));
      process.getOutputStream().flush();
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  /** kill -9, then waits for the process to be gone. */
  void kill9() throws InterruptedException {
    if (killedNanos == 0) {
      killedNanos = System.nanoTime();
    }
    process.destroyForcibly();
    process.waitFor(60, TimeUnit.SECONDS);
  }

  @Override
  public String toString() {
    return "worker " + index + "." + incarnation + " (pid " + pid + ")";
  }
}
