package dev.statesync.core;

import java.util.Objects;
import java.util.Optional;

/**
 * What an applier knows about the snapshot it is given besides the snapshot itself.
 *
 * @param topic the handle's topic
 * @param origin where the snapshot came from
 * @param previousRevision the revision applied before, or empty if none was
 * @param previousEpoch the epoch applied before, or empty
 * @param epochReset true if the snapshot starts a new epoch and replaces the state regardless of
 *     revision
 */
public record ApplyContext(
    String topic,
    ApplyOrigin origin,
    Optional<Revision> previousRevision,
    Optional<Epoch> previousEpoch,
    boolean epochReset) {

  /** Validates the components. */
  public ApplyContext {
    Objects.requireNonNull(topic, "topic");
    Objects.requireNonNull(origin, "origin");
    Objects.requireNonNull(previousRevision, "previousRevision");
    Objects.requireNonNull(previousEpoch, "previousEpoch");
  }

  /** A context for appliers used without an engine: no previous state, no epoch reset. */
  public static ApplyContext of(String topic, ApplyOrigin origin) {
    return new ApplyContext(topic, origin, Optional.empty(), Optional.empty(), false);
  }
}
