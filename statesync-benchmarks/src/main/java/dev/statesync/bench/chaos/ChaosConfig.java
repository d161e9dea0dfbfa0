package dev.statesync.bench.chaos;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Options of a chaos run, from command-line flags.
 *
 * @param processes worker JVMs (default 8)
 * @param duration how long processes are killed and restarted (default 60 s)
 * @param killEvery the time between two kills (default 2 s)
 * @param topics the synced topics (default {@code settings,catalog})
 * @param writers how many workers write (default 3, at most processes)
 * @param writeInterval each writer's pause between writes (default 20 ms)
 * @param convergence the bound on convergence after the last write (default 1 s)
 * @param seed the seed of every random choice (default 1)
 * @param dir the work directory (default a fresh one under /tmp)
 */
record ChaosConfig(int processes, Duration duration, Duration killEvery, List<String> topics,
    int writers, Duration writeInterval, Duration convergence, long seed, Path dir) {

  static final String USAGE = "usage: ChaosHarness [--processes N] [--duration-s S] "
      + "[--kill-every-ms MS] [--topics a,b] [--writers N] [--write-interval-ms MS] "
      + "[--convergence-ms MS] [--seed N] [--dir PATH]";

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
    List<String> a = new ArrayList<>(List.of(args));
    for (int i = 0; i < a.size(); i += 2) {
      if (i + 1 >= a.size()) {
        throw new IllegalArgumentException(a.get(i) + " needs a value; " + USAGE);
      }
      String v = a.get(i + 1);
      switch (a.get(i)) {
        case "--processes": processes = Integer.parseInt(v); break;
        case "--duration-s": durationS = Long.parseLong(v); break;
        case "--kill-every-ms": killMs = Long.parseLong(v); break;
        case "--topics": topics = List.of(v.split(",")); break;
        case "--writers": writers = Integer.parseInt(v); break;
        case "--write-interval-ms": writeMs = Long.parseLong(v); break;
        case "--convergence-ms": convergenceMs = Long.parseLong(v); break;
        case "--seed": seed = Long.parseLong(v); break;
        case "--dir": dir = Path.of(v); break;
        default: throw new IllegalArgumentException("unknown flag " + a.get(i) + "; " + USAGE);
      }
    }
    if (dir == null) {
      dir = java.nio.file.Files.createTempDirectory(Path.of("/tmp"), "chaos");
    }
    return new ChaosConfig(processes, Duration.ofSeconds(durationS), Duration.ofMillis(killMs),
        topics, Math.min(writers, processes), Duration.ofMillis(writeMs),
        Duration.ofMillis(convergenceMs), seed, dir);
  }
}
