package dev.statesync.bench.chaos;

import static org.junit.jupiter.api.Assertions.assertTrue;

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
