package dev.statesync.postgres;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.concurrent.atomic.AtomicInteger;

/** Per-test names, so tests sharing the one server never see each other's rows or hints. */
final class TestDb {
  private static final AtomicInteger SEQ = new AtomicInteger();

  final EmbeddedPostgres pg = EmbeddedPostgres.get();
  final String table;
  final String channel;

  TestDb(String name) {
    int n = SEQ.incrementAndGet();
    String suffix = name + "_" + ProcessHandle.current().pid() + "_" + n;
    this.table = "t_" + suffix;
    this.channel = "c_" + suffix;
  }

  PostgresStateStore store() {
    return PostgresStateStore.builder().jdbcUrl(pg.jdbcUrl()).tableName(table).channel(channel)
        .build();
  }

  PostgresInvalidationSubscriber.Builder subscriber() {
    return PostgresInvalidationSubscriber.builder().jdbcUrl(pg.jdbcUrl()).channel(channel);
  }

  /** Runs one statement on an admin connection. */
  void exec(String sql) throws SQLException {
    try (Connection c = pg.connect(); Statement s = c.createStatement()) {
      s.execute(sql);
    }
  }
}
