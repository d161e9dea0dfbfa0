package dev.statesync.channel.internal;

import dev.statesync.core.Epoch;
import dev.statesync.core.InvalidationSink;
import dev.statesync.core.Revision;

/** A host coordinator's view of one of its JVM's handles. Called in the coordinator's context. */
public interface HostMember {
  /** The handle's topic. */
  String topic();

  /** The key the topic's provider is created from. */
  String sourceKey();

  /** The engine's sink of the current subscription. */
  InvalidationSink sink();

  /** Decodes {@code envelope} for the handle and offers it with origin PEER; never throws. */
  void offer(CachedEnvelope envelope);

  /** Whether the handle's applied state is older than (revision, epoch) or of another epoch. */
  boolean isBehind(Revision revision, Epoch epoch);
}
