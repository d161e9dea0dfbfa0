package dev.statesync.postgres;

/**
 * The real PostgreSQL server of this module's tests ({@link EmbeddedPostgres}), opened through
 * the test jar to other modules' tests (statesync-examples, statesync-benchmarks), which live in
 * other packages.
 */
public final class PostgresTestServer {
  private PostgresTestServer() {}

  /** A JDBC URL of the shared test server (started on first use, stopped at JVM exit). */
  public static String jdbcUrl() {
    return EmbeddedPostgres.get().jdbcUrl();
  }
}
