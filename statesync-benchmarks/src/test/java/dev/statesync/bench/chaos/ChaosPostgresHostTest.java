package dev.statesync.bench.chaos;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.statesync.postgres.PostgresTestServer;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The short chaos run against both sources of truth at once, the HTTP one and a real PostgreSQL
 * (statesync-postgres' test server), in host-coordinated mode, with relay streams: in each source
 * only the host leader holds the upstream connection, every other kill by turns targets the
 * channel's hub, the HTTP leader and the PostgreSQL leader, and every third of the others the
 * stream source, whose mirrors must show its stream ended. It must exit 0 and report no
 * violation, real upstream handovers in both sources, never two live holders of an upstream
 * connection, stream ends seen by mirrors, and every process converged on every topic. The
 * convergence bound is 10 s because CI cores are shared.
 *
 * <p>The same test is the long run (docs/reliability.md):
 * {@code -Dstatesync.chaos.processes=8 -Dstatesync.chaos.durationS=600
 * -Dstatesync.chaos.writers=3 -Dstatesync.chaos.convergenceMs=1000};
 * {@code -Dstatesync.chaos.source=postgres} leaves the HTTP source out, and
 * {@code -Dstatesync.chaos.coordination=direct} lets every worker subscribe itself.
 */
class ChaosPostgresHostTest {
  @Test
  void aShortHostCoordinatedRunOnPostgresAndHttpEndsWithoutViolations() throws Exception {
    int processes = Integer.getInteger("statesync.chaos.processes", 4);
    int seconds = Integer.getInteger("statesync.chaos.durationS", 40);
    String source = System.getProperty("statesync.chaos.source", "both");
    String coordination = System.getProperty("statesync.chaos.coordination", "host");
    HarnessRun run = HarnessRun.passing(List.of("--processes", Integer.toString(processes),
        "--duration-s", Integer.toString(seconds), "--writers",
        System.getProperty("statesync.chaos.writers", "2"),
        "--convergence-ms", System.getProperty("statesync.chaos.convergenceMs", "10000"),
        "--source", source, "--coordination", coordination, "--streams", "on",
        "--pg-url", PostgresTestServer.jdbcUrl()), seconds / 2 * 3 / 4);
    long kills = run.number("kills: (\\d+) ");
    assertTrue(run.number("hub or upstream leader (\\d+)") * 2 >= kills - 1,
        "a leader is the victim at least every other time");
    if (coordination.equals("host")) {
      assertTrue(run.number("upstream handovers \\(upstream-pg\\): (\\d+) measured") > 0,
          run.report);
      assertTrue(run.number("upstream connections to pg: \\d+ samples; at most (\\d+)") <= 1,
          "at most one live LISTEN connection at a time");
    }
    if (source.equals("both") && coordination.equals("host")) {
      assertTrue(run.number("upstream handovers \\(upstream-http\\): (\\d+) measured") > 0,
          run.report);
    }
    assertTrue(run.number("; (\\d+) kills of the stream source") > 0, run.report);
    assertTrue(run.number("showed the killed source's stream ended (\\d+) times") > 0,
        run.report);
    int lanes = source.equals("both") ? 4 : 2;
    assertTrue(run.report.contains("convergence after each topic's last write: "
        + processes * lanes + " process-topics"), run.report);
  }
}
