package dev.statesync.postgres.internal;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.Objects;
import java.util.Properties;
import javax.sql.DataSource;
import org.postgresql.Driver;

/** Where the module's classes get their JDBC connections: a user's DataSource or a pgjdbc URL. */
@FunctionalInterface
public interface ConnectionSource {
  /** Opens (or borrows) a connection; the caller closes it. */
  Connection open() throws SQLException;

  /** Borrows connections from {@code dataSource}. */
  static ConnectionSource of(DataSource dataSource) {
    Objects.requireNonNull(dataSource, "dataSource");
    return dataSource::getConnection;
  }

  /**
   * Opens connections with the pgjdbc driver directly, so the driver need not be registered with
   * {@link java.sql.DriverManager} (which a module layer or a shaded jar can prevent).
   *
   * @throws IllegalArgumentException if pgjdbc does not accept {@code url}
   */
  static ConnectionSource of(String url, Properties properties) {
    Objects.requireNonNull(url, "url");
    Properties copy = new Properties();
    if (properties != null) {
      copy.putAll(properties);
    }
    Driver driver = new Driver();
    if (!driver.acceptsURL(url)) {
      throw new IllegalArgumentException(
          "jdbcUrl must be a PostgreSQL JDBC URL (jdbc:postgresql://host:port/database), was \""
              + url + "\"");
    }
    return () -> {
      Connection c = driver.connect(url, copy);
      if (c == null) {
        throw new SQLException("pgjdbc refused the URL " + url);
      }
      return c;
    };
  }

  /**
   * As {@link #of(String, Properties)}, keeping up to {@code maxIdle} connections open between
   * uses (validated before reuse after a pause), so each call does not pay for a new server
   * process.
   */
  static ConnectionSource pooled(String url, Properties properties, int maxIdle) {
    return new IdleConnectionPool(of(url, properties), maxIdle);
  }
}
