package dev.statesync.bench.chaos;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The short chaos run of issue 9 inside {@code ./mvnw verify}: the harness, as its own JVM, with
 * 4 worker processes for 60 s of kills. It must exit 0 and report no violation, real kills of the
 * hub, measured failovers and every process converged. The convergence bound is raised to 10 s
 * here because CI cores are shared; the long run keeps the 1 s bound (docs/reliability.md).
 */
class ChaosHarnessTest {
  @Test
  void aShortChaosRunWithFourProcessesEndsWithoutViolations() throws Exception {
    Path dir = Files.createTempDirectory(Path.of("/tmp"), "chaosci");
    Path out = dir.resolve("report.txt");
    List<String> cmd = new ArrayList<>(List.of(
        Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx128m",
        "-cp", System.getProperty("java.class.path"), ChaosHarness.class.getName(),
        "--processes", "4", "--duration-s", "60", "--writers", "2",
        "--convergence-ms", "10000", "--dir", dir.resolve("run").toString()));
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true)
        .redirectOutput(out.toFile()).start();
    try {
      assertTrue(p.waitFor(10, TimeUnit.MINUTES), "the harness did not finish");
    } finally {
      p.destroyForcibly();
    }
    String report = Files.readString(out, StandardCharsets.UTF_8);
    System.out.println(report);
    assertEquals(0, p.exitValue(), report);
    assertTrue(report.contains("violations: 0") && report.contains("RESULT: PASS"), report);
    Matcher kills = Pattern.compile("kills: (\\d+) \\(hub (\\d+)").matcher(report);
    assertTrue(kills.find(), report);
    assertTrue(Integer.parseInt(kills.group(1)) >= 25, "a kill every 2 s for 60 s");
    assertTrue(Integer.parseInt(kills.group(2)) * 2 >= Integer.parseInt(kills.group(1)) - 1,
        "the hub is the victim at least every other time");
    Matcher failovers = Pattern.compile("failovers: (\\d+) measured").matcher(report);
    assertTrue(failovers.find() && Integer.parseInt(failovers.group(1)) > 0, report);
    assertTrue(report.contains("convergence after each topic's last write: 8 process-topics"),
        report);
    // Kept on failure for the workers' log; removed once the run has passed.
    try (var files = Files.walk(dir)) {
      files.sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
    }
  }
}
