package dev.statesync.persistence;

/**
 * Size limits that bound record encoding and decoding, so a corrupt or hostile record can never
 * make a reader allocate without bound.
 *
 * @param maxRecordBytes the largest stored (compressed) payload, in bytes; at least 1
 * @param maxDecodedBytes the largest decompressed payload, in bytes; at least 1
 */
public record Limits(long maxRecordBytes, long maxDecodedBytes) {
  private static final long MIB_64 = 64L * 1024 * 1024;
  // Arrays are indexed by int; leave headroom for the fixed layout and the header.
  private static final long MAX = Integer.MAX_VALUE - 131_072L;

  /**
   * Validates the limits.
   *
   * @throws IllegalArgumentException if a limit is outside 1 to 2^31 - 131073
   */
  public Limits {
    if (maxRecordBytes < 1 || maxRecordBytes > MAX) {
      throw new IllegalArgumentException(
          "maxRecordBytes must be 1-" + MAX + ", was " + maxRecordBytes);
    }
    if (maxDecodedBytes < 1 || maxDecodedBytes > MAX) {
      throw new IllegalArgumentException(
          "maxDecodedBytes must be 1-" + MAX + ", was " + maxDecodedBytes);
    }
  }

  /** Returns 64 MiB for both limits. */
  public static Limits defaults() {
    return new Limits(MIB_64, MIB_64);
  }
}
