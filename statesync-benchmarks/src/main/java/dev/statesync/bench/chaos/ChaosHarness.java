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
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;

/**
 * The chaos harness of issue 9. N worker JVMs ({@link ChaosWorker}) sync topics from one or two
 * sources of truth: HTTP and SSE from a server run by this controller ({@link TruthServer}),
 * and/or a PostgreSQL table ({@link PostgresTruth}, {@code --source postgres|both} with
 * {@code --pg-url}). Each worker subscribes itself ({@code --coordination direct}), or only the
 * host leader of each source holds the upstream connection and the others follow over the host
 * channel ({@code --coordination host}). File persistence goes to one shared directory, with
 * cross-process save sync over the host channel. Several workers write continuously; every
 * {@code --kill-every-ms} a worker is killed with {@code kill -9} (a leader at least every other
 * time: the channel's hub, and in host mode by turns the upstream leader of each source) and
 * restarted. Checked throughout: no process applies a revision lower than or equal to one it
 * applied in the same epoch, every applied value belongs to its revision, the shared record files
 * always decode and never go back, and in host mode no two live processes hold an upstream
 * connection to one source at once. Checked at the end: every process holds the final revision of
 * every topic within {@code --convergence-ms} of the last write, and so does every file. Prints a
 * report; exits 0 when nothing was violated, 1 otherwise, 2 on bad arguments or a PostgreSQL
 * server it cannot set up its table on.
 *
 * <p>Run: {@code java -cp statesync-benchmarks/target/benchmarks.jar
 * dev.statesync.bench.chaos.ChaosHarness [flags]}; see {@link ChaosConfig#USAGE}.
 */
