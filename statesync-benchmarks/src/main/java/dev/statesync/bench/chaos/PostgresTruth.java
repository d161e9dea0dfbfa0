package dev.statesync.bench.chaos;

import dev.statesync.core.Revision;
import dev.statesync.core.SnapshotEnvelope;
import dev.statesync.postgres.PostgresStateStore;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * The chaos run's PostgreSQL source of truth, as the controller sees it: a state table of its
 * own for this run ({@code chaos_<tag>}, notifying on the channel of the same name), with a row
 * per topic at revision 1. The workers write to it with compare-and-set and follow it with
 * {@code LISTEN}; the controller reads the final rows and counts the listening connections. Every
 * worker connection carries an application name, {@code chaos-<tag>-listen-<pid>} for the
 * {@code LISTEN} connection and {@code chaos-<tag>-store-<pid>} for the others, so the server's
 * {@code pg_stat_activity} tells which process holds which. {@link #close()} drops the table.
 */
final class PostgresTruth implements AutoCloseable {
  private final String url;
  private final String tag;
  private final String table;
  private final PostgresStateStore store;
  private final Connection admin;

  PostgresTruth(String url, String tag, List<String> topics, String pad) throws SQLException {
    this.url = url;
    this.tag = tag;
    this.table = "chaos_" + tag;
    this.store = PostgresStateStore.builder().jdbcUrl(withApplicationName(url,
        "chaos-" + tag + "-controller")).tableName(table).channel(table).build();
    store.createSchema();
    for (String t : topics) {
      store.compareAndSet(t, Revision.ZERO, new ChaosWorker.Value(1, "controller", pad));
    }
    admin = DriverManager.getConnection(withApplicationName(url, "chaos-" + tag + "-admin"));
  }

  /** Returns {@code url} with the pgjdbc {@code ApplicationName} parameter set to {@code name}. */
  static String withApplicationName(String url, String name) {
    return url + (url.contains("?") ? "&" : "?") + "ApplicationName=" + name;
  }

  String url() {
    return url;
  }

  String table() {
    return table;
  }

  /** The current revision of every topic of this run, read from the table. */
  Map<String, Long> revisions(List<String> topics) {
    Map<String, Long> finals = new TreeMap<>();
    for (String t : topics) {
      SnapshotEnvelope<ChaosWorker.Value> e = store.read(t, ChaosWorker.Value.class)
          .orElseThrow(() -> new IllegalStateException("the row of " + t + " is gone"));
      finals.put(t, e.revision().unsignedBits());
    }
    return finals;
  }

  /** The process ids of the workers with a {@code LISTEN} connection open on the server. */
  synchronized Set<Long> listenerPids() throws SQLException {
    Set<Long> pids = new HashSet<>();
    String prefix = "chaos-" + tag + "-listen-";
    try (PreparedStatement ps = admin.prepareStatement(
        "SELECT application_name FROM pg_stat_activity WHERE application_name LIKE ?")) {
      ps.setString(1, prefix + "%");
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          pids.add(Long.parseLong(rs.getString(1).substring(prefix.length())));
        }
      }
    }
    return pids;
  }

  @Override
  public synchronized void close() throws SQLException {
    try (Statement s = admin.createStatement()) {
      s.execute("DROP TABLE IF EXISTS \"" + table + "\"");
    } finally {
      admin.close();
    }
  }
}
