package dev.statesync.channel.internal;

import com.fasterxml.jackson.databind.JavaType;
import com.fasterxml.jackson.databind.JsonNode;
import dev.statesync.channel.HostCoordinationOptions;
import dev.statesync.channel.HostUpstream;
import dev.statesync.core.ApplyOrigin;
import dev.statesync.core.Epoch;
import dev.statesync.core.InvalidationSink;
import dev.statesync.core.InvalidationSubscriber;
import dev.statesync.core.Revision;
import dev.statesync.core.RevisionSyncHandle;
import dev.statesync.core.SnapshotEnvelope;
import dev.statesync.core.SnapshotProvider;
import dev.statesync.core.Subscription;
import dev.statesync.core.json.ProtocolCodec;
import dev.statesync.core.logging.Logger;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * One host-coordinated handle: its coordinator subscriber and coordinator provider (RELAY-32).
 * The subscriber takes a reference on the JVM's coordinator for the channel name while the
 * handle is subscribed; outside a subscription (a {@code refresh()} in IDLE or FAILED) the
 * provider fetches from the upstream directly.
 *
 * @param <T> the handle's data type
 */
public final class CoordinatedMember<T> implements HostMember {
  private static final ProtocolCodec JSON_CODEC = ProtocolCodec.create();

  private final String channelName;
  private final HostCoordinationOptions options;
  private final HostUpstream upstream;
  private final String sourceKey;
  private final JavaType type;
  private final Logger log;
  private String topic;
  private ProtocolCodec codec;
  private volatile RevisionSyncHandle<T> handle;
  private volatile HostCoordinator coordinator;
  private volatile InvalidationSink sink;
  private volatile SnapshotProvider<JsonNode> ownProvider;

  public CoordinatedMember(String channelName, HostCoordinationOptions options,
      HostUpstream upstream, String sourceKey, JavaType type) {
    this.channelName = channelName;
    this.options = options;
    this.upstream = upstream;
    this.sourceKey = sourceKey;
    this.type = type;
    this.log = options.logger().orElseGet(dev.statesync.channel.ChannelRuntime::defaultLogger);
  }

  /** Completes the member once the handle's options are built; before the handle exists. */
  public void bind(String topic, ProtocolCodec codec) {
    this.topic = topic;
    this.codec = codec;
  }

  /** Attaches the handle that offers go to. */
  public void attach(RevisionSyncHandle<T> handle) {
    this.handle = handle;
  }

  /** The coordinator subscriber of this handle. */
  public InvalidationSubscriber subscriber() {
    return this::subscribe;
  }

  /** The coordinator provider of this handle. */
  public SnapshotProvider<T> provider() {
    return this::getSnapshot;
  }

  @Override
  public String topic() {
    return topic;
  }

  @Override
  public String sourceKey() {
    return sourceKey;
  }

  @Override
  public InvalidationSink sink() {
    return sink;
  }

  private CompletionStage<Subscription> subscribe(InvalidationSink s) {
    HostCoordinator c;
    try {
      c = HostCoordinator.acquire(channelName, options, upstream);
    } catch (RuntimeException e) {
      return CompletableFuture.failedFuture(e);
    }
    sink = s;
    AtomicBoolean left = new AtomicBoolean();
    Subscription sub = () -> {
      if (left.compareAndSet(false, true)) {
        coordinator = null;
        c.leave(this);
      }
    };
    return c.join(this).handle((ok, err) -> {
      if (err != null) {
        sub.unsubscribe();
        throw new java.util.concurrent.CompletionException(err);
      }
      coordinator = c;
      return sub;
    });
  }

  private CompletionStage<SnapshotEnvelope<T>> getSnapshot() {
    HostCoordinator c = coordinator;
    CompletionStage<String> json = c != null ? c.snapshot(this) : directFetch();
    return json.thenApply(this::decode);
  }

  private CompletionStage<String> directFetch() {
    SnapshotProvider<JsonNode> p = ownProvider;
    if (p == null) {
      p = Objects.requireNonNull(upstream.provider(topic, sourceKey),
          "provider factory returned null");
      ownProvider = p;
    }
    CompletionStage<SnapshotEnvelope<JsonNode>> stage =
        Objects.requireNonNull(p.getSnapshot(), "provider returned null");
    return stage.thenApply(env -> JSON_CODEC.encodeSnapshot(
        Objects.requireNonNull(env, "provider returned null")));
  }

  private SnapshotEnvelope<T> decode(String json) {
    return codec.decodeSnapshot(json, type);
  }

  @Override
  public void offer(CachedEnvelope envelope) {
    RevisionSyncHandle<T> h = handle;
    if (h == null) {
      return;
    }
    SnapshotEnvelope<T> env;
    try {
      env = decode(envelope.json());
    } catch (RuntimeException e) {
      log.warn("host envelope does not decode for this handle", Map.of("channel", channelName,
          "topic", topic, "revision", envelope.revision().toString(), "error", e.getMessage()));
      return;
    }
    h.offer(env, ApplyOrigin.PEER);
  }

  @Override
  public boolean isBehind(Revision revision, Epoch epoch) {
    RevisionSyncHandle<T> h = handle;
    if (h == null) {
      return false;
    }
    Optional<Epoch> local = h.localEpoch();
    return !Objects.equals(local.orElse(null), epoch) || revision.isNewerThan(h.localRevision());
  }
}
