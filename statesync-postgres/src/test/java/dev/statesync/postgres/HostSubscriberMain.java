package dev.statesync.postgres;

import dev.statesync.channel.ChannelOptions;
import dev.statesync.channel.ElectionOptions;
import dev.statesync.channel.HostCoordination;
import dev.statesync.channel.HostCoordinationOptions;
import dev.statesync.channel.HostCoordinationStats;
import dev.statesync.core.Epoch;
import dev.statesync.core.RevisionSyncHandle;
import dev.statesync.core.RevisionSyncOptions;
import dev.statesync.core.SnapshotApplier;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;

/**
 * A process of a host-coordinated fleet host: one handle on {@code topic} through
 * {@link PostgresHostCoordination}. Prints {@code READY}, {@code APPLIED <revision> <epoch>
 * <count>} per apply and, for the stdin line {@code stats}, {@code STATS <leader> <fetches>
 * <directFetches>}; quits when stdin closes.
 *
 * <p>Arguments: jdbcUrl table channel topic runtimeDir hostChannelName.
 */
public final class HostSubscriberMain {
  private HostSubscriberMain() {}

  public static void main(String[] args) throws Exception {
    String url = args[0];
    String topic = args[3];
    Path runtimeDir = Path.of(args[4]);
    String hostChannel = args[5];
    PostgresStateStore store = PostgresStateStore.builder()
        .jdbcUrl(url).tableName(args[1]).channel(args[2]).build();
    PostgresInvalidationSubscriber listener = PostgresInvalidationSubscriber.builder()
        .jdbcUrl(url).channel(args[2]).pollInterval(Duration.ofMillis(100)).build();
    HostCoordinationOptions options = HostCoordinationOptions.builder().channelName(hostChannel)
        .channelOptions(ChannelOptions.builder().runtimeDir(runtimeDir)
            .openTimeout(Duration.ofSeconds(20)).build())
        .electionOptions(ElectionOptions.builder().runtimeDir(runtimeDir).build())
        .snapshotRequestTimeout(Duration.ofSeconds(20))
        .build();
    RevisionSyncHandle<Tally> handle = PostgresHostCoordination.createRevisionSync(
        RevisionSyncOptions.<Tally>builder()
            .topic(topic)
            .applier(SnapshotApplier.of(env -> SubscriberMain.print("APPLIED " + env.revision()
                + " " + env.epoch().map(Epoch::value).orElse("-") + " "
                + (env.data() == null ? -1 : env.data().count()))))
            .onError(ctx -> SubscriberMain.print("ERROR " + ctx.phase().wireName() + " "
                + ctx.error())),
        Tally.class, listener, store, options);
    handle.start().join();
    SubscriberMain.print("READY");
    BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
    String line;
    while ((line = in.readLine()) != null) {
      if (line.equals("stats")) {
        HostCoordinationStats s = HostCoordination.stats(hostChannel).orElseThrow();
        SubscriberMain.print("STATS " + s.leader() + " " + s.fetches() + " " + s.directFetches());
      }
    }
    handle.close();
    listener.close();
  }
}
