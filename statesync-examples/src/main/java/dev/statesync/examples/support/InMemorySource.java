package dev.statesync.examples.support;

import dev.statesync.core.InvalidationEvent;
import dev.statesync.core.InvalidationSink;
import dev.statesync.core.InvalidationSubscriber;
import dev.statesync.core.Revision;
import dev.statesync.core.SnapshotEnvelope;
import dev.statesync.core.SnapshotProvider;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A source of truth in memory for the single-JVM examples: a revisioned value, a provider that
 * counts its reads, and a subscriber whose events are delivered on the writer's thread before
 * {@link #write} returns, so an example's order of events is exact.
 *
 * @param <T> the data type
 */
public final class InMemorySource<T> {
  private final String topic;
  private final List<InvalidationSink> sinks = new CopyOnWriteArrayList<>();
  private final AtomicLong reads = new AtomicLong();
  private volatile SnapshotEnvelope<T> current;

  /** A source of {@code topic} at revision 1 holding {@code initial}. */
  public InMemorySource(String topic, T initial) {
    this.topic = topic;
    this.current = SnapshotEnvelope.of(Revision.of(1), initial);
  }

  /** The current envelope. */
  public SnapshotEnvelope<T> current() {
    return current;
  }

  /**
   * Stores the next revision, delivers its invalidation to every subscriber (with
   * {@code sourceId} unless null) and returns the write response.
   */
  public SnapshotEnvelope<T> write(T value, String sourceId) {
    SnapshotEnvelope<T> written = store(value);
    announce(written.revision(), sourceId);
    return written;
  }

  /** Stores the next revision without announcing it; returns the write response. */
  public synchronized SnapshotEnvelope<T> store(T value) {
    current = SnapshotEnvelope.of(current.revision().next(), value);
    return current;
  }

  /** Delivers the invalidation of {@code revision} to every subscriber. */
  public void announce(Revision revision, String sourceId) {
    InvalidationEvent event = InvalidationEvent.of(topic, revision);
    InvalidationEvent sent = sourceId == null ? event : event.withSourceId(sourceId);
    sinks.forEach(s -> s.accept(sent));
  }

  /** A subscriber to this source's invalidations. */
  public InvalidationSubscriber subscriber() {
    return InvalidationSubscriber.of(sink -> {
      sinks.add(sink);
      return () -> sinks.remove(sink);
    });
  }

  /** A provider that reads the current envelope inline and counts the read. */
  public SnapshotProvider<T> provider() {
    return SnapshotProvider.of(() -> {
      reads.incrementAndGet();
      return current;
    });
  }

  /** How many times a provider read the source. */
  public long reads() {
    return reads.get();
  }
}
