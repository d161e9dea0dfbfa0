package dev.statesync.persistence;

import dev.statesync.persistence.internal.DefaultPersistenceApplier;
import java.util.Objects;

/** Entry point of statesync-persistence. */
public final class Persistence {
  private Persistence() {}

  /**
   * Creates a persistence applier. Creating it does no storage I/O.
   *
   * @throws NullPointerException if {@code options} is null
   */
  public static <T> PersistenceApplier<T> createPersistenceApplier(
      PersistenceOptions<T> options) {
    return new DefaultPersistenceApplier<>(Objects.requireNonNull(options, "options"));
  }
}
