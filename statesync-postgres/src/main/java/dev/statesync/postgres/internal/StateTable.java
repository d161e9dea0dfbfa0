package dev.statesync.postgres.internal;

import dev.statesync.core.Epoch;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

/** The SQL for one state table, built once from its validated name. */
public final class StateTable {
  /** The table name used in the shipped schema file, replaced by the configured one. */
  public static final String DEFAULT_NAME = "statesync_state";

  private static final String SCHEMA_RESOURCE = "/dev/statesync/postgres/schema.sql";

  /*
   * Every read returns what the epoch is made of. pg_control_checkpoint() reads the control
   * file, a few microseconds; doing it per statement (instead of caching it per store) keeps a
   * pooled connection that outlived a failover from reporting the old timeline.
   */
  private static final String CLUSTER_COLUMNS =
      "(SELECT system_identifier FROM pg_control_system()) AS sysid,"
          + " (SELECT timeline_id FROM pg_control_checkpoint()) AS timeline";

  public final String createSql;
  public final String selectSql;
  public final String selectRevisionSql;
  public final String insertSql;
  public final String updateSql;

  /** Builds the statements for {@code validatedName} (see {@link SqlNames#tableName}). */
  public StateTable(String validatedName) {
    String t = SqlNames.quote(validatedName);
    String schema = loadSchema();
    int at = schema.indexOf("CREATE TABLE IF NOT EXISTS " + DEFAULT_NAME);
    if (at < 0) {
      throw new IllegalStateException(SCHEMA_RESOURCE + " lacks its CREATE TABLE statement");
    }
    this.createSql = schema.substring(at)
        .replace("CREATE TABLE IF NOT EXISTS " + DEFAULT_NAME, "CREATE TABLE IF NOT EXISTS " + t);
    this.selectSql = "SELECT revision, data::text AS data, epoch::text AS epoch,"
        + " tableoid::bigint AS tableoid, " + CLUSTER_COLUMNS + " FROM " + t + " WHERE topic = ?";
    this.selectRevisionSql = "SELECT revision FROM " + t + " WHERE topic = ?";
    this.insertSql = "INSERT INTO " + t + " (topic, revision, data, source_id, updated_at)"
        + " VALUES (?, 1, ?::jsonb, ?, ?) ON CONFLICT (topic) DO NOTHING"
        + " RETURNING revision, epoch::text AS epoch, tableoid::bigint AS tableoid, "
        + CLUSTER_COLUMNS;
    this.updateSql = "UPDATE " + t + " SET revision = revision + 1, data = ?::jsonb,"
        + " source_id = ?, updated_at = ? WHERE topic = ? AND revision = ?"
        + " RETURNING revision, epoch::text AS epoch, tableoid::bigint AS tableoid, "
        + CLUSTER_COLUMNS;
  }

  /**
   * Composes the epoch a client sees: the cluster's system identifier and timeline, the table's
   * OID and the row's own epoch. Any of them changing means the revision sequence restarted.
   */
  public static Epoch epoch(long systemIdentifier, long timeline, long tableOid, String rowEpoch) {
    return Epoch.of(Long.toUnsignedString(systemIdentifier) + "." + timeline + "." + tableOid
        + "." + rowEpoch);
  }

  /** Returns the shipped schema file's text. */
  public static String loadSchema() {
    try (InputStream in = StateTable.class.getResourceAsStream(SCHEMA_RESOURCE)) {
      if (in == null) {
        throw new IllegalStateException(SCHEMA_RESOURCE + " is missing from the class path");
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
