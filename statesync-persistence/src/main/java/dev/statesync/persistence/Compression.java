package dev.statesync.persistence;

import java.util.Objects;

/**
 * How a record's payload is compressed. The stored header names the algorithm ({@code none},
 * {@code gzip} or {@code deflate}), and a reader always decompresses by that name, whatever it is
 * configured to write, so changing this setting never breaks old records. Immutable and
 * thread-safe.
 */
public final class Compression {
  /** No compression: the payload is the codec bytes. */
  public static final Compression NONE = new Compression("none", -1);
  /** GZIP (RFC 1952) at the default level. */
  public static final Compression GZIP = new Compression("gzip", -1);
  /** zlib-wrapped DEFLATE (RFC 1950) at the default level. */
  public static final Compression DEFLATE = new Compression("deflate", -1);

  private final String name;
  private final int level;

  private Compression(String name, int level) {
    this.name = name;
    this.level = level;
  }

  /**
   * Returns zlib DEFLATE at {@code level}; stored as {@code deflate}, the level is not recorded.
   *
   * @throws IllegalArgumentException if {@code level} is outside 0-9
   */
  public static Compression deflate(int level) {
    if (level < 0 || level > 9) {
      throw new IllegalArgumentException("deflate level must be 0-9, was " + level);
    }
    return new Compression("deflate", level);
  }

  /** Returns the name stored in the header: {@code none}, {@code gzip} or {@code deflate}. */
  public String name() {
    return name;
  }

  /** Returns the DEFLATE level, or -1 for the algorithm's default. */
  public int level() {
    return level;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Compression && ((Compression) o).name.equals(name)
        && ((Compression) o).level == level;
  }

  @Override
  public int hashCode() {
    return Objects.hash(name, level);
  }

  @Override
  public String toString() {
    return level < 0 ? name : name + "(" + level + ")";
  }
}
