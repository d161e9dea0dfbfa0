package dev.statesync.persistence;

import dev.statesync.core.ApplyOutcome;
import dev.statesync.core.SnapshotEnvelope;
import java.util.Objects;
import java.util.Optional;

/**
 * The result of a load or a hydration.
 *
 * @param outcome what the load found
 * @param envelope the snapshot, present for FOUND and MIGRATED
 * @param header the stored header, present when the record verified
 * @param error the failure, present for the error outcomes
 * @param applyOutcome the engine's outcome, present only for a hydration that offered the
 *     snapshot
 * @param <T> the data type
 */
public record LoadResult<T>(LoadOutcome outcome, Optional<SnapshotEnvelope<T>> envelope,
    Optional<RecordHeader> header, Optional<Throwable> error,
    Optional<ApplyOutcome> applyOutcome) {
  /** @throws NullPointerException naming a null component */
  public LoadResult {
    Objects.requireNonNull(outcome, "outcome");
    Objects.requireNonNull(envelope, "envelope");
    Objects.requireNonNull(header, "header");
    Objects.requireNonNull(error, "error");
    Objects.requireNonNull(applyOutcome, "applyOutcome");
  }

  /** Returns a copy carrying {@code outcome} as the engine's apply outcome. */
  public LoadResult<T> withApplyOutcome(ApplyOutcome outcome) {
    return new LoadResult<>(this.outcome, envelope, header, error, Optional.of(outcome));
  }
}
