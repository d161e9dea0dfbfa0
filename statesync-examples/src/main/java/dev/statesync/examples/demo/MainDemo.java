package dev.statesync.examples.demo;

import com.fasterxml.jackson.databind.JsonNode;
import dev.statesync.core.SnapshotEnvelope;
import dev.statesync.examples.support.ChildProcess;
import dev.statesync.examples.support.ChildProcess.ChildFailedException;
import dev.statesync.examples.support.Settings;
import dev.statesync.examples.support.SettingsBackend;
import dev.statesync.examples.support.TempDir;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The main demo: an embedded source of truth (HTTP + SSE) in this process and three "window"
 * JVMs ({@code main}, {@code settings}, {@code reader}, see {@link DemoWindow}), each with the
 * tagged console logger, file-backed persistence and cross-process save sync.
 *
 * <p>The scripted scenario: a write in one window reaches the others while the writer drops its
 * own echo without a fetch; a burst of 100 writes costs each window only a few fetches; the
 * leader window is killed with {@code kill -9} and another one takes over (timed); the killed
 * window restarts, shows its last state from disk at once, then catches up; a live text stream
 * from {@code main} appears in {@code reader} as it is produced. It ends with a table per window
 * and {@code converged}, and exits 0 only if every window converged on the source.
 *
 * <p>Run it with {@code ./mvnw -q -Pdemo -DskipTests verify}. Every wait is bounded; a wait that
 * fails ends the demo with {@code FAILED: <what>} and exit code 1.
 */
public final class MainDemo {
  static final List<String> WINDOWS = List.of("main", "settings", "reader");
  static final String STREAM_TEXT =
      "statesync keeps every window in step with one source of truth";
  /** Bound of the controller's waits; longer than the windows' own, so theirs report first. */
  private static final Duration WAIT = Duration.ofSeconds(40);
  private static final int WINDOW_WAIT_S = 30;
  private static final int WIDTH = 80;

  private final PrintStream out;
  private final SettingsBackend backend;
  private final TempDir work;
  private final Map<String, ChildProcess> windows = new LinkedHashMap<>();
  private volatile boolean echo = true;

  private MainDemo(PrintStream out, SettingsBackend backend, TempDir work) {
    this.out = out;
    this.backend = backend;
    this.work = work;
  }

  /** Runs the demo; exits 0 if every window converged, 1 otherwise. */
  public static void main(String[] args) {
    System.exit(run(System.out) ? 0 : 1);
  }

  /** Runs the demo, printing to {@code out}; returns true if every window converged. */
  public static boolean run(PrintStream out) {
    long started = System.nanoTime();
    try (TempDir work = TempDir.create("ssdemo-");
        SettingsBackend backend = SettingsBackend.start(Settings.defaults())) {
      MainDemo demo = new MainDemo(out, backend, work);
      try {
        boolean converged = demo.scenario();
        out.printf("(%.1f s)%n", (System.nanoTime() - started) / 1e9);
        return converged;
      } catch (ChildFailedException e) {
        out.println("FAILED: " + e.getMessage());
        return false;
      } finally {
        demo.echo = false;
        demo.windows.values().forEach(ChildProcess::close);
      }
    }
  }

