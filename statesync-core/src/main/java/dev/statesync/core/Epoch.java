package dev.statesync.core;

import java.util.Objects;

/**
 * The name of one incarnation of a source of truth. Revisions are comparable only within one
 * epoch; a different epoch means the source was reset (restored, restarted with a fresh counter,
 * or re-created), and its snapshot replaces whatever was applied. Epochs have no order: they are
 * only equal or different.
 */
public final class Epoch {
  /** The greatest length of an epoch, in UTF-16 units. */
  public static final int MAX_LENGTH = 256;

  private final String value;

  private Epoch(String value) {
    this.value = value;
  }

  /**
   * Returns the epoch named {@code value}.
   *
   * @throws NullPointerException if {@code value} is null
   * @throws IllegalArgumentException if {@code value} is empty or longer than 256 UTF-16 units
   */
  public static Epoch of(String value) {
    Objects.requireNonNull(value, "value");
    if (!isValid(value)) {
      throw new IllegalArgumentException(
          "epoch must be 1-" + MAX_LENGTH + " characters, was " + value.length());
    }
    return new Epoch(value);
  }

  /** Tells whether {@code value} can name an epoch (non-null, 1–256 UTF-16 units). */
  public static boolean isValid(String value) {
    return value != null && !value.isEmpty() && value.length() <= MAX_LENGTH;
  }

  /** Returns the epoch's name. */
  public String value() {
    return value;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Epoch && ((Epoch) o).value.equals(value);
  }

  @Override
  public int hashCode() {
    return value.hashCode();
  }

  /** Returns the epoch's name. */
  @Override
  public String toString() {
    return value;
  }
}
