package dev.statesync.channel;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JavaType;
import com.fasterxml.jackson.databind.type.TypeFactory;
import dev.statesync.channel.internal.CoordinatedMember;
import dev.statesync.channel.internal.HostCoordinator;
import dev.statesync.core.RevisionSyncHandle;
import dev.statesync.core.RevisionSyncOptions;
import dev.statesync.core.StateSync;
import java.util.Objects;
import java.util.Optional;

/**
 * The host-coordinated mode: one upstream subscription and one fetch per change per host,
 * however many processes on it sync the same topics.
 *
 * <p>The processes of one OS user that use the same channel name elect a leader with
 * {@link LeaderElection}. The leader alone subscribes to the {@link HostUpstream} and fetches
 * snapshots; it keeps the latest envelope of every wanted topic and broadcasts it over a
 * {@link BroadcastChannel}. Every process, the leader included, hands each envelope to its own
 * handles with {@code offer(envelope, ApplyOrigin.PEER)}, so each handle still applies only what
 * its own gate accepts. When the leader dies another process takes over within milliseconds,
 * subscribes, and fetches each wanted topic once.
 *
 * <pre>{@code
 * HostUpstream upstream = HostUpstream.of(subscriber, (topic, key) -> providerOf(topic, key));
 * RevisionSyncHandle<Settings> sync = HostCoordination.createRevisionSync(
 *     RevisionSyncOptions.<Settings>builder()
 *         .topic("settings")
 *         .applier(SnapshotApplier.ofData(view::show)),
 *     Settings.class, upstream, "settings-source",
 *     HostCoordinationOptions.builder().channelName("my-app-settings").build());
 * sync.start().join();
 * }</pre>
 *
 * <p>A JVM runs one coordinator per channel name, shared by all its handles on that name and
 * created with the options and upstream of the first handle that starts; it lives while at least
 * one of them is started and closes when the last one stops. See {@code docs/channel.md}.
 */
public final class HostCoordination {
  private HostCoordination() {}

  /**
   * Creates a host-coordinated handle in status IDLE, as {@link StateSync#createRevisionSync}
   * does; the caller starts it.
   *
   * <p>{@code engine} carries every engine option except the subscriber and provider: this method
   * sets those two on it (replacing any set there) to the handle's coordinator subscriber and
   * coordinator provider, then builds it. The coordinator subscriber joins the host channel (its
   * stage completes once the channel is joined, or fails with the channel's exception) and calls
   * {@code resync()} on the host channel's resync, on every change of leader and on a {@code big}
   * envelope; the coordinator provider asks the leader for the topic's envelope, or fetches
   * directly as {@link HostCoordinationOptions} describes. Outside a subscription (a
   * {@code refresh()} before {@code start()}), it fetches from the upstream directly.
   *
   * @param engine the engine options, without subscriber and provider
   * @param type the data type; envelopes are decoded with the handle's codec
   * @param upstream the subscriber and providers the leader uses
   * @param sourceKey the opaque key handed to {@link HostUpstream#provider} for this topic; every
   *     process must use the same key for the same topic
   * @param coordination the options; {@link HostCoordinationOptions#channelName()} must be set
   * @throws NullPointerException if an argument is null, or as {@link RevisionSyncOptions.Builder#build()}
   * @throws IllegalArgumentException if no channel name is set, or as
   *     {@link RevisionSyncOptions.Builder#build()}
   */
  public static <T> RevisionSyncHandle<T> createRevisionSync(RevisionSyncOptions.Builder<T> engine,
      Class<T> type, HostUpstream upstream, String sourceKey, HostCoordinationOptions coordination) {
    Objects.requireNonNull(type, "type");
    return create(engine, TypeFactory.defaultInstance().constructType(type), upstream, sourceKey,
        coordination);
  }

  /** As {@link #createRevisionSync(RevisionSyncOptions.Builder, Class, HostUpstream, String,
   * HostCoordinationOptions)}, for a generic data type. */
  public static <T> RevisionSyncHandle<T> createRevisionSync(RevisionSyncOptions.Builder<T> engine,
      TypeReference<T> type, HostUpstream upstream, String sourceKey,
      HostCoordinationOptions coordination) {
    Objects.requireNonNull(type, "type");
    return create(engine, TypeFactory.defaultInstance().constructType(type), upstream, sourceKey,
        coordination);
  }

  /** As {@link #createRevisionSync(RevisionSyncOptions.Builder, Class, HostUpstream, String,
   * HostCoordinationOptions)}, for a Jackson type. */
  public static <T> RevisionSyncHandle<T> createRevisionSync(RevisionSyncOptions.Builder<T> engine,
      JavaType type, HostUpstream upstream, String sourceKey,
      HostCoordinationOptions coordination) {
    return create(engine, Objects.requireNonNull(type, "type"), upstream, sourceKey, coordination);
  }

  /**
   * Returns the counters of this JVM's coordinator for {@code channelName}, or empty when none
   * runs (no handle on that name is started).
   */
  public static Optional<HostCoordinationStats> stats(String channelName) {
    return HostCoordinator.stats(Objects.requireNonNull(channelName, "channelName"));
  }

  private static <T> RevisionSyncHandle<T> create(RevisionSyncOptions.Builder<T> engine,
      JavaType type, HostUpstream upstream, String sourceKey,
      HostCoordinationOptions coordination) {
    Objects.requireNonNull(engine, "engine");
    Objects.requireNonNull(upstream, "upstream");
    Objects.requireNonNull(sourceKey, "sourceKey");
    Objects.requireNonNull(coordination, "coordination");
    String channelName = coordination.channelName().orElseThrow(() -> new IllegalArgumentException(
        "channelName must be set for host coordination: every process that shares the upstream"
            + " must use the same name"));
    CoordinatedMember<T> member =
        new CoordinatedMember<>(channelName, coordination, upstream, sourceKey, type);
    RevisionSyncOptions<T> options =
        engine.subscriber(member.subscriber()).provider(member.provider()).build();
    member.bind(options.topic(), options.codec());
    RevisionSyncHandle<T> handle = StateSync.createRevisionSync(options);
    member.attach(handle);
    return handle;
  }
}
