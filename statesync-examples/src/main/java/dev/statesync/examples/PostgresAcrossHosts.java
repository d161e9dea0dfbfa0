package dev.statesync.examples;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.statesync.core.ApplyOrigin;
import dev.statesync.core.Revision;
import dev.statesync.core.RevisionSyncHandle;
import dev.statesync.core.RevisionSyncOptions;
import dev.statesync.core.SnapshotApplier;
import dev.statesync.core.SnapshotEnvelope;
import dev.statesync.core.StateSync;
import dev.statesync.core.SyncStats;
import dev.statesync.examples.support.ChildProcess;
import dev.statesync.examples.support.ChildProcess.ChildFailedException;
import dev.statesync.examples.support.CommandLoop;
import dev.statesync.examples.support.Reports;
import dev.statesync.examples.support.Settings;
import dev.statesync.postgres.PostgresInvalidationSubscriber;
import dev.statesync.postgres.PostgresSnapshotProvider;
import dev.statesync.postgres.PostgresStateStore;
import java.io.PrintStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;

/**
 * Recipe: PostgreSQL across "hosts".
 *
 * <p>Three JVMs play three hosts of a fleet ({@code host-a}, {@code host-b}, {@code host-c}; this
 * class, started with {@code host}). They share nothing but the database: each has a
 * {@link PostgresStateStore} for compare-and-set writes, a {@link PostgresInvalidationSubscriber}
 * (its own {@code LISTEN} connection) and a {@link PostgresSnapshotProvider} reading the row. A
 * write raises the row's revision and sends {@code NOTIFY} in the same transaction; every other
 * host hears it at commit, fetches the row through its revision gate and converges. The writer
 * offers its write response, so its own hint (same {@code sourceId}) costs it no fetch.
 *
 * <p>The script: one host writes and the others follow; all three increment the font size ten
 * times at once (conflicting compare-and-sets are retried, so no update is lost); a host is killed
 * with {@code kill -9}, another writes meanwhile, and the restarted host reads the row at start.
 *
 * <p>Arguments: {@code <jdbcUrl> [table]} (default table {@value #DEFAULT_TABLE}, created if
 * missing; the topic is {@code settings}). Revisions are printed relative to nothing: a rerun
 * against the same table continues from the row's revision.
 */
public final class PostgresAcrossHosts {
  static final String DEFAULT_TABLE = "statesync_examples";
  static final String TOPIC = "settings";
  static final List<String> HOSTS = List.of("host-a", "host-b", "host-c");
  private static final Duration WAIT = Duration.ofSeconds(40);
  private static final int HOST_WAIT_S = 30;

  private PostgresAcrossHosts() {}

  /** Runs the example, or a host when the first argument is {@code host}. */
  public static void main(String[] args) {
    if (args.length > 0 && args[0].equals("host")) {
      host(args[1], args[2], args[3]);
      return;
    }
    if (args.length < 1 || args.length > 2) {
      System.err.println("usage: PostgresAcrossHosts <jdbcUrl> [table]");
      System.exit(2);
    }
    System.exit(run(System.out, args[0], args.length > 1 ? args[1] : DEFAULT_TABLE) ? 0 : 1);
  }

