package dev.statesync.postgres;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JsonNode;
import dev.statesync.channel.HostCoordination;
import dev.statesync.channel.HostCoordinationOptions;
import dev.statesync.channel.HostUpstream;
import dev.statesync.core.RevisionSyncHandle;
import dev.statesync.core.RevisionSyncOptions;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Objects;

/**
 * The host-coordinated mode of the PostgreSQL transport: on each host only the channel leader
 * holds the {@code LISTEN} connection and reads the rows; the other processes of the host follow
 * over the host channel ({@link HostCoordination}). A host of N processes then costs the database
 * one listening connection and one {@code SELECT} per change, instead of N of each.
 *
 * <pre>{@code
 * RevisionSyncHandle<Settings> handle = PostgresHostCoordination.createRevisionSync(
 *     RevisionSyncOptions.<Settings>builder().topic("settings").applier(applier),
 *     Settings.class, listener, store, HostCoordinationOptions.defaults());
 * handle.start().join();
 * }</pre>
 *
 * <p>Every process of the host must pass an equivalent listener and store (same database, table
 * and channel); the listener opens its connection only in the process that leads.
 */
public final class PostgresHostCoordination {
  private PostgresHostCoordination() {}

  /**
   * Returns the upstream pair of {@code store}: {@code subscriber}, and a
   * {@link PostgresSnapshotProvider} of each topic read as a JSON tree.
   */
  public static HostUpstream upstream(PostgresInvalidationSubscriber subscriber,
      PostgresStateStore store) {
    Objects.requireNonNull(subscriber, "subscriber");
    Objects.requireNonNull(store, "store");
    return HostUpstream.of(subscriber,
        (topic, key) -> PostgresSnapshotProvider.of(store, topic, JsonNode.class));
  }

  /**
   * Returns the default host channel name of {@code store}: {@code "statesync-pg-"} and the first
   * 16 hex digits of SHA-256 over the table name, a newline and the notification channel. Set
   * {@code channelName} yourself when processes of one host use tables of the same name in
   * different databases.
   */
  public static String defaultChannelName(PostgresStateStore store) {
    String id = store.tableName() + "\n" + store.channel();
    try {
      byte[] hash = MessageDigest.getInstance("SHA-256").digest(id.getBytes(StandardCharsets.UTF_8));
      return "statesync-pg-" + HexFormat.of().formatHex(hash, 0, 8);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is required of every JDK", e);
    }
  }

  /**
   * Creates a host-coordinated handle in status IDLE on the rows of {@code store}, as
   * {@link HostCoordination#createRevisionSync(RevisionSyncOptions.Builder, Class, HostUpstream,
   * String, HostCoordinationOptions)} describes; {@code engine} holds every engine option except
   * subscriber and provider. Without a channel name in {@code options}, the
   * {@link #defaultChannelName(PostgresStateStore)} is used.
   */
  public static <T> RevisionSyncHandle<T> createRevisionSync(RevisionSyncOptions.Builder<T> engine,
      Class<T> type, PostgresInvalidationSubscriber subscriber, PostgresStateStore store,
      HostCoordinationOptions options) {
    return HostCoordination.createRevisionSync(engine, type, upstream(subscriber, store),
        sourceKey(store), withChannel(options, store));
  }

  /** As {@link #createRevisionSync(RevisionSyncOptions.Builder, Class,
   * PostgresInvalidationSubscriber, PostgresStateStore, HostCoordinationOptions)}, for a generic
   * data type. */
  public static <T> RevisionSyncHandle<T> createRevisionSync(RevisionSyncOptions.Builder<T> engine,
      TypeReference<T> type, PostgresInvalidationSubscriber subscriber, PostgresStateStore store,
      HostCoordinationOptions options) {
    return HostCoordination.createRevisionSync(engine, type, upstream(subscriber, store),
        sourceKey(store), withChannel(options, store));
  }

  private static String sourceKey(PostgresStateStore store) {
    return "postgres:" + store.tableName();
  }

  private static HostCoordinationOptions withChannel(HostCoordinationOptions options,
      PostgresStateStore store) {
    Objects.requireNonNull(options, "options");
    return options.channelName().isPresent() ? options
        : options.toBuilder().channelName(defaultChannelName(Objects.requireNonNull(store,
            "store"))).build();
  }
}
