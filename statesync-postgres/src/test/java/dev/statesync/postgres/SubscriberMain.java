package dev.statesync.postgres;

import dev.statesync.core.Epoch;
import dev.statesync.core.RevisionSyncHandle;
import dev.statesync.core.RevisionSyncOptions;
import dev.statesync.core.SnapshotApplier;
import dev.statesync.core.StateSync;
import dev.statesync.core.logging.Logger;
import java.io.IOException;
import java.time.Duration;
import java.util.Map;

/**
 * A subscriber host for the multi-process tests: one handle on {@code topic} fed by its own
 * {@link PostgresInvalidationSubscriber}. Prints {@code READY}, then
 * {@code APPLIED <revision> <epoch> <count>} per apply, {@code ERROR <phase> <error>} per error and
 * {@code LOG <message>} for the listener's log; quits when stdin closes.
 *
 * <p>Arguments: jdbcUrl table channel topic minBackoffMs.
 */
public final class SubscriberMain {
  private SubscriberMain() {}

  public static void main(String[] args) throws IOException {
    String url = args[0];
    String table = args[1];
    String channel = args[2];
    String topic = args[3];
    long minBackoffMs = Long.parseLong(args[4]);
    PostgresStateStore store = PostgresStateStore.builder()
        .jdbcUrl(url).tableName(table).channel(channel).build();
    PostgresInvalidationSubscriber subscriber = PostgresInvalidationSubscriber.builder()
        .jdbcUrl(url).channel(channel)
        .pollInterval(Duration.ofMillis(100))
        .backoff(Duration.ofMillis(minBackoffMs), Duration.ofMillis(Math.max(minBackoffMs, 1000)))
        .logger(new PrintingLogger())
        .build();
    RevisionSyncHandle<Tally> handle = StateSync.createRevisionSync(
        RevisionSyncOptions.<Tally>builder()
            .topic(topic)
            .subscriber(subscriber)
            .provider(PostgresSnapshotProvider.of(store, topic, Tally.class))
            .applier(SnapshotApplier.of(env -> print("APPLIED " + env.revision() + " "
                + env.epoch().map(Epoch::value).orElse("-") + " "
                + (env.data() == null ? -1 : env.data().count()))))
            .onError(ctx -> print("ERROR " + ctx.phase().wireName() + " " + ctx.error()))
            .build());
    handle.start().join();
    print("READY");
    while (System.in.read() >= 0) {
      // Runs until the parent closes stdin (or dies).
    }
    handle.close();
    subscriber.close();
  }

  static void print(String line) {
    synchronized (System.out) {
      System.out.println(line);
      System.out.flush();
    }
  }

  private static final class PrintingLogger implements Logger {
    @Override
    public void debug(String message, Map<String, ?> extra) {
      print("LOG " + message);
    }

    @Override
    public void warn(String message, Map<String, ?> extra) {
      print("LOG " + message);
    }

    @Override
    public void error(String message, Map<String, ?> extra) {
      print("LOG " + message);
    }
  }
}
