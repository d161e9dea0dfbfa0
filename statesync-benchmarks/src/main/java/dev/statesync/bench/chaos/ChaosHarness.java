package dev.statesync.bench.chaos;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.statesync.persistence.CorruptRecordException;
import dev.statesync.persistence.DecodedRecord;
import dev.statesync.persistence.Limits;
import dev.statesync.persistence.RecordFormat;
import dev.statesync.persistence.UnsupportedRecordException;
import dev.statesync.persistence.file.FileStorageBackend;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;

/**
 * The chaos harness of issue 9. N worker JVMs ({@link ChaosWorker}) sync topics over HTTP and SSE
 * from a source of truth run by this controller ({@link TruthServer}), with file persistence in one shared
 * directory and cross-process sync over the host channel. Several workers write continuously;
 * every {@code --kill-every-ms} a worker is killed with {@code kill -9} (the channel's hub at
 * least every other time) and restarted. Checked throughout: no process applies a revision lower
 * than or equal to one it applied in the same epoch, every applied value belongs to its revision,
 * and the shared record files always decode and never go back. Checked at the end: every process
 * holds the final revision of every topic within {@code --convergence-ms} of the last write, and
 * so does every file. Prints a report; exits 0 when nothing was violated, 1 otherwise, 2 on bad
 * arguments.
 *
 * <p>Run: {@code java -cp statesync-benchmarks/target/benchmarks.jar
 * dev.statesync.bench.chaos.ChaosHarness [flags]}; see {@link ChaosConfig#USAGE}.
 */
public final class ChaosHarness {
  private static final PrintStream OUT = new PrintStream(System.out, true, StandardCharsets.UTF_8);
  private static final ObjectMapper JSON = new ObjectMapper();

  private final ChaosConfig cfg;
  private final Ledger ledger = new Ledger();
  private final AtomicLong fileReads = new AtomicLong();
  private volatile boolean polling = true;

  private ChaosHarness(ChaosConfig cfg) {
    this.cfg = cfg;
  }

  public static void main(String[] args) throws Exception {
    ChaosConfig cfg;
    try {
      cfg = ChaosConfig.parse(args);
    } catch (IllegalArgumentException e) {
      System.err.println(e.getMessage());
      System.exit(2);
      return;
    }
    System.exit(new ChaosHarness(cfg).run());
  }

