package dev.statesync.core;

import java.math.BigInteger;
import java.util.Objects;
import java.util.Optional;

/**
 * An unsigned 64-bit revision: the counter a source of truth raises on every change.
 *
 * <p>The value is held in the bits of a {@code long}, so revisions above {@link Long#MAX_VALUE}
 * are representable; ordering is unsigned. The textual form is canonical decimal (1–20 ASCII
 * digits, no sign, no leading zero, at most {@code 18446744073709551615}), which is also the JSON
 * wire form. Instances are immutable and thread-safe.
 */
public final class Revision implements Comparable<Revision> {
  /** The revision "0". */
  public static final Revision ZERO = new Revision(0L);

  /** The greatest revision, "18446744073709551615" (2^64 − 1). */
  public static final Revision MAX = new Revision(-1L);

  private static final String MAX_LITERAL = "18446744073709551615";
  private static final BigInteger TWO_64 = BigInteger.ONE.shiftLeft(64);

  private final long bits;

  private Revision(long bits) {
    this.bits = bits;
  }

  /**
   * Returns the revision with the given non-negative value.
   *
   * @throws IllegalArgumentException if {@code value} is negative; use {@link #ofUnsignedBits}
   *     for values above {@link Long#MAX_VALUE}
   */
  public static Revision of(long value) {
    if (value < 0) {
      throw new IllegalArgumentException(
          "revision must be >= 0, was " + value + " (use ofUnsignedBits for values >= 2^63)");
    }
    return ofUnsignedBits(value);
  }

  /** Returns the revision whose unsigned 64-bit value is held in {@code bits}. */
  public static Revision ofUnsignedBits(long bits) {
    if (bits == 0L) {
      return ZERO;
    }
    if (bits == -1L) {
      return MAX;
    }
    return new Revision(bits);
  }

  /**
   * Returns the revision with the given value.
   *
   * @throws IllegalArgumentException if {@code value} is negative or above {@link #MAX}
   */
  public static Revision of(BigInteger value) {
    Objects.requireNonNull(value, "value");
    if (value.signum() < 0 || value.compareTo(TWO_64) >= 0) {
      throw new IllegalArgumentException("revision must be in [0, 2^64 - 1], was " + value);
    }
    return ofUnsignedBits(value.longValue());
  }

  /**
   * Parses a canonical decimal revision.
   *
   * @throws NullPointerException if {@code text} is null
   * @throws IllegalArgumentException if {@code text} is not canonical; the message quotes at most
   *     40 characters of the input
   */
  public static Revision parse(String text) {
    Objects.requireNonNull(text, "text");
    if (!isCanonical(text)) {
      throw new IllegalArgumentException(
          "not a canonical revision (1-20 ASCII digits, no sign or leading zero, <= "
              + MAX_LITERAL + "): \"" + quote(text) + "\"");
    }
    return ofUnsignedBits(Long.parseUnsignedLong(text));
  }

  /** Parses a canonical decimal revision, or returns empty if {@code text} is null or not canonical. */
  public static Optional<Revision> tryParse(String text) {
    return isCanonical(text)
        ? Optional.of(ofUnsignedBits(Long.parseUnsignedLong(text)))
        : Optional.empty();
  }

  /**
   * Tells whether {@code text} is a canonical revision: 1–20 ASCII digits, no leading zero unless
   * it is "0", and a value at most {@link #MAX}. Returns false for null.
   */
  public static boolean isCanonical(String text) {
    if (text == null) {
      return false;
    }
    int n = text.length();
    if (n == 0 || n > 20) {
      return false;
    }
    for (int i = 0; i < n; i++) {
      char c = text.charAt(i);
      if (c < '0' || c > '9') {
        return false;
      }
    }
    if (n > 1 && text.charAt(0) == '0') {
      return false;
    }
    return n < 20 || text.compareTo(MAX_LITERAL) <= 0;
  }

  /**
   * Compares two canonical revision strings numerically without parsing them: the shorter is
   * smaller, and strings of equal length compare lexicographically.
   *
   * @throws IllegalArgumentException if either string is not canonical
   */
  public static int compareCanonical(String a, String b) {
    if (!isCanonical(a)) {
      throw new IllegalArgumentException("not a canonical revision: \"" + quote(a) + "\"");
    }
    if (!isCanonical(b)) {
      throw new IllegalArgumentException("not a canonical revision: \"" + quote(b) + "\"");
    }
    int byLength = Integer.compare(a.length(), b.length());
    return byLength != 0 ? byLength : Integer.signum(a.compareTo(b));
  }

  /** Returns this value plus one, saturating at {@link #MAX} (it never wraps to zero). */
  public Revision next() {
    return bits == -1L ? MAX : ofUnsignedBits(bits + 1);
  }

  /** Returns the unsigned 64-bit value in the bits of a {@code long}. */
  public long unsignedBits() {
    return bits;
  }

  /** Returns the value as a non-negative {@link BigInteger}. */
  public BigInteger toBigInteger() {
    BigInteger v = BigInteger.valueOf(bits);
    return bits >= 0 ? v : v.add(TWO_64);
  }

  /** Returns true if this revision is strictly greater than {@code other}. */
  public boolean isNewerThan(Revision other) {
    return compareTo(other) > 0;
  }

  /** Compares by unsigned numeric value. */
  @Override
  public int compareTo(Revision other) {
    return Long.compareUnsigned(bits, other.bits);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Revision && ((Revision) o).bits == bits;
  }

  @Override
  public int hashCode() {
    return Long.hashCode(bits);
  }

  /** Returns the canonical decimal form. */
  @Override
  public String toString() {
    return Long.toUnsignedString(bits);
  }

  private static String quote(String text) {
    if (text == null) {
      return "null";
    }
    return text.length() <= 40 ? text : text.substring(0, 40) + "...";
  }
}
