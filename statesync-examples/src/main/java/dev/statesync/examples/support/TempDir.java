package dev.statesync.examples.support;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Comparator;
import java.util.stream.Stream;

/**
 * A temporary directory for one example run, with a private {@code run/} subdirectory for the
 * host channel's lock and socket files; deleted on close.
 */
public final class TempDir implements AutoCloseable {
  private final Path path;

  private TempDir(Path path) {
    this.path = path;
  }

  /** Creates {@code <tmp>/<prefix><random>/} and its {@code run/} (mode 0700). */
  public static TempDir create(String prefix) {
    try {
      // The default temporary directory keeps the socket path short (a Unix socket path is
      // limited to about 100 bytes).
      Path dir = Files.createTempDirectory(prefix);
      Files.createDirectory(dir.resolve("run"),
          PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
      return new TempDir(dir);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create a temporary directory", e);
    }
  }

  /** The directory. */
  public Path path() {
    return path;
  }

  /** The private runtime directory for the host channel. */
  public Path runtimeDir() {
    return path.resolve("run");
  }

  /** Deletes the directory and everything in it, as far as possible. */
  @Override
  public void close() {
    try (Stream<Path> paths = Files.walk(path)) {
      paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException e) {
      // A temporary directory left behind is harmless; the OS cleans it up.
    }
  }
}