  private int run() throws Exception {
    OUT.printf("statesync chaos run: %d processes, topics %s, %d writers every %d ms, kill -9 "
        + "every %d ms for %d s, seed %d, %d cores, dir %s%n", cfg.processes(), cfg.topics(),
        cfg.writers(), cfg.writeInterval().toMillis(), cfg.killEvery().toMillis(),
        cfg.duration().toSeconds(), cfg.seed(), Runtime.getRuntime().availableProcessors(),
        cfg.dir());
    Path storage = Files.createDirectories(cfg.dir().resolve("storage"));
    Path runtime = cfg.dir().resolve("rt");
    Path log = cfg.dir().resolve("workers.log");
    SplittableRandom random = new SplittableRandom(cfg.seed());
    WorkerProcess[] workers = new WorkerProcess[cfg.processes()];
    int kills = 0;
    int hubKills = 0;
    int noHubKnown = 0;
    try (TruthServer truth = new TruthServer(cfg.topics(), 256)) {
      for (int i = 0; i < workers.length; i++) {
        workers[i] = start(truth, storage, runtime, log, i, 0, random);
      }
      if (!awaitReady(workers, 120)) {
        return abort(workers, "the workers did not all start within 120 s; see " + log);
      }
      FileStorageBackend files = FileStorageBackend.builder(storage).build();
      Map<String, Long> fileRevisions = new HashMap<>();
      Thread poller = new Thread(() -> pollFiles(files, fileRevisions), "chaos-files");
      poller.setDaemon(true);
      poller.start();

      long begin = System.nanoTime();
      long next = begin + cfg.killEvery().toNanos();
      while (next - begin <= cfg.duration().toNanos()) {
        parkUntil(next);
        next += cfg.killEvery().toNanos();
        boolean hubTurn = kills % 2 == 0;
        if (hubTurn && ledger.hub() == null) {
          // The last failover has not been reported yet (loaded cores); the hub's turn waits.
          await(20, () -> ledger.hub() != null);
          next = Math.max(next, System.nanoTime());
        }
        WorkerProcess hub = ledger.hub();
        if (hubTurn && hub == null) {
          noHubKnown++;
        }
        WorkerProcess victim = hubTurn && hub != null ? hub
            : workers[random.nextInt(workers.length)];
        if (victim == ledger.hub()) {
          ledger.hubKilled(System.nanoTime());
          hubKills++;
        }
        victim.kill9();
        kills++;
        workers[victim.index] = start(truth, storage, runtime, log, victim.index,
            victim.incarnation + 1, random);
      }
      OUT.printf("chaos phase over after %d kills; waiting for every process to run%n", kills);
      if (!awaitReady(workers, 120)) {
        return abort(workers, "restarted workers did not all start within 120 s; see " + log);
      }
      // Every process is now live; keep writing briefly so the final writes reach all of them.
      parkUntil(System.nanoTime() + TimeUnit.SECONDS.toNanos(2));
      Map<String, Long> finals = truth.stopWrites();
      long writes = truth.writes();
      List<Long> convergence = checkConvergence(workers, finals, truth);
      checkFinalFiles(files, finals);
      polling = false;
      poller.join(10_000);
      for (WorkerProcess w : workers) {
        w.kill9();
      }
      if (noHubKnown > 0) {
        ledger.violation(noHubKnown + " times no hub was known when it was the hub's turn to be "
            + "killed (no HUB report within 20 s)");
      }
      report(kills, hubKills, writes, finals, convergence);
      return ledger.violationCount() == 0 ? 0 : 1;
    } finally {
      for (WorkerProcess w : workers) {
        if (w != null && w.alive()) {
          w.process.destroyForcibly();
        }
      }
    }
  }

  private WorkerProcess start(TruthServer truth, Path storage, Path runtime, Path log, int index,
      int incarnation, SplittableRandom random) throws IOException {
    long interval = index < cfg.writers() ? cfg.writeInterval().toMillis() : 0;
    return WorkerProcess.start(index, incarnation, List.of(truth.baseUri(),
        storage.toString(), runtime.toString(), String.join(",", cfg.topics()),
        Long.toString(interval), Long.toString(random.nextLong())), ledger, log);
  }

  private static boolean awaitReady(WorkerProcess[] workers, int seconds) {
    return await(seconds, () -> {
      for (WorkerProcess w : workers) {
        if (!w.ready || !w.alive()) {
          return false;
        }
      }
      return true;
    });
  }

