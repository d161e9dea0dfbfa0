package dev.statesync.postgres;

/**
 * The real PostgreSQL server of statesync-postgres' tests ({@code EmbeddedPostgres}, from that
 * module's test jar), opened to the examples' tests, which live in other packages.
 */
public final class ExampleDatabase {
  private ExampleDatabase() {}

  /** A JDBC URL of the shared test server (started on first use, stopped at JVM exit). */
  public static String jdbcUrl() {
    return EmbeddedPostgres.get().jdbcUrl();
  }
}
