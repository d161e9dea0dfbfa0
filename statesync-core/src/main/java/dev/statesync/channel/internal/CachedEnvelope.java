package dev.statesync.channel.internal;

import dev.statesync.core.Epoch;
import dev.statesync.core.Revision;
import java.util.Objects;

/**
 * The latest envelope of one topic held by a host coordinator: the snapshot JSON exactly as it
 * travels in an {@code env} message, with its revision and epoch read out for the cache rules.
 */
public record CachedEnvelope(String json, Revision revision, Epoch epoch) {
  public CachedEnvelope {
    Objects.requireNonNull(json, "json");
    Objects.requireNonNull(revision, "revision");
  }

  /** RELAY-33.4: a fetched result is kept when it is newer or of another epoch. */
  boolean isNewerThan(CachedEnvelope current) {
    return current == null || !Objects.equals(epoch, current.epoch)
        || revision.isNewerThan(current.revision);
  }

  /** RELAY-34: an {@code env} replaces the entry unless it is older within the same epoch. */
  boolean replaces(CachedEnvelope current) {
    return current == null || !Objects.equals(epoch, current.epoch)
        || !current.revision.isNewerThan(revision);
  }
}
