package dev.statesync.examples;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.statesync.postgres.PostgresTestServer;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;

/** Runs every recipe example and checks what it printed. */
class ExamplesTest {
  private record Run(boolean ok, String out) {}

  private static Run run(Predicate<PrintStream> example) {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    boolean ok = example.test(new PrintStream(bytes, true, StandardCharsets.UTF_8));
    return new Run(ok, bytes.toString(StandardCharsets.UTF_8));
  }

  @Test
  void settingsAcrossProcessesFollowTheBackend() {
    Run r = run(SettingsAcrossProcesses::run);
    assertTrue(r.ok(), r.out());
    assertTrue(r.out().contains("[viewer-2] shows dark/14 (revision 2)"), r.out());
    assertTrue(r.out().contains("[viewer-2] shows solarized/16 (revision 3)"), r.out());
    assertTrue(r.out().contains("viewer-1 made 2 fetches"), r.out());
  }

  @Test
  void persistenceSyncsPeersAndSurvivesKillWithoutABackend() {
    Run r = run(PersistenceWithoutBackend::run);
    assertTrue(r.ok(), r.out());
    assertTrue(r.out().contains("[peer] shows dark/18 (revision 2)"), r.out());
    assertTrue(r.out().contains("the restarted peer loaded FOUND from the file: revision 2"),
        r.out());
  }

  @Test
  void selfEchoIsDroppedBySourceIdAndByTheGate() {
    Run r = run(SelfEcho::run);
    assertTrue(r.ok(), r.out());
    assertTrue(r.out().contains("[debug] [windowId=window-a] event skipped (own source) {revision=2}"),
        r.out());
    assertTrue(r.out().contains("[debug] [windowId=window-b] event skipped (not newer) {revision=3}"),
        r.out());
  }

  @Test
  void throttlingBoundsTheFetchesOfABurst() {
    Run r = run(ThrottledRefresh::run);
    assertTrue(r.ok(), r.out());
    assertTrue(r.out().contains("none                            100 fetches"), r.out());
    assertTrue(r.out().contains("throttleMs(250)                   5 fetches, at ms "
        + "[0, 250, 500, 750, 1000]"), r.out());
    assertTrue(r.out().contains("debounceMs(100).maxWaitMs(300)    4 fetches, at ms "
        + "[300, 600, 900, 1090]"), r.out());
  }

  @Test
  void liveStreamReachesBothWidgetsOfAnotherProcess() {
    Run r = run(LiveStreamWidgets::run);
    assertTrue(r.ok(), r.out());
    assertTrue(r.out().contains("[presentation] " + LiveStreamWidgets.TEXT), r.out());
    assertTrue(r.out().contains("[progress] 15 words, done"), r.out());
  }

  @Test
  void perSessionChannelsKeepSessionsApart() {
    Run r = run(PerSessionChannels::run);
    assertTrue(r.ok(), r.out());
    assertTrue(r.out().contains("bob's window   (answer-bob): THE WEATHER IN LYON IS MILD"),
        r.out());
  }

  @Test
  void taggedLoggerNamesTheWindowOfEveryLine() {
    Run r = run(TaggedLoggerDebugging::run);
    assertTrue(r.ok(), r.out());
    assertTrue(r.out().contains("[error] [windowId=preview] [session=s1] apply error {phase=apply"),
        r.out());
    assertTrue(r.out().contains(
        "[debug] [windowId=preview] [session=s1] snapshot applied {revision=3}"), r.out());
  }

  @Test
  void threeTabsShareOneSseConnectionAndGetEveryEventOnceAcrossAKill() {
    Run r = run(OneSseConnectionPerHost::run);
    assertTrue(r.ok(), r.out());
    assertTrue(r.out().contains("SSE connections the server opened for 3 tabs: 1"), r.out());
    assertTrue(r.out().contains("tab-3 received ids [2, 3, 4, 5, 6]"), r.out());
    assertTrue(r.out().lines().anyMatch(l -> l.matches(
        "tab-[23] leads and resumed the stream after id [45]")), r.out());
    assertTrue(r.out().contains("SSE connections the server opened in all: 2"), r.out());
  }

  @Test
  void threeHostsConvergeThroughARealPostgresAndLoseNoUpdate() {
    String table = "examples_" + ProcessHandle.current().pid();
    Run r = run(out -> PostgresAcrossHosts.run(out, PostgresTestServer.jdbcUrl(), table));
    assertTrue(r.ok(), r.out());
    assertTrue(r.out().contains("[host-c] shows dark/14 (revision 2)"), r.out());
    assertTrue(r.out().contains("   30 updates: font size 14 -> 44, revision 32; none lost"),
        r.out());
    assertTrue(r.out().contains("   host-c read revision 33 at start (solarized/16)"), r.out());
    for (String host : PostgresAcrossHosts.HOSTS) {
      assertTrue(r.out().lines().anyMatch(l -> l.matches(host + " +33 solarized/16 .*")),
          host + "\n" + r.out());
    }
    assertTrue(r.out().lines().anyMatch("converged"::equals), r.out());
  }
}
