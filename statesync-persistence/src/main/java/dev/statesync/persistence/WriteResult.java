package dev.statesync.persistence;

import java.util.Objects;
import java.util.Optional;

/**
 * The result of a storage write.
 *
 * @param status what the write did
 * @param previous the header of the record that was there before, if it was readable
 */
public record WriteResult(WriteStatus status, Optional<RecordHeader> previous) {
  /** @throws NullPointerException naming a null component */
  public WriteResult {
    Objects.requireNonNull(status, "status");
    Objects.requireNonNull(previous, "previous");
  }
}
