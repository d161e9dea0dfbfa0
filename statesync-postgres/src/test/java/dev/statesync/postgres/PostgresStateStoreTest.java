package dev.statesync.postgres;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.core.type.TypeReference;
import dev.statesync.core.InvalidationEvent;
import dev.statesync.core.Revision;
import dev.statesync.core.SnapshotEnvelope;
import dev.statesync.core.StateSyncException;
import dev.statesync.core.json.ProtocolCodec;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.postgresql.PGConnection;
import org.postgresql.PGNotification;

class PostgresStateStoreTest {
  private final TestDb db = new TestDb("store");
  private final PostgresStateStore store = db.store();

  @Test
  void missingTopicReadsEmpty() {
    assertTrue(store.read("absent", Tally.class).isEmpty());
  }

  @Test
  void compareAndSetRaisesRevisionByOneAndKeepsEpochOfRow() {
    SnapshotEnvelope<Tally> first = store.compareAndSet("t", Revision.ZERO, new Tally(7));
    SnapshotEnvelope<Tally> second = store.compareAndSet("t", first.revision(), new Tally(8));
    assertEquals(Revision.of(1), first.revision());
    assertEquals(Revision.of(2), second.revision());
    assertEquals(first.epoch(), second.epoch());
    assertEquals(second, store.read("t", Tally.class).orElseThrow());
  }

  @Test
  void genericTypesRoundTrip() {
    store.compareAndSet("g", Revision.ZERO, List.of(Map.of("a", 1)));
    SnapshotEnvelope<List<Map<String, Integer>>> read =
        store.read("g", new TypeReference<List<Map<String, Integer>>>() { }).orElseThrow();
    assertEquals(List.of(Map.of("a", 1)), read.data());
  }

  @Test
  void conflictCarriesCurrentRevisionAndWritesNothing() {
    store.compareAndSet("c", Revision.ZERO, new Tally(1));
    store.compareAndSet("c", Revision.of(1), new Tally(2));
    RevisionConflictException e = assertThrows(RevisionConflictException.class,
        () -> store.compareAndSet("c", Revision.of(1), new Tally(99)));
    assertEquals(Revision.of(2), e.currentRevision().orElseThrow());
    assertEquals(Revision.of(1), e.expectedRevision());
    assertEquals("c", e.topic());
    assertEquals(new Tally(2), store.read("c", Tally.class).orElseThrow().data());
  }

  @Test
  void creatingAnExistingTopicConflicts() {
    store.compareAndSet("dup", Revision.ZERO, new Tally(1));
    RevisionConflictException e = assertThrows(RevisionConflictException.class,
        () -> store.compareAndSet("dup", Revision.ZERO, new Tally(1)));
    assertEquals(Revision.of(1), e.currentRevision().orElseThrow());
  }

  @Test
  void updatingAMissingTopicWithExpectedRevisionConflictsWithNoCurrent() {
    RevisionConflictException e = assertThrows(RevisionConflictException.class,
        () -> store.compareAndSet("nothing", Revision.of(3), new Tally(1)));
    assertTrue(e.currentRevision().isEmpty());
  }