  private static boolean await(int seconds, BooleanSupplier condition) {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        return false;
      }
      LockSupport.parkNanos(10_000_000L);
    }
    return true;
  }

  private static void parkUntil(long nanos) {
    for (long left = nanos - System.nanoTime(); left > 0; left = nanos - System.nanoTime()) {
      LockSupport.parkNanos(left);
    }
  }

  private int abort(WorkerProcess[] workers, String why) {
    ledger.violation(why);
    OUT.println("ABORTED: " + why);
    return 1;
  }

  /** Each process holds each final revision; returns the convergence times in nanoseconds. */
  private List<Long> checkConvergence(WorkerProcess[] workers, Map<String, Long> finals,
      TruthServer truth) {
    // Generous: the bound is checked on the apply timestamps, not on how long this waits.
    await(30, () -> {
      for (WorkerProcess w : workers) {
        for (String t : cfg.topics()) {
          Ledger.Applied a = ledger.latest(w, t);
          if (a == null || a.revision() < finals.get(t)) {
            return false;
          }
        }
      }
      return true;
    });
    List<Long> times = new ArrayList<>();
    for (WorkerProcess w : workers) {
      for (String t : cfg.topics()) {
        Ledger.Applied a = ledger.latest(w, t);
        if (a == null || a.revision() != finals.get(t)) {
          ledger.violation(w + " did not converge on " + t + ": holds "
              + (a == null ? "nothing" : "r" + a.revision()) + ", final r" + finals.get(t));
          continue;
        }
        long took = Math.max(0, a.nanos() - truth.lastWriteNanos(t));
        times.add(took);
        if (took > cfg.convergence().toNanos()) {
          ledger.violation(w + " converged on " + t + " " + took / 1_000_000
              + " ms after its last write, bound " + cfg.convergence().toMillis() + " ms");
        }
      }
    }
    return times;
  }

  private void checkFinalFiles(FileStorageBackend files, Map<String, Long> finals) {
    for (String t : cfg.topics()) {
      long[] seen = {-1};
      boolean ok = await(30, () -> {
        seen[0] = fileRevision(files, t);
        return seen[0] == finals.get(t);
      });
      if (!ok) {
        ledger.violation("the file of " + t + " holds r" + seen[0] + ", final r" + finals.get(t));
      }
    }
  }

  /** The stored revision of a topic, -1 if absent; a record that fails to decode is recorded. */
  private long fileRevision(FileStorageBackend files, String topic) {
    Optional<byte[]> bytes = files.read(topic).toCompletableFuture().join();
    fileReads.incrementAndGet();
    if (bytes.isEmpty()) {
      return -1;
    }
    try {
      DecodedRecord r = RecordFormat.decode(bytes.get(), topic, Limits.defaults());
      long revision = r.header().revision().unsignedBits();
      long value = JSON.readTree(r.payload()).path("value").asLong(-1);
      if (value != revision) {
        ledger.violation("the file of " + topic + " holds value " + value + " as r" + revision);
      }
      return revision;
    } catch (CorruptRecordException | UnsupportedRecordException | IOException e) {
      ledger.violation("the file of " + topic + " did not decode (torn?): " + e);
      return -1;
    }
  }

  private void pollFiles(FileStorageBackend files, Map<String, Long> highest) {
    while (polling) {
      for (String t : cfg.topics()) {
        long r = fileRevision(files, t);
        long before = highest.getOrDefault(t, -1L);
        if (r < before) {
          ledger.violation("the file of " + t + " went back from r" + before + " to r" + r);
        }
        highest.put(t, Math.max(r, before));
      }
      LockSupport.parkNanos(20_000_000L);
    }
  }

  private void report(int kills, int hubKills, long writes, Map<String, Long> finals,
      List<Long> convergence) {
    List<Long> failovers = ledger.failoverNanos();
    OUT.println();
    OUT.println("== chaos report ==");
    OUT.printf("processes: %d; topics: %d; duration: %d s%n", cfg.processes(),
        cfg.topics().size(), cfg.duration().toSeconds());
    OUT.printf("kills: %d (hub %d, other %d); restarts: %d%n", kills, hubKills,
        kills - hubKills, kills);
    OUT.printf("writes: %d; final revisions: %s%n", writes, finals);
    OUT.printf("applies: %d by origin %s%n", ledger.applies(), ledger.appliesByOrigin());
    OUT.printf("failovers: %d measured of %d hub kills; p50 %s, p99 %s, max %s%n",
        failovers.size(), hubKills, ms(failovers, 50), ms(failovers, 99), ms(failovers, 100));
    OUT.printf("convergence after each topic's last write: %d process-topics; p50 %s, max %s "
        + "(bound %d ms)%n", convergence.size(), ms(convergence, 50), ms(convergence, 100),
        cfg.convergence().toMillis());
    OUT.printf("persisted files: %d reads, every one decoded and none went back unless listed "
        + "below%n", fileReads.get());
    OUT.printf("violations: %d%n", ledger.violationCount());
    for (String v : ledger.violations()) {
      OUT.println("  VIOLATION " + v);
    }
    OUT.println(ledger.violationCount() == 0 ? "RESULT: PASS" : "RESULT: FAIL");
  }

  private static String ms(List<Long> nanos, int percentile) {
    if (nanos.isEmpty()) {
      return "n/a";
    }
    List<Long> s = new ArrayList<>(nanos);
    Collections.sort(s);
    int i = (int) Math.ceil(percentile / 100.0 * s.size()) - 1;
    return String.format("%.1f ms", s.get(Math.max(0, Math.min(i, s.size() - 1))) / 1e6);
  }
}
