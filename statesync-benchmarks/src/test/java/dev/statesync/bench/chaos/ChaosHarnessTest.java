package dev.statesync.bench.chaos;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;

import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The short chaos run of issue 9 inside {@code ./mvnw verify}: the harness, as its own JVM, with
 * 4 worker processes syncing from the HTTP source for 60 s of kills. It must exit 0 and report no
 * violation, real kills of the hub, measured failovers and every process converged. The
 * convergence bound is raised to 10 s here because CI cores are shared; the long run keeps the
 * 1 s bound (docs/reliability.md).
 */
class ChaosHarnessTest {
  @Test
  void aBadFlagOrAnUnreachableServerExitsWithCode2AndSaysWhy() throws Exception {
    Path dir = Files.createTempDirectory(Path.of("/tmp"), "chaosargs");
    Path out = dir.resolve("out.txt");
    assertEquals(2, HarnessRun.exec(List.of("--source", "postgres"), out));
    assertTrue(Files.readString(out).contains("--source postgres needs --pg-url"),
        Files.readString(out));
    // Nothing listens on port 1: the connection is refused at once.
    assertEquals(2, HarnessRun.exec(List.of("--source", "postgres", "--processes", "2",
        "--pg-url", "jdbc:postgresql://127.0.0.1:1/postgres?user=nobody&password=secret",
        "--dir", dir.resolve("run").toString()), out));
    String said = Files.readString(out);
    assertTrue(said.contains("cannot set up the PostgreSQL source of --pg-url"), said);
    assertFalse(said.contains("secret"), "the password is not printed: " + said);
    try (var files = Files.walk(dir)) {
      files.sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
    }
  }

  @Test
  void aShortChaosRunWithFourProcessesEndsWithoutViolations() throws Exception {
    HarnessRun run = HarnessRun.passing(List.of("--processes", "4", "--duration-s", "60",
        "--writers", "2", "--convergence-ms", "10000"), 25);
    long kills = run.number("kills: (\\d+) ");
    assertTrue(run.number("\\(hub (\\d+)") * 2 >= kills - 1,
        "the hub is the victim at least every other time");
    assertTrue(run.number("failovers: (\\d+) measured") > 0, run.report);
    assertTrue(run.report.contains("convergence after each topic's last write: 8 process-topics"),
        run.report);
  }
}
