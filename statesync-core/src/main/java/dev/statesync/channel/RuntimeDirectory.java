package dev.statesync.channel;

import java.nio.file.Path;
import java.util.Objects;

/**
 * The directory holding a host's lock files, sockets and address files, and the rule that chose
 * it. Processes that must see each other must resolve the same directory.
 *
 * @param path the absolute directory
 * @param source {@code option}, {@code property}, {@code env}, {@code xdg} or {@code tmp}
 */
public record RuntimeDirectory(Path path, String source) {
  /** Rejects null components. */
  public RuntimeDirectory {
    Objects.requireNonNull(path, "path");
    Objects.requireNonNull(source, "source");
  }
}
