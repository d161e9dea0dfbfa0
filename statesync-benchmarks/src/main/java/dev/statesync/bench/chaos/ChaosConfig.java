package dev.statesync.bench.chaos;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Options of a chaos run, from command-line flags.
 *
 * @param processes worker JVMs (default 8)
 * @param duration how long processes are killed and restarted (default 60 s)
 * @param killEvery the time between two kills (default 2 s)
 * @param topics the synced topics of each source (default {@code settings,catalog})
 * @param writers how many workers write (default 3, at most processes)
 * @param writeInterval each writer's pause between writes (default 20 ms)
 * @param convergence the bound on convergence after the last write (default 1 s)
 * @param seed the seed of every random choice (default 1)
 * @param dir the work directory (default a fresh one under /tmp)
 * @param sources the sources of truth (default the HTTP one)
 * @param hostCoordinated whether workers share one upstream connection per source through the
 *     host coordinator's leader (default false: each worker subscribes itself)
 * @param pgUrl the JDBC URL of the PostgreSQL server, required when a source is PostgreSQL
 * @param streams whether the last worker broadcasts relay streams that the others mirror
 *     (default false)
 */
record ChaosConfig(int processes, Duration duration, Duration killEvery, List<String> topics,
    int writers, Duration writeInterval, Duration convergence, long seed, Path dir,
    Set<SourceKind> sources, boolean hostCoordinated, Optional<String> pgUrl, boolean streams) {

  static final String USAGE = "usage: ChaosHarness [--processes N] [--duration-s S] "
      + "[--kill-every-ms MS] [--topics a,b] [--writers N] [--write-interval-ms MS] "
      + "[--convergence-ms MS] [--seed N] [--dir PATH] [--source http|postgres|both] "
      + "[--coordination direct|host] [--pg-url JDBC_URL] [--streams on|off]";

  ChaosConfig {
    if (processes < 2) {
      throw new IllegalArgumentException("--processes must be at least 2, was " + processes);
    }
    if (writers < 1 || writers > processes) {
      throw new IllegalArgumentException("--writers must be 1.." + processes + ", was "
          + writers);
    }
    if (topics.isEmpty()) {
      throw new IllegalArgumentException("--topics must name at least one topic");
    }
    for (String t : topics) {
      // Topics become persistence keys, PostgreSQL rows and report tokens.
      if (!t.matches("[a-z][a-z0-9_]{0,40}")) {
        throw new IllegalArgumentException("--topics: each topic must match [a-z][a-z0-9_]{0,40}"
            + ", was \"" + t + "\"");
      }
    }
    if (sources.isEmpty()) {
      throw new IllegalArgumentException("--source must name a source");
    }
    if (sources.contains(SourceKind.POSTGRES) && pgUrl.isEmpty()) {
      throw new IllegalArgumentException("--source " + (sources.size() > 1 ? "both" : "postgres")
          + " needs --pg-url <jdbc url> of a role that may create a table, e.g. "
          + "jdbc:postgresql://127.0.0.1:5432/postgres?user=postgres");
    }
    if (pgUrl.isPresent() && !pgUrl.get().startsWith("jdbc:postgresql:")) {
      throw new IllegalArgumentException("--pg-url must start with jdbc:postgresql:, was \""
          + pgUrl.get() + "\"");
    }
  }

  /** The synced lanes: each topic of each source; PostgreSQL's are prefixed when both run. */
  List<Lane> lanes() {
    List<Lane> lanes = new ArrayList<>();
    for (SourceKind s : sources) {
      for (String t : topics) {
        String name = s == SourceKind.POSTGRES && sources.size() > 1 ? "pg_" + t : t;
        lanes.add(new Lane(s, name));
      }
    }
    return lanes;
  }

  /** The mode in one word, for the report: {@code http}, {@code postgres} or {@code both}. */
  String sourceName() {
    return sources.size() > 1 ? "both" : sources.contains(SourceKind.HTTP) ? "http" : "postgres";
  }

  static ChaosConfig parse(String[] args) throws java.io.IOException {
    int processes = 8;
    long durationS = 60;
    long killMs = 2000;
    List<String> topics = List.of("settings", "catalog");
    int writers = 3;
    long writeMs = 20;
    long convergenceMs = 1000;
    long seed = 1;
    Path dir = null;
    Set<SourceKind> sources = EnumSet.of(SourceKind.HTTP);
    boolean host = false;
    String pgUrl = null;
    boolean streams = false;
    List<String> a = new ArrayList<>(List.of(args));
    for (int i = 0; i < a.size(); i += 2) {
      if (i + 1 >= a.size()) {
        throw new IllegalArgumentException(a.get(i) + " needs a value; " + USAGE);
      }
      String v = a.get(i + 1);
      switch (a.get(i)) {
        case "--processes": processes = number(a.get(i), v); break;
        case "--duration-s": durationS = number(a.get(i), v); break;
        case "--kill-every-ms": killMs = number(a.get(i), v); break;
        case "--topics": topics = List.of(v.split(",")); break;
        case "--writers": writers = number(a.get(i), v); break;
        case "--write-interval-ms": writeMs = number(a.get(i), v); break;
        case "--convergence-ms": convergenceMs = number(a.get(i), v); break;
        case "--seed": seed = Long.parseLong(v); break;
        case "--dir": dir = Path.of(v); break;
        case "--source":
          switch (v) {
            case "http": sources = EnumSet.of(SourceKind.HTTP); break;
            case "postgres": sources = EnumSet.of(SourceKind.POSTGRES); break;
            case "both": sources = EnumSet.allOf(SourceKind.class); break;
            default: throw new IllegalArgumentException(
                "--source must be http, postgres or both, was \"" + v + "\"");
          }
          break;
        case "--coordination":
          switch (v) {
            case "direct": host = false; break;
            case "host": host = true; break;
            default: throw new IllegalArgumentException(
                "--coordination must be direct or host, was \"" + v + "\"");
          }
          break;
        case "--pg-url": pgUrl = v; break;
        case "--streams":
          if (!v.equals("on") && !v.equals("off")) {
            throw new IllegalArgumentException("--streams must be on or off, was \"" + v + "\"");
          }
          streams = v.equals("on");
          break;
        default: throw new IllegalArgumentException("unknown flag " + a.get(i) + "; " + USAGE);
      }
    }
    if (killMs < 1 || durationS < 0 || writeMs < 1 || convergenceMs < 1) {
      throw new IllegalArgumentException("--kill-every-ms, --write-interval-ms and "
          + "--convergence-ms must be at least 1 and --duration-s at least 0");
    }
    ChaosConfig cfg = new ChaosConfig(processes, Duration.ofSeconds(durationS),
        Duration.ofMillis(killMs), topics, Math.min(writers, processes), Duration.ofMillis(writeMs),
        Duration.ofMillis(convergenceMs), seed, dir == null ? Path.of("/tmp") : dir, sources, host,
        Optional.ofNullable(pgUrl), streams);
    if (dir == null) {
      // Created only once the flags are known to be valid.
      cfg = cfg.withDir(java.nio.file.Files.createTempDirectory(Path.of("/tmp"), "chaos"));
    }
    return cfg;
  }

  private ChaosConfig withDir(Path d) {
    return new ChaosConfig(processes, duration, killEvery, topics, writers, writeInterval,
        convergence, seed, d, sources, hostCoordinated, pgUrl, streams);
  }

  private static int number(String flag, String v) {
    try {
      return Integer.parseInt(v);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(flag + " needs a whole number, was \"" + v + "\"");
    }
  }
}
