package dev.statesync.persistence;

/**
 * Options of one load.
 *
 * @param ignoreTtl skip the TTL check
 */
public record LoadOptions(boolean ignoreTtl) {
  /** Returns the defaults: TTL checked. */
  public static LoadOptions defaults() {
    return new LoadOptions(false);
  }

  /** Returns options with {@code ignoreTtl} set as given. */
  public static LoadOptions ignoringTtl(boolean ignoreTtl) {
    return new LoadOptions(ignoreTtl);
  }
}