  /**
   * Runs the example against the database at {@code jdbcUrl}, printing to {@code out}; true if
   * every host converged on the row and no update was lost.
   */
  public static boolean run(PrintStream out, String jdbcUrl, String table) {
    PostgresStateStore store = store(jdbcUrl, table, "example");
    SnapshotEnvelope<Settings> seed =
        store.update(TOPIC, Settings.class, s -> s != null ? s : Settings.defaults());
    Map<String, ChildProcess> hosts = new LinkedHashMap<>();
    try {
      out.println("== 1. Three hosts start: LISTEN, then read the row (revision "
          + seed.revision() + ", " + seed.data() + ")");
      HOSTS.forEach(h -> hosts.put(h, start(h, jdbcUrl, table, out)));
      for (ChildProcess h : hosts.values()) {
        h.awaitReport("ready", WAIT);
      }

      out.println("== 2. host-a writes dark/14; the others hear NOTIFY and fetch");
      String rev = hosts.get("host-a").request("write dark 14", WAIT).path("revision").asText();
      awaitAll(hosts, rev);

      out.println("== 3. Every host increments the font size 10 times, all at once");
      hosts.values().forEach(h -> h.request("log off", WAIT));
      Settings before = store.read(TOPIC, Settings.class).orElseThrow().data();
      // Sent to all three before any answer is awaited, so their compare-and-sets race.
      List<CompletableFuture<JsonNode>> bumps = hosts.values().stream()
          .map(h -> CompletableFuture.supplyAsync(() -> h.request("bump 10", WAIT)))
          .toList();
      try {
        bumps.forEach(CompletableFuture::join);
      } catch (CompletionException e) {
        throw e.getCause() instanceof ChildFailedException c ? c : e;
      }
      SnapshotEnvelope<Settings> after = store.read(TOPIC, Settings.class).orElseThrow();
      awaitAll(hosts, after.revision().toString());
      hosts.values().forEach(h -> h.request("log on", WAIT));
      boolean noneLost = after.data().fontSize() == before.fontSize() + 30;
      out.printf("   30 updates: font size %d -> %d, revision %s; %s%n", before.fontSize(),
          after.data().fontSize(), after.revision(), noneLost ? "none lost" : "SOME LOST");

      out.println("== 4. kill -9 host-c; host-b writes meanwhile; host-c restarts");
      hosts.remove("host-c").kill9(WAIT);
      rev = hosts.get("host-b").request("write solarized 16", WAIT).path("revision").asText();
      hosts.put("host-c", start("host-c", jdbcUrl, table, out));
      JsonNode ready = hosts.get("host-c").awaitReport("ready", WAIT);
      out.println("   host-c read revision " + ready.path("revision").asText() + " at start ("
          + ready.path("shown").asText() + ")");
      awaitAll(hosts, rev);

      out.println("== 5. Result");
      return table(out, hosts, store) && noneLost;
    } catch (ChildFailedException e) {
      out.println("FAILED: " + e.getMessage());
      return false;
    } finally {
      hosts.values().forEach(ChildProcess::close);
    }
  }

  private static boolean table(PrintStream out, Map<String, ChildProcess> hosts,
      PostgresStateStore store) {
    SnapshotEnvelope<Settings> truth = store.read(TOPIC, Settings.class).orElseThrow();
    out.printf("%-8s %8s %-14s %7s %7s %6s %6s%n", "host", "revision", "shown", "applies",
        "fetches", "stale", "self");
    List<String> behind = new ArrayList<>();
    for (Map.Entry<String, ChildProcess> e : hosts.entrySet()) {
      JsonNode s = e.getValue().request("stats", WAIT);
      out.printf("%-8s %8s %-14s %7d %7d %6d %6d%n", e.getKey(), s.path("revision").asText(),
          s.path("shown").asText(), s.path("applies").asLong(), s.path("fetches").asLong(),
          s.path("droppedStale").asLong(), s.path("droppedSelf").asLong());
      if (!s.path("revision").asText().equals(truth.revision().toString())
          || !s.path("shown").asText().equals(truth.data().toString())) {
        behind.add(e.getKey() + " at " + s.path("revision").asText());
      }
    }
    out.printf("%-8s %8s %s%n", "database", truth.revision(), truth.data());
    out.println(behind.isEmpty() ? "converged" : "NOT converged: " + String.join(", ", behind));
    return behind.isEmpty();
  }

  private static void awaitAll(Map<String, ChildProcess> hosts, String revision) {
    for (ChildProcess h : hosts.values()) {
      JsonNode r = h.request("await " + revision + " " + HOST_WAIT_S, WAIT);
      if (!r.path("reached").asBoolean()) {
        throw new ChildFailedException(h.name() + " did not reach revision " + revision
            + "; it shows " + r.path("revision").asText());
      }
    }
  }

  private static ChildProcess start(String name, String jdbcUrl, String table, PrintStream out) {
    return ChildProcess.start(name, PostgresAcrossHosts.class, List.of(),
        List.of("host", name, jdbcUrl, table), out::println);
  }

