package dev.statesync.postgres;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.statesync.core.Revision;
import dev.statesync.testkit.ChildJvm;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.locks.LockSupport;
import java.util.function.IntSupplier;
import org.junit.jupiter.api.Test;

/**
 * The host-coordinated mode against a real PostgreSQL: several JVM processes sharing one runtime
 * directory (one host) hold one {@code LISTEN} connection and read the row once per change, as
 * the server itself counts ({@code pg_stat_activity}, {@code pg_stat_statements}).
 */
class PostgresHostCoordinationTest {
  private static final Duration WAIT = Duration.ofSeconds(60);

  @Test
  void oneHostHoldsOneListenerAndReadsOncePerChangeAndSurvivesItsLeadersDeath() throws Exception {
    TestDb db = new TestDb("host");
    String topic = "host";
    PostgresStateStore store = db.store();
    store.createSchema();
    db.exec("CREATE EXTENSION IF NOT EXISTS pg_stat_statements");
    // The test writes with compareAndSet only, so every read of the row comes from the fleet.
    var first = store.compareAndSet(topic, Revision.ZERO, new Tally(1));
    String epoch = first.epoch().orElseThrow().value();
    Path runtimeDir = Files.createTempDirectory(Path.of("/tmp"), "pghc").resolve("r");
    String hostChannel = "pghc-" + UUID.randomUUID().toString().substring(0, 8);
    List<ChildJvm> host = new ArrayList<>();
    try {
      for (int i = 0; i < 4; i++) {
        host.add(ChildJvm.start("host-" + i, HostSubscriberMain.class, db.pg.jdbcUrl(), db.table,
            db.channel, topic, runtimeDir.toString(), hostChannel));
      }
      for (ChildJvm p : host) {
        p.await("READY"::equals, "READY");
        p.await(("APPLIED 1 " + epoch + " 1")::equals, "APPLIED 1");
      }
      awaitCount(() -> listeners(db), 1, "one LISTEN connection for the host");
      int initial = selects(db);
      assertTrue(initial >= 1 && initial <= 2,
          "the first start reads once, plus at most one catch-up: " + initial + statements(db));

      for (int k = 2; k <= 6; k++) {
        store.compareAndSet(topic, Revision.of(k - 1), new Tally(k));
        String want = "APPLIED " + k + " " + epoch + " " + k;
        for (ChildJvm p : host) {
          p.await(want::equals, want);
        }
      }
      assertEquals(initial + 5, selects(db),
          "one SELECT per change for 4 processes" + statements(db));
      assertEquals(1, listeners(db));

      ChildJvm leader = leader(host);
      leader.kill();
      host.remove(leader);
      store.compareAndSet(topic, Revision.of(6), new Tally(7));
      String want = "APPLIED 7 " + epoch + " 7";
      for (ChildJvm p : host) {
        p.await(want::equals, want);
      }
      awaitCount(() -> listeners(db), 1, "the new leader's LISTEN connection, and only it");
    } finally {
      for (ChildJvm p : host) {
        p.close();
      }
    }
  }

  /** Every statement the server counted, for failure messages. */
  private static String statements(TestDb db) {
    StringBuilder b = new StringBuilder();
    try (Connection c = db.pg.connect(); PreparedStatement ps = c.prepareStatement(
        "SELECT calls, query FROM pg_stat_statements")) {
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          b.append('\n').append(rs.getLong(1)).append(' ').append(rs.getString(2));
        }
      }
    } catch (SQLException e) {
      b.append(e);
    }
    return b.toString();
  }

  private static ChildJvm leader(List<ChildJvm> host) throws Exception {
    ChildJvm found = null;
    for (ChildJvm p : host) {
      int before = p.lines().size();
      p.send("stats");
      String s = p.await(l -> l.startsWith("STATS ") && p.lines().size() > before, "STATS");
      if (s.startsWith("STATS true ")) {
        assertTrue(found == null, "two leaders");
        found = p;
      }
    }
    assertTrue(found != null, "a leader");
    return found;
  }

  /** Connections whose last statement was the LISTEN of this test's channel. */
  private static int listeners(TestDb db) {
    return query(db, "SELECT count(*) FROM pg_stat_activity WHERE query = ?",
        "LISTEN \"" + db.channel + "\"");
  }

  /** Executions of the store's row read on this test's table, as the server counts them. */
  private static int selects(TestDb db) {
    return query(db, "SELECT coalesce(sum(calls), 0)::int FROM pg_stat_statements"
        + " WHERE query LIKE 'SELECT revision, data::text%' AND query LIKE ?",
        "%FROM \"" + db.table + "\" %");
  }

  private static int query(TestDb db, String sql, String arg) {
    try (Connection c = db.pg.connect(); PreparedStatement ps = c.prepareStatement(sql)) {
      ps.setString(1, arg);
      try (ResultSet rs = ps.executeQuery()) {
        rs.next();
        return rs.getInt(1);
      }
    } catch (SQLException e) {
      throw new AssertionError(e);
    }
  }

  private static void awaitCount(IntSupplier count, int expected, String what) {
    long deadline = System.nanoTime() + WAIT.toNanos();
    int last;
    while ((last = count.getAsInt()) != expected) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError(what + ": expected " + expected + ", was " + last);
      }
      LockSupport.parkNanos(20_000_000L);
    }
  }
}