  private boolean scenario() {
    headline("0. Backend " + backend.baseUri() + " holds revision 1 ("
        + backend.current().data() + ")");

    headline("1. Three window JVMs start: disk cache, then fetch");
    ChildProcess first = launch("main");
    first.awaitReport("ready", WAIT);
    first.awaitReport("leader", WAIT); // the first window leads; the others queue behind it
    List<ChildProcess> others = WINDOWS.stream().skip(1).map(this::launch).toList();
    others.forEach(w -> w.awaitReport("ready", WAIT));
    for (String id : WINDOWS) {
      JsonNode h = windows.get(id).awaitReport("hydrated", WAIT);
      JsonNode r = windows.get(id).awaitReport("ready", WAIT);
      note(String.format("%-8s disk: %s at %d ms; fetched revision %s at %d ms", id,
          h.path("outcome").asText().toLowerCase().replace('_', ' '), h.path("ms").asLong(),
          r.path("revision").asText(), r.path("ms").asLong()));
    }
    note("'main' leads: it holds the host's one SSE connection (SseCoordinator),");
    note("the others get its events over the host channel; backend SSE streams: "
        + backend.eventStreamsOpened());

    headline("2. 'settings' writes; the others follow, it drops its own echo");
    ChildProcess settings = windows.get("settings");
    JsonNode was = settings.request("stats", WAIT);
    String rev = settings.request("write dark 14", WAIT).path("revision").asText();
    awaitAll(rev);
    // The echo is the backend's invalidation of this very write, back over SSE.
    JsonNode s = settings.request("awaitStat eventsReceived "
        + (was.path("eventsReceived").asLong() + 1) + " " + WINDOW_WAIT_S, WAIT);
    note("'settings' applied its write response (OFFER); its echo came back");
    note(String.format("and was dropped %s: %d fetches",
        s.path("droppedSelf").asLong() > was.path("droppedSelf").asLong()
            ? "by sourceId" : "by the revision gate",
        s.path("fetches").asLong() - was.path("fetches").asLong()));

    headline("3. 'main' writes 100 times at once (debug lines muted)");
    Map<String, JsonNode> before = statsOfAll();
    windows.values().forEach(w -> w.request("log off", WAIT));
    JsonNode burst = windows.get("main").request("burst 100 dark", WAIT);
    rev = burst.path("revision").asText();
    awaitAll(rev);
    windows.values().forEach(w -> w.request("log on", WAIT));
    long reads = backend.snapshotReads();
    for (Map.Entry<String, JsonNode> e : statsOfAll().entrySet()) {
      JsonNode b = before.get(e.getKey());
      JsonNode a = e.getValue();
      note(String.format("%-8s %2d fetches, %3d peer saves applied, %3d stale dropped",
          e.getKey(), a.path("fetches").asLong() - b.path("fetches").asLong(),
          a.path("peerApplied").asLong() - b.path("peerApplied").asLong(),
          a.path("droppedStale").asLong() - b.path("droppedStale").asLong()));
    }
    note("the 100 writes took " + burst.path("ms").asLong() + " ms; snapshot reads since the"
        + " start: " + reads);

    headline("4. 'main' streams text live; 'reader' mirrors it as it is produced");
    windows.get("main").request("stream " + STREAM_TEXT, WAIT);
    JsonNode done = windows.get("reader").awaitReport("streamDone", WAIT);
    boolean streamOk = STREAM_TEXT.equals(done.path("text").asText());
    note(streamOk ? "'reader' holds the same text, status " + done.path("status").asText()
        : "'reader' holds different text: " + done.path("text").asText());

    headline("5. kill -9 the leader; another window takes the SSE stream over");
    String leaderId = leader();
    ChildProcess old = windows.remove(leaderId);
    long killedAt = DemoWindow.nowMicros();
    old.kill9(WAIT);
    List<ChildProcess> rest = new ArrayList<>(windows.values());
    ChildProcess next = ChildProcess.awaitAny(rest,
        r -> r.path("type").asText().equals("leader") && r.path("atMicros").asLong() > killedAt,
        WAIT, "a new leader");
    long tookOver = next.awaitReport("leader", WAIT).path("atMicros").asLong();
    note(String.format("killed '%s' (pid %d); '%s' leads and holds a new SSE", leaderId,
        old.pid(), next.name()));
    note(String.format("connection %.1f ms later (SSE streams opened in all: %d)",
        (tookOver - killedAt) / 1000.0, backend.eventStreamsOpened()));
    rev = windows.get("reader").request("write solarized 16", WAIT).path("revision").asText();
    awaitAll(rev);
    note("a write from 'reader' reaches the survivors: revision " + rev);

    headline("6. '" + leaderId + "' restarts: its last state from disk, then catches up");
    ChildProcess again = launch(leaderId);
    JsonNode hydrated = again.awaitReport("hydrated", WAIT);
    JsonNode ready = again.awaitReport("ready", WAIT);
    note(String.format("disk: revision %s (%s) shown %d ms after JVM start",
        hydrated.path("revision").asText(), hydrated.path("shown").asText(),
        hydrated.path("ms").asLong()));
    note(String.format("then: revision %s (%s) at %d ms, from the backend",
        ready.path("revision").asText(), ready.path("shown").asText(), ready.path("ms").asLong()));

    headline("7. Result");
    return table() && streamOk;
  }

