package dev.statesync.postgres;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.statesync.testkit.ChildJvm;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Several JVM processes, each acting as its own host with its own listening connection, against
 * a real PostgreSQL server.
 */
class PostgresFleetTest {
  @Test
  void concurrentWritersLoseNoUpdateAndEverySubscriberConverges() throws Exception {
    TestDb db = new TestDb("race");
    String topic = "race";
    db.store().createSchema();
    List<ChildJvm> subscribers = startSubscribers(db, topic, 3, 10);
    List<ChildJvm> writers = new ArrayList<>();
    try {
      for (int i = 0; i < 3; i++) {
        writers.add(ChildJvm.start("writer-" + i, WriterMain.class,
            db.pg.jdbcUrl(), db.table, db.channel, topic, "40"));
      }
      long succeeded = 0;
      for (ChildJvm w : writers) {
        String done = w.await(l -> l.startsWith("DONE "), "DONE");
        succeeded += Long.parseLong(done.split(" ")[1]);
        assertEquals(0, w.awaitExit());
      }
      assertTrue(succeeded > 0, "some updates succeed");
      var row = db.store().read(topic, Tally.class).orElseThrow();
      assertEquals(succeeded, row.revision().unsignedBits(), "one revision per successful update");
      assertEquals(succeeded, row.data().count(), "no lost update");
      String want = "APPLIED " + succeeded + " " + row.epoch().orElseThrow().value() + " "
          + succeeded;
      for (ChildJvm s : subscribers) {
        s.await(want::equals, want);
        assertMonotonic(s.lines());
      }
    } finally {
      closeAll(writers);
      closeAll(subscribers);
    }
  }

  @Test
  void listenerBackendKilledReconnectsAndCatchesUp() throws Exception {
    TestDb db = new TestDb("kill");
    String topic = "kill";
    PostgresStateStore store = db.store();
    store.update(topic, Tally.class, t -> new Tally(1));
    // A long minimum backoff keeps the listeners away while the next write commits, so only the
    // catch-up after the reconnect can deliver it.
    List<ChildJvm> subscribers = startSubscribers(db, topic, 2, 400);
    try {
      for (ChildJvm s : subscribers) {
        s.await(l -> l.startsWith("APPLIED 1 "), "APPLIED 1");
      }
      try (Connection c = db.pg.connect(); PreparedStatement ps = c.prepareStatement(
          "SELECT count(pg_terminate_backend(pid, 10000)) FROM pg_stat_activity"
              + " WHERE query = ?")) {
        ps.setString(1, "LISTEN \"" + db.channel + "\"");
        try (ResultSet rs = ps.executeQuery()) {
          rs.next();
          assertEquals(2, rs.getInt(1), "one listening backend per subscriber process");
        }
      }
      store.update(topic, Tally.class, t -> new Tally(t.count() + 1));
      for (ChildJvm s : subscribers) {
        s.await(l -> l.equals("LOG postgres listener reconnected"), "reconnect");
        s.await(l -> l.startsWith("APPLIED 2 ") && l.endsWith(" 2"), "APPLIED 2");
      }
    } finally {
      closeAll(subscribers);
    }
  }

  @Test
  void serverRestartReconnectsAndCatchesUp() throws Exception {
    TestDb db = new TestDb("restart");
    String topic = "restart";
    PostgresStateStore store = db.store();
    var first = store.update(topic, Tally.class, t -> new Tally(1));
    List<ChildJvm> subscribers = startSubscribers(db, topic, 2, 50);
    try {
      for (ChildJvm s : subscribers) {
        s.await(l -> l.startsWith("APPLIED 1 "), "APPLIED 1");
      }
      db.pg.restart();
      var second = store.update(topic, Tally.class, t -> new Tally(t.count() + 1));
      assertEquals(first.epoch(), second.epoch(), "a restart is not a new epoch");
      for (ChildJvm s : subscribers) {
        s.await(l -> l.equals("LOG postgres listener reconnected"), "reconnect");
        s.await(l -> l.startsWith("APPLIED 2 ") && l.endsWith(" 2"), "APPLIED 2");
      }
    } finally {
      closeAll(subscribers);
    }
  }

  @Test
  void tableRestoredToOlderRevisionIsNewEpochThatEveryClientFollows() throws Exception {
    TestDb db = new TestDb("restore");
    String topic = "restore";
    PostgresStateStore store = db.store();
    store.update(topic, Tally.class, t -> new Tally(1));
    store.update(topic, Tally.class, t -> new Tally(t.count() + 1));
    db.exec("CREATE TABLE " + db.table + "_backup AS SELECT * FROM " + db.table);
    for (int i = 0; i < 3; i++) {
      store.update(topic, Tally.class, t -> new Tally(t.count() + 1));
    }
    var before = store.read(topic, Tally.class).orElseThrow();
    assertEquals(5, before.revision().unsignedBits());
    List<ChildJvm> subscribers = startSubscribers(db, topic, 2, 50);
    try {
      for (ChildJvm s : subscribers) {
        s.await(l -> l.startsWith("APPLIED 5 "), "APPLIED 5");
      }
      // The restore: the table is re-created from the backup taken at revision 2.
      db.exec("DROP TABLE " + db.table);
      store.createSchema();
      db.exec("INSERT INTO " + db.table + " SELECT * FROM " + db.table + "_backup");
      var after = store.update(topic, Tally.class, t -> new Tally(t.count() + 1));
      assertEquals(3, after.revision().unsignedBits(), "the revision went backwards");
      assertNotEquals(before.epoch(), after.epoch(), "the restored table is a new epoch");
      String want = "APPLIED 3 " + after.epoch().orElseThrow().value() + " 3";
      for (ChildJvm s : subscribers) {
        s.await(want::equals, want);
      }
    } finally {
      closeAll(subscribers);
    }
  }

  private static List<ChildJvm> startSubscribers(TestDb db, String topic, int n, long backoffMs) {
    List<ChildJvm> list = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      list.add(ChildJvm.start("subscriber-" + i, SubscriberMain.class, db.pg.jdbcUrl(), db.table,
          db.channel, topic, Long.toString(backoffMs)));
    }
    for (ChildJvm s : list) {
      s.await("READY"::equals, "READY");
    }
    return list;
  }

  /** Within one epoch, applied revisions only go up. */
  private static void assertMonotonic(List<String> lines) {
    long last = -1;
    for (String l : lines) {
      if (l.startsWith("APPLIED ")) {
        long revision = Long.parseLong(l.split(" ")[1]);
        assertTrue(revision > last, "applied revisions increase: " + lines);
        last = revision;
      }
    }
  }

  private static void closeAll(List<ChildJvm> children) {
    for (ChildJvm c : children) {
      c.close();
    }
  }
}
