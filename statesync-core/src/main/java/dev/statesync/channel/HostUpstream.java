package dev.statesync.channel;

import com.fasterxml.jackson.databind.JsonNode;
import dev.statesync.core.InvalidationSubscriber;
import dev.statesync.core.SnapshotProvider;
import java.util.Objects;
import java.util.function.BiFunction;

/**
 * The upstream a host coordinator wraps: any {@link InvalidationSubscriber} and a factory of
 * {@link SnapshotProvider}s that read a topic's snapshot as a JSON tree. An HTTP/SSE pair, a
 * PostgreSQL pair or a user's own transport all fit.
 *
 * <p>Only the host's leader process uses it: it subscribes once with one sink of its own (which
 * receives the events of every topic) and fetches each wanted topic through
 * {@link #provider(String, String)}. Followers use a provider only for a direct fetch (a
 * {@code big} envelope, or a fallback after {@code snapshotRequestTimeout}).
 *
 * <p>The subscriber must call {@code sink.resync()} after every reconnect, as every statesync
 * transport does: the leader then fetches each wanted topic once (catch-up).
 */
public interface HostUpstream {
  /** Returns the subscriber the leader subscribes to; called once per term of office. */
  InvalidationSubscriber subscriber();

  /**
   * Returns the provider of {@code topic} at {@code sourceKey}, the opaque key a handle was
   * created with (a URL, a table name, anything the factory understands). Called at most once per
   * (topic, sourceKey) by each coordinator, which keeps the result; it must not block.
   */
  SnapshotProvider<JsonNode> provider(String topic, String sourceKey);

  /**
   * Returns an upstream made of {@code subscriber} and a provider factory.
   *
   * @throws NullPointerException if an argument is null
   */
  static HostUpstream of(InvalidationSubscriber subscriber,
      BiFunction<String, String, ? extends SnapshotProvider<JsonNode>> providers) {
    Objects.requireNonNull(subscriber, "subscriber");
    Objects.requireNonNull(providers, "providers");
    return new HostUpstream() {
      @Override
      public InvalidationSubscriber subscriber() {
        return subscriber;
      }

      @Override
      public SnapshotProvider<JsonNode> provider(String topic, String sourceKey) {
        return Objects.requireNonNull(providers.apply(topic, sourceKey),
            "provider factory returned null");
      }
    };
  }
}