  /** Prints the table; true if every window shows the source's revision and data. */
  private boolean table() {
    SnapshotEnvelope<Settings> truth = backend.current();
    awaitAll(truth.revision().toString());
    out.printf("%-9s %8s %-14s %7s %7s %7s %6s %6s%n", "window", "revision", "shown", "applies",
        "fetches", "stale", "self", "leader");
    List<String> behind = new ArrayList<>();
    for (Map.Entry<String, JsonNode> e : statsOfAll().entrySet()) {
      JsonNode s = e.getValue();
      out.printf("%-9s %8s %-14s %7d %7d %7d %6d %6s%n", e.getKey(), s.path("revision").asText(),
          s.path("shown").asText(), s.path("applies").asLong(), s.path("fetches").asLong(),
          s.path("droppedStale").asLong(), s.path("droppedSelf").asLong(),
          s.path("leader").asBoolean() ? "yes" : "");
      if (!s.path("revision").asText().equals(truth.revision().toString())
          || !s.path("shown").asText().equals(truth.data().toString())) {
        behind.add(e.getKey() + " at " + s.path("revision").asText());
      }
    }
    out.printf("%-9s %8s %-14s%n", "backend", truth.revision(), truth.data());
    if (behind.isEmpty()) {
      out.println("converged");
      return true;
    }
    out.println("NOT converged: " + String.join(", ", behind) + ", source at "
        + truth.revision());
    return false;
  }

  private ChildProcess launch(String id) {
    Path storage = work.path().resolve("windows").resolve(id);
    ChildProcess c = ChildProcess.start(id, DemoWindow.class,
        List.of("-Dstatesync.runtimeDir=" + work.runtimeDir()),
        List.of(id, backend.snapshotUri().toString(), backend.eventsUri().toString(),
            storage.toString()),
        this::print);
    windows.put(id, c);
    return c;
  }

  /** Waits until every window shows at least {@code revision}; fails the demo otherwise. */
  private void awaitAll(String revision) {
    for (ChildProcess w : windows.values()) {
      JsonNode a = w.request("await " + revision + " " + WINDOW_WAIT_S, WAIT);
      if (!a.path("reached").asBoolean()) {
        throw new ChildFailedException("'" + w.name() + "' did not reach revision " + revision
            + " within " + WINDOW_WAIT_S + " s; it is at " + a.path("revision").asText());
      }
    }
  }

  private Map<String, JsonNode> statsOfAll() {
    Map<String, JsonNode> stats = new LinkedHashMap<>();
    windows.values().stream().sorted(Comparator.comparing(w -> WINDOWS.indexOf(w.name())))
        .forEach(w -> stats.put(w.name(), w.request("stats", WAIT)));
    return stats;
  }

  private String leader() {
    return statsOfAll().entrySet().stream().filter(e -> e.getValue().path("leader").asBoolean())
        .map(Map.Entry::getKey).findFirst()
        .orElseThrow(() -> new ChildFailedException("no window leads the election"));
  }

  private void headline(String text) {
    synchronized (out) {
      out.println();
      out.println(fit("== " + text));
    }
  }

  private void note(String text) {
    synchronized (out) {
      out.println(fit("   " + text));
    }
  }

  private void print(String line) {
    if (!echo) {
      return;
    }
    synchronized (out) {
      out.println(fit(line));
    }
  }

  static String fit(String line) {
    return line.length() <= WIDTH ? line : line.substring(0, WIDTH - 1) + "…";
  }
}