public final class ChaosHarness {
  private static final PrintStream OUT = new PrintStream(System.out, true, StandardCharsets.UTF_8);
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final int PAD_BYTES = 256;

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
    OUT.printf("statesync chaos run: %d processes, source %s, coordination %s, topics %s, %d "
        + "writers every %d ms, kill -9 every %d ms for %d s, seed %d, %d cores, dir %s%n",
        cfg.processes(), cfg.sourceName(), cfg.hostCoordinated() ? "host" : "direct",
        cfg.topics(), cfg.writers(), cfg.writeInterval().toMillis(), cfg.killEvery().toMillis(),
        cfg.duration().toSeconds(), cfg.seed(), Runtime.getRuntime().availableProcessors(),
        cfg.dir());
    Path storage = Files.createDirectories(cfg.dir().resolve("storage"));
    Path runtime = cfg.dir().resolve("rt");
    Path log = cfg.dir().resolve("workers.log");
    SplittableRandom random = new SplittableRandom(cfg.seed());
    // Names this run's PostgreSQL table and connections: lower-case hex, unique per run.
    String tag = Long.toHexString(ProcessHandle.current().pid()) + "_"
        + Long.toHexString(System.currentTimeMillis());
    List<String> httpTopics = topicsOf(SourceKind.HTTP);
    List<String> pgTopics = topicsOf(SourceKind.POSTGRES);
    WorkerProcess[] workers = new WorkerProcess[cfg.processes()];
    UpstreamWatch upstreams = new UpstreamWatch(cfg.hostCoordinated(), ledger);
    List<String> leaderRoles = new ArrayList<>(List.of(Ledger.HUB));
    if (cfg.hostCoordinated()) {
      for (SourceKind k : cfg.sources()) {
        leaderRoles.add(Ledger.upstream(k));
      }
    }
    Map<String, Integer> killsByRole = new TreeMap<>();
    Map<String, Integer> noLeaderKnown = new TreeMap<>();
    List<Double> loads = new ArrayList<>();
    int kills = 0;
    int leaderKills = 0;
    int streamerKills = 0;
    TruthServer truth = null;
    PostgresTruth pg = null;
    try {
      if (!httpTopics.isEmpty()) {
        truth = new TruthServer(httpTopics, PAD_BYTES);
        upstreams.watch(SourceKind.HTTP, truth::streamPids);
      }
      if (!pgTopics.isEmpty()) {
        try {
          pg = new PostgresTruth(cfg.pgUrl().orElseThrow(), tag, pgTopics,
              "p".repeat(PAD_BYTES));
        } catch (SQLException | RuntimeException e) {
          // The URL may hold a password: the message names the server, not the URL.
          System.err.println("cannot set up the PostgreSQL source of --pg-url (a role that may "
              + "create a table is needed): " + rootMessage(e));
          return 2;
        }
        upstreams.watch(SourceKind.POSTGRES, pg::listenerPids);
      }
      Sources src = new Sources(truth, pg, tag, storage, runtime, log);
      for (int i = 0; i < workers.length; i++) {
        workers[i] = start(src, upstreams, i, 0, random);
      }
      if (!awaitReady(workers, 120)) {
        return abort(workers, "the workers did not all start within 120 s; see " + log);
      }
      upstreams.start();
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
        loads.add(loadAverage());
        String role = kills % 2 == 0 ? leaderRoles.get(kills / 2 % leaderRoles.size()) : null;
        // Every third random kill takes the stream source, so that its mirrors see it die.
        boolean streamerTurn = cfg.streams() && kills % 6 == 1;
        if (role != null && ledger.holder(role) == null) {
          // The last failover has not been reported yet (loaded cores); the leader's turn waits.
          await(20, () -> ledger.holder(role) != null);
          next = Math.max(next, System.nanoTime());
          if (ledger.holder(role) == null) {
            noLeaderKnown.merge(role, 1, Integer::sum);
          }
        }
        WorkerProcess leader = role == null ? null : ledger.holder(role);
        WorkerProcess victim = leader != null ? leader : streamerTurn ? workers[streamer()]
            : workers[random.nextInt(workers.length)];
        long now = System.nanoTime();
        if (cfg.streams() && victim.index == streamer()) {
          ledger.streamerKilled(victim.pid, now);
          streamerKills++;
        }
        boolean wasLeader = false;
        for (String r : leaderRoles) {
          if (ledger.killing(r, victim, now)) {
            killsByRole.merge(r, 1, Integer::sum);
            wasLeader = true;
          }
        }
        if (wasLeader) {
          leaderKills++;
        }
        victim.kill9();
        kills++;
        workers[victim.index] = start(src, upstreams, victim.index, victim.incarnation + 1,
            random);
      }
      OUT.printf("chaos phase over after %d kills; waiting for every process to run%n", kills);
      if (!awaitReady(workers, 120)) {
        return abort(workers, "restarted workers did not all start within 120 s; see " + log);
      }
      // Every process is now live; keep writing briefly so the final writes reach all of them.
      parkUntil(System.nanoTime() + TimeUnit.SECONDS.toNanos(2));
      Map<String, Long> lastWrite = new HashMap<>();
      Map<String, Long> finals = stopWrites(workers, truth, pg, httpTopics, pgTopics, lastWrite);
      long writes = 0;
      for (long f : finals.values()) {
        writes += f - 1;
      }
      List<Long> convergence = checkConvergence(workers, finals, lastWrite);
      checkFinalFiles(files, finals);
      long[] streamEnds = {0, 0};
      if (cfg.streams()) {
        checkMirrors(workers);
        // Before the final kills: a mirror still running must have shown each lost stream end.
        streamEnds = ledger.checkStreamEnds();
      }
      polling = false;
      poller.join(10_000);
      upstreams.stop();
      for (WorkerProcess w : workers) {
        w.kill9();
      }
      for (Map.Entry<String, Integer> e : noLeaderKnown.entrySet()) {
        ledger.violation(e.getValue() + " times no " + e.getKey() + " leader was known when it "
            + "was its turn to be killed (no report within 20 s)");
      }
      report(kills, leaderKills, killsByRole, leaderRoles, writes, finals, convergence,
          upstreams.figures(), loads, streamerKills, streamEnds);
      return ledger.violationCount() == 0 ? 0 : 1;
    } finally {
      upstreams.stop();
      for (WorkerProcess w : workers) {
        if (w != null && w.alive()) {
          w.process.destroyForcibly();
        }
      }
      if (truth != null) {
        truth.close();
      }
      if (pg != null) {
        try {
          pg.close();
        } catch (SQLException | RuntimeException e) {
          System.err.println("could not drop the run's table " + pg.table() + ": " + e);
        }
      }
    }
  }

  /** What a worker is started with, besides its index and seed. */
  private record Sources(TruthServer truth, PostgresTruth pg, String tag, Path storage,
      Path runtime, Path log) {}

  private List<String> topicsOf(SourceKind kind) {
    List<String> topics = new ArrayList<>();
    for (Lane l : cfg.lanes()) {
      if (l.source() == kind) {
        topics.add(l.topic());
      }
    }
    return topics;
  }

  private WorkerProcess start(Sources src, UpstreamWatch upstreams, int index, int incarnation,
      SplittableRandom random) throws IOException {
    long interval = index < cfg.writers() ? cfg.writeInterval().toMillis() : 0;
    List<String> lanes = new ArrayList<>();
    for (Lane l : cfg.lanes()) {
      lanes.add(l.arg());
    }
    WorkerProcess w = WorkerProcess.start(index, incarnation, List.of(
        "--lanes", String.join(",", lanes),
        "--base", src.truth() == null ? "-" : src.truth().baseUri(),
        "--pg-url", src.pg() == null ? "-" : src.pg().url(),
        "--pg-table", src.pg() == null ? "-" : src.pg().table(),
        "--tag", src.tag(),
        "--storage", src.storage().toString(),
        "--runtime", src.runtime().toString(),
        "--write-ms", Long.toString(interval),
        "--seed", Long.toString(random.nextLong()),
        "--coordination", cfg.hostCoordinated() ? "host" : "direct",
        "--streams", !cfg.streams() ? "off" : index == streamer() ? "source" : "mirror"),
        ledger, src.log());
    upstreams.started(w);
    return w;
  }

  /**
   * Stops every writer and waits until each has stopped, then returns the final revision of
   * every topic and puts the time of its last write into {@code lastWrite}.
   */
  private Map<String, Long> stopWrites(WorkerProcess[] workers, TruthServer truth,
      PostgresTruth pg, List<String> httpTopics, List<String> pgTopics,
      Map<String, Long> lastWrite) {
    List<WorkerProcess> writers = new ArrayList<>();
    for (WorkerProcess w : workers) {
      if (w.index < cfg.writers()) {
        writers.add(w);
        w.send("stop");
      }
    }
    if (!await(60, () -> writers.stream().allMatch(w -> w.stopped))) {
      ledger.violation("writers did not all stop writing within 60 s");
    }
    Map<String, Long> finals = new TreeMap<>();
    if (truth != null) {
      finals.putAll(truth.stopWrites());
      for (String t : httpTopics) {
        lastWrite.put(t, truth.lastWriteNanos(t));
      }
    }
    if (pg != null) {
      Map<String, Long> rows = pg.revisions(pgTopics);
      finals.putAll(rows);
      for (String t : pgTopics) {
        Ledger.Write w = ledger.lastWrite(t);
        if (w != null && w.revision() == rows.get(t)) {
          lastWrite.put(t, w.nanos());
        } else if (rows.get(t) > 1) {
          // Every writer was alive for the last 2 s of writes, so each write was reported.
          ledger.violation("the last write of " + t + " (r" + rows.get(t) + ") was not reported;"
              + " latest reported " + (w == null ? "none" : "r" + w.revision()));
        }
      }
    }
    return finals;
  }

  private static String rootMessage(Throwable e) {
    Throwable t = e;
    while (t.getCause() != null && t.getCause() != t) {
      t = t.getCause();
    }
    return t == e ? String.valueOf(e.getMessage()) : e.getMessage() + " (" + t + ")";
  }

  /** The index of the worker that runs the stream source. */
  private int streamer() {
    return cfg.processes() - 1;
  }

  /**
   * Each mirror, asked for every stream it knows, must hold each stream of a killed source in a
   * terminal state, and must know a stream of the live source; each text is checked as a prefix
   * by the mirror itself ({@code mirror-bad}).
   */
  private void checkMirrors(WorkerProcess[] workers) {
    String live = ChaosStreams.sourceId(workers[streamer()].pid);
    for (WorkerProcess w : workers) {
      if (w.index == streamer()) {
        continue;
      }
      String[] last = {null};
      boolean ok = await(30, () -> {
        long before = ledger.streamListCount(w);
        w.send("streams");
        if (!await(5, () -> ledger.streamListCount(w) > before)) {
          return false;
        }
        last[0] = ledger.streamList(w);
        boolean followsLive = false;
        String[] parts = last[0].split(" ");
        for (int i = 1; i < parts.length; i++) {
          String[] f = parts[i].split("/");
          if (f[0].equals(live)) {
            followsLive = true;
          } else if (!ChaosStreams.terminal(f[2])) {
            return false;
          }
        }
        return followsLive;
      });
      if (!ok) {
        ledger.violation(w + " still shows a stream of a killed source as running, or no stream"
            + " of the live source " + live + ", after 30 s: " + last[0]);
      }
    }
  }

  private static double loadAverage() {
    try {
      return Double.parseDouble(Files.readString(Path.of("/proc/loadavg")).split(" ")[0]);
    } catch (IOException | RuntimeException e) {
      return Double.NaN;
    }
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
      Map<String, Long> lastWrite) {
    // Generous: the bound is checked on the apply timestamps, not on how long this waits.
    await(30, () -> {
      for (WorkerProcess w : workers) {
        for (String t : finals.keySet()) {
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
      for (String t : finals.keySet()) {
        Ledger.Applied a = ledger.latest(w, t);
        if (a == null || a.revision() != finals.get(t)) {
          ledger.violation(w + " did not converge on " + t + ": holds "
              + (a == null ? "nothing" : "r" + a.revision()) + ", final r" + finals.get(t));
          continue;
        }
        long took = Math.max(0, a.nanos() - lastWrite.getOrDefault(t, 0L));
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
    for (String t : finals.keySet()) {
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
      for (Lane lane : cfg.lanes()) {
        String t = lane.topic();
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

  private void report(int kills, int leaderKills, Map<String, Integer> killsByRole,
      List<String> leaderRoles, long writes, Map<String, Long> finals, List<Long> convergence,
      Map<SourceKind, UpstreamWatch.Figures> upstreams, List<Double> loads, int streamerKills,
      long[] awaited) {
    int hubKills = killsByRole.getOrDefault(Ledger.HUB, 0);
    List<Long> failovers = ledger.failoverNanos(Ledger.HUB);
    OUT.println();
    OUT.println("== chaos report ==");
    OUT.printf("processes: %d; source: %s; coordination: %s; topics: %d; duration: %d s%n",
        cfg.processes(), cfg.sourceName(), cfg.hostCoordinated() ? "host" : "direct",
        finals.size(), cfg.duration().toSeconds());
    int upstreamKills = 0;
    for (String r : leaderRoles) {
      upstreamKills += r.equals(Ledger.HUB) ? 0 : killsByRole.getOrDefault(r, 0);
    }
    OUT.printf("kills: %d (hub %d, upstream leader %d, hub or upstream leader %d, neither %d); "
        + "restarts: %d%n", kills, hubKills, upstreamKills, leaderKills, kills - leaderKills,
        kills);
    OUT.printf("writes: %d; final revisions: %s%n", writes, finals);
    OUT.printf("applies: %d by origin %s%n", ledger.applies(), ledger.appliesByOrigin());
    OUT.printf("failovers: %d measured of %d hub kills; p50 %s, p99 %s, max %s; %d over 1 s%n",
        failovers.size(), hubKills, ms(failovers, 50), ms(failovers, 99), ms(failovers, 100),
        over(failovers, 1000));
    for (String r : leaderRoles) {
      if (!r.equals(Ledger.HUB)) {
        List<Long> h = ledger.failoverNanos(r);
        OUT.printf("upstream handovers (%s): %d measured of %d leader kills; p50 %s, p99 %s, "
            + "max %s; %d over 1 s%n", r, h.size(), killsByRole.getOrDefault(r, 0), ms(h, 50),
            ms(h, 99), ms(h, 100), over(h, 1000));
      }
    }
    for (Map.Entry<SourceKind, UpstreamWatch.Figures> e : upstreams.entrySet()) {
      UpstreamWatch.Figures f = e.getValue();
      OUT.printf("upstream connections to %s: %d samples; at most %d live holders at once; %d "
          + "samples without a live holder; %s; %d failed samples%n",
          e.getKey().id, f.samples, f.maxLive, f.withoutHolder,
          cfg.hostCoordinated() ? f.overlaps + " with two or more (a violation in host mode)"
              : "each worker holds its own in direct mode", f.failedSamples);
    }
    OUT.printf("convergence after each topic's last write: %d process-topics; p50 %s, p99 %s, "
        + "max %s (bound %d ms)%n", convergence.size(), ms(convergence, 50), ms(convergence, 99),
        ms(convergence, 100), cfg.convergence().toMillis());
    if (cfg.streams()) {
      List<Long> ends = ledger.streamEndNanos();
      OUT.printf("relay streams: %d seen by mirrors; %d kills of the stream source; a mirror "
          + "showed the killed source's stream ended %d times, p50 %s, p99 %s, max %s after the "
          + "kill; of the mirrors showing it streaming at the kill, %d of %d showed it ended "
          + "(the others were killed first); %d ERROR states of streams whose source was not "
          + "killed; every mirror text a prefix of its stream's unless listed below%n",
          ledger.streamsSeen(), streamerKills, ends.size(), ms(ends, 50), ms(ends, 99),
          ms(ends, 100), awaited[1], awaited[0], ledger.errorsOfLiveSources());
    }
    OUT.printf("persisted files: %d reads, every one decoded and none went back unless listed "
        + "below%n", fileReads.get());
    List<Double> l = new ArrayList<>(loads);
    Collections.sort(l);
    OUT.printf("load average (1 min, /proc/loadavg at each kill): min %s, p50 %s, max %s%n",
        l.isEmpty() ? "n/a" : l.get(0), l.isEmpty() ? "n/a" : l.get(l.size() / 2),
        l.isEmpty() ? "n/a" : l.get(l.size() - 1));
    OUT.printf("violations: %d%n", ledger.violationCount());
    for (String v : ledger.violations()) {
      OUT.println("  VIOLATION " + v);
    }
    OUT.println(ledger.violationCount() == 0 ? "RESULT: PASS" : "RESULT: FAIL");
  }

  private static long over(List<Long> nanos, long millis) {
    return nanos.stream().filter(n -> n > millis * 1_000_000L).count();
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