  /**
   * A store on {@code table}, whose hints go to the channel named after the table; many retries,
   * since three hosts race on one row.
   */
  private static PostgresStateStore store(String jdbcUrl, String table, String sourceId) {
    return PostgresStateStore.builder().jdbcUrl(jdbcUrl).tableName(table).channel(table)
        .sourceId(sourceId).maxUpdateAttempts(100).build();
  }

  /** What a host shows, with a bounded wait for a revision. */
  private static final class Shown {
    private SnapshotEnvelope<Settings> current;

    synchronized void show(SnapshotEnvelope<Settings> envelope) {
      current = envelope;
      notifyAll();
    }

    synchronized SnapshotEnvelope<Settings> current() {
      return current;
    }

    synchronized boolean await(Revision target, Duration timeout) throws InterruptedException {
      long deadline = System.nanoTime() + timeout.toNanos();
      while (current == null || current.revision().compareTo(target) < 0) {
        long left = deadline - System.nanoTime();
        if (left <= 0) {
          return false;
        }
        TimeUnit.NANOSECONDS.timedWait(this, left);
      }
      return true;
    }
  }

  /** One host: its own LISTEN connection, its own reads and writes; nothing shared but the row. */
  private static void host(String name, String jdbcUrl, String table) {
    Reports reports = new Reports(System.out);
    Shown shown = new Shown();
    PostgresStateStore store = store(jdbcUrl, table, name);
    boolean[] print = {true};
    try (PostgresInvalidationSubscriber listener = PostgresInvalidationSubscriber.builder()
            .jdbcUrl(jdbcUrl).channel(table).build();
        RevisionSyncHandle<Settings> sync = StateSync.createRevisionSync(
            RevisionSyncOptions.<Settings>builder()
                .topic(TOPIC)
                .sourceId(name)
                .ignoreOwnEvents(true) // safe: every write of this host offers its response
                .subscriber(listener)
                .provider(PostgresSnapshotProvider.of(store, TOPIC, Settings.class))
                .applier(SnapshotApplier.of(env -> {
                  shown.show(env);
                  synchronized (print) {
                    if (print[0]) {
                      System.out.printf("[%s] shows %s (revision %s)%n", name, env.data(),
                          env.revision());
                    }
                  }
                }))
                .build())) {
      sync.start().join();
      reports.send(stats(reports.of("ready"), sync, shown));
      CommandLoop.serve(reports, (verb, args, answer) -> {
        switch (verb) {
          case "write" -> {
            SnapshotEnvelope<Settings> written = store.update(TOPIC, Settings.class,
                s -> new Settings(args[0], Integer.parseInt(args[1])));
            sync.offer(written, ApplyOrigin.OFFER).join();
            answer.put("revision", written.revision().toString());
          }
          case "bump" -> {
            SnapshotEnvelope<Settings> written = null;
            for (int i = 0; i < Integer.parseInt(args[0]); i++) {
              // Read, add one, compare-and-set; on a conflict, read again and retry.
              written = store.update(TOPIC, Settings.class,
                  s -> new Settings(s.theme(), s.fontSize() + 1));
              sync.offer(written, ApplyOrigin.OFFER);
            }
            answer.put("revision", String.valueOf(written == null ? null : written.revision()));
          }
          case "await" -> answer.put("reached", shown.await(Revision.parse(args[0]),
              Duration.ofSeconds(Long.parseLong(args[1])))).put("revision",
              sync.localRevision().toString());
          case "stats" -> stats(answer, sync, shown);
          case "log" -> {
            synchronized (print) {
              print[0] = args[0].equals("on");
            }
          }
          default -> throw new IllegalArgumentException("unknown command " + verb);
        }
      });
    }
  }

  private static ObjectNode stats(ObjectNode report, RevisionSyncHandle<Settings> sync,
      Shown shown) {
    SyncStats s = sync.stats();
    SnapshotEnvelope<Settings> current = shown.current();
    return report.put("revision", s.localRevision().toString())
        .put("shown", String.valueOf(current == null ? null : current.data()))
        .put("applies", s.applies())
        .put("fetches", s.fetches())
        .put("droppedStale", s.droppedStale())
        .put("droppedSelf", s.droppedSelf());
  }
}
