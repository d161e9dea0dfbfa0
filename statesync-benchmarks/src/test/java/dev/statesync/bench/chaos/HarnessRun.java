package dev.statesync.bench.chaos;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Runs the chaos harness as its own JVM, as a user would, and reads its report: the shared part
 * of the chaos tests.
 */
final class HarnessRun {
  final String report;

  private HarnessRun(String report) {
    this.report = report;
  }

  /**
   * Runs the harness with {@code flags} (plus {@code --dir}) and asserts that it passed: exit
   * code 0, no violation, at least {@code minKills} kills. The work directory is kept on failure
   * for the workers' log.
   */
  static HarnessRun passing(List<String> flags, int minKills) throws Exception {
    Path dir = Files.createTempDirectory(Path.of("/tmp"), "chaosci");
    List<String> all = new ArrayList<>(flags);
    all.addAll(List.of("--dir", dir.resolve("run").toString()));
    int exit = exec(all, dir.resolve("report.txt"));
    String report = Files.readString(dir.resolve("report.txt"), StandardCharsets.UTF_8);
    System.out.println(report);
    assertEquals(0, exit, report);
    assertTrue(report.contains("violations: 0") && report.contains("RESULT: PASS"), report);
    HarnessRun run = new HarnessRun(report);
    assertTrue(run.number("kills: (\\d+) ") >= minKills, "at least " + minKills + " kills");
    try (var files = Files.walk(dir)) {
      files.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
    }
    return run;
  }

  /**
   * Runs the harness with {@code flags}, its stdout and stderr going to {@code out}; returns its
   * exit code.
   */
  static int exec(List<String> flags, Path out) throws Exception {
    List<String> cmd = new ArrayList<>(List.of(
        Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx128m",
        "-cp", System.getProperty("java.class.path"), ChaosHarness.class.getName()));
    cmd.addAll(flags);
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true)
        .redirectOutput(out.toFile()).start();
    try {
      // Generous: the run's own length plus its start and end on a loaded machine.
      assertTrue(p.waitFor(90, TimeUnit.MINUTES), "the harness did not finish");
    } finally {
      p.destroyForcibly();
    }
    return p.exitValue();
  }

  /** The first group of the first match of {@code regex} in the report, as a number. */
  long number(String regex) {
    Matcher m = Pattern.compile(regex).matcher(report);
    assertTrue(m.find(), "no match of " + regex + " in\n" + report);
    return Long.parseLong(m.group(1));
  }
}