  @Test
  void topicTooLongIsRejectedBeforeAnyWrite() {
    String topic = "x".repeat(257);
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> store.compareAndSet(topic, Revision.ZERO, new Tally(1)));
    assertTrue(e.getMessage().contains("1-256"), e.getMessage());
  }

  @Test
  void revisionsStopAtTheGreatestBigint() throws Exception {
    store.compareAndSet("max", Revision.ZERO, new Tally(1));
    db.exec("UPDATE " + db.table + " SET revision = " + Long.MAX_VALUE + " WHERE topic = 'max'");
    StateSyncException e = assertThrows(StateSyncException.class,
        () -> store.compareAndSet("max", Revision.of(Long.MAX_VALUE), new Tally(2)));
    assertTrue(e.getMessage().contains("2^63 - 1"), e.getMessage());
    assertEquals(Revision.of(Long.MAX_VALUE), store.read("max", Tally.class).orElseThrow().revision());
  }

  @Test
  void recreatedRowIsNewEpoch() throws Exception {
    SnapshotEnvelope<Tally> before = store.compareAndSet("re", Revision.ZERO, new Tally(1));
    db.exec("DELETE FROM " + db.table + " WHERE topic = 're'");
    SnapshotEnvelope<Tally> after = store.compareAndSet("re", Revision.ZERO, new Tally(1));
    assertEquals(before.revision(), after.revision());
    assertNotEquals(before.epoch(), after.epoch());
  }

  @Test
  void epochNamesClusterTimelineTableAndRow() throws Exception {
    SnapshotEnvelope<Tally> written = store.compareAndSet("ep", Revision.ZERO, new Tally(1));
    try (Connection c = db.pg.connect(); Statement s = c.createStatement();
         ResultSet rs = s.executeQuery("SELECT (SELECT system_identifier FROM pg_control_system()),"
             + " (SELECT timeline_id FROM pg_control_checkpoint()),"
             + " (SELECT tableoid FROM " + db.table + " LIMIT 1), (SELECT epoch FROM "
             + db.table + " WHERE topic = 'ep')")) {
      rs.next();
      String want = Long.toUnsignedString(rs.getLong(1)) + "." + rs.getLong(2) + "."
          + rs.getLong(3) + "." + rs.getString(4);
      assertEquals(want, written.epoch().orElseThrow().value());
    }
  }

  @Test
  void commitNotifiesTheWireShapeHintWithEpochAndSource() throws Exception {
    try (Connection listener = db.pg.connect(); Statement s = listener.createStatement()) {
      s.execute("LISTEN \"" + db.channel + "\"");
      SnapshotEnvelope<Tally> written =
          store.compareAndSet("hint", Revision.ZERO, new Tally(1), "writer-1");
      PGNotification[] got = listener.unwrap(PGConnection.class).getNotifications(10_000);
      assertEquals(1, got.length);
      String payload = got[0].getParameter();
      assertTrue(payload.contains("\"revision\":\"1\""), payload);
      assertTrue(payload.getBytes(StandardCharsets.UTF_8).length < 8000);
      InvalidationEvent event = ProtocolCodec.create().decodeEvent(payload);
      assertEquals(InvalidationEvent.of("hint", Revision.of(1)).withSourceId("writer-1")
          .withEpoch(written.epoch().orElseThrow()), event);
    }
  }

  @Test
  void schemaFileIsWhatTheStoreRuns() throws Exception {
    PostgresStateStore defaults = PostgresStateStore.builder().jdbcUrl(db.pg.jdbcUrl()).build();
    defaults.createSchema();
    defaults.createSchema();
    try (Connection c = db.pg.connect(); Statement s = c.createStatement();
         ResultSet rs = s.executeQuery("SELECT string_agg(column_name || ' ' || data_type, ', '"
             + " ORDER BY ordinal_position) FROM information_schema.columns"
             + " WHERE table_name = 'statesync_state'")) {
      rs.next();
      assertEquals("topic text, epoch uuid, revision bigint, data jsonb, source_id text,"
          + " updated_at timestamp with time zone", rs.getString(1));
    }
  }

  @Test
  void builderNamesTheInvalidOption() {
    IllegalArgumentException table = assertThrows(IllegalArgumentException.class,
        () -> PostgresStateStore.builder().jdbcUrl(db.pg.jdbcUrl()).tableName("x; drop").build());
    assertTrue(table.getMessage().startsWith("tableName"), table.getMessage());
    IllegalArgumentException channel = assertThrows(IllegalArgumentException.class,
        () -> PostgresStateStore.builder().jdbcUrl(db.pg.jdbcUrl()).channel("Bad").build());
    assertTrue(channel.getMessage().startsWith("channel"), channel.getMessage());
    IllegalArgumentException none = assertThrows(IllegalArgumentException.class,
        () -> PostgresStateStore.builder().build());
    assertTrue(none.getMessage().contains("jdbcUrl"), none.getMessage());
    IllegalArgumentException url = assertThrows(IllegalArgumentException.class,
        () -> PostgresStateStore.builder().jdbcUrl("jdbc:mysql://x/y").build());
    assertTrue(url.getMessage().startsWith("jdbcUrl"), url.getMessage());
    IllegalArgumentException attempts = assertThrows(IllegalArgumentException.class,
        () -> PostgresStateStore.builder().jdbcUrl(db.pg.jdbcUrl()).maxUpdateAttempts(0).build());
    assertTrue(attempts.getMessage().startsWith("maxUpdateAttempts"), attempts.getMessage());
  }
}
