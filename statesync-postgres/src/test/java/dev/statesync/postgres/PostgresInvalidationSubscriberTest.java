package dev.statesync.postgres;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.statesync.core.InvalidationEvent;
import dev.statesync.core.InvalidationSink;
import dev.statesync.core.Revision;
import dev.statesync.core.RevisionSyncHandle;
import dev.statesync.core.RevisionSyncOptions;
import dev.statesync.core.SnapshotApplier;
import dev.statesync.core.StateSync;
import dev.statesync.core.Subscription;
import dev.statesync.core.SyncErrorContext;
import dev.statesync.core.SyncPhase;
import dev.statesync.core.json.ProtocolCodec;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class PostgresInvalidationSubscriberTest {
  private final TestDb db = new TestDb("sub");

  @Test
  void notifyFromRolledBackTransactionIsNeverSeen() throws Exception {
    try (PostgresInvalidationSubscriber subscriber = db.subscriber().build()) {
      RecordingSink sink = new RecordingSink();
      subscriber.subscribe(sink).toCompletableFuture().get(30, TimeUnit.SECONDS);
      try (Connection c = db.pg.connect()) {
        c.setAutoCommit(false);
        try (Statement s = c.createStatement()) {
          s.execute("NOTIFY \"" + db.channel + "\", 'rolled-back'");
        }
        c.rollback();
        c.setAutoCommit(true);
        try (Statement s = c.createStatement()) {
          s.execute("NOTIFY \"" + db.channel + "\", 'committed'");
        }
      }
      // Notifications arrive in commit order: once the later one is here, the earlier would be.
      assertEquals("committed", sink.payloads.poll(30, TimeUnit.SECONDS));
      assertTrue(sink.payloads.isEmpty());
    }
  }

  @Test
  void malformedPayloadIsProtocolErrorAndNothingIsApplied() throws Exception {
    PostgresStateStore store = db.store();
    store.compareAndSet("m", Revision.ZERO, new Tally(1));
    LinkedBlockingQueue<SyncErrorContext> errors = new LinkedBlockingQueue<>();
    AtomicInteger applies = new AtomicInteger();
    try (PostgresInvalidationSubscriber subscriber = db.subscriber().build();
         RevisionSyncHandle<Tally> handle = StateSync.createRevisionSync(
             RevisionSyncOptions.<Tally>builder()
                 .topic("m")
                 .subscriber(subscriber)
                 .provider(PostgresSnapshotProvider.of(store, "m", Tally.class))
                 .applier(SnapshotApplier.of(env -> applies.incrementAndGet()))
                 .onError(errors::add)
                 .build())) {
      handle.start().get(30, TimeUnit.SECONDS);
      assertEquals(1, applies.get());
      db.exec("NOTIFY \"" + db.channel + "\", '{\"topic\":\"m\",\"revision\":42}'");
      SyncErrorContext error = errors.poll(30, TimeUnit.SECONDS);
      assertEquals(SyncPhase.PROTOCOL, error.phase());
      assertEquals(1, applies.get());
      assertEquals(Revision.of(1), handle.localRevision());
    }
  }

  @Test
  void livenessShowsConnectionAndLastNotificationAge() throws Exception {
    PostgresInvalidationSubscriber subscriber = db.subscriber().build();
    assertFalse(subscriber.isConnected());
    RecordingSink sink = new RecordingSink();
    Subscription subscription =
        subscriber.subscribe(sink).toCompletableFuture().get(30, TimeUnit.SECONDS);
    assertTrue(subscriber.isConnected());
    assertTrue(subscriber.lastNotificationAge().isEmpty());
    db.exec("NOTIFY \"" + db.channel + "\", 'ping'");
    assertEquals("ping", sink.payloads.poll(30, TimeUnit.SECONDS));
    Duration age = subscriber.lastNotificationAge().orElseThrow();
    assertTrue(age.compareTo(Duration.ofSeconds(30)) < 0, age.toString());
    subscription.unsubscribe();
    assertFalse(subscriber.isConnected());
    subscriber.close();
    ExecutionException closed = assertThrows(ExecutionException.class,
        () -> subscriber.subscribe(sink).toCompletableFuture().get(30, TimeUnit.SECONDS));
    assertTrue(closed.getCause() instanceof IllegalStateException);
  }

  @Test
  void oneConnectionServesEverySinkAndEveryTopic() throws Exception {
    PostgresStateStore store = db.store();
    try (PostgresInvalidationSubscriber subscriber = db.subscriber().build()) {
      RecordingSink a = new RecordingSink();
      RecordingSink b = new RecordingSink();
      subscriber.subscribe(a).toCompletableFuture().get(30, TimeUnit.SECONDS);
      subscriber.subscribe(b).toCompletableFuture().get(30, TimeUnit.SECONDS);
      store.compareAndSet("one", Revision.ZERO, new Tally(1));
      store.compareAndSet("two", Revision.ZERO, new Tally(1));
      ProtocolCodec codec = ProtocolCodec.create();
      for (RecordingSink sink : List.of(a, b)) {
        List<String> topics = new ArrayList<>();
        for (int i = 0; i < 2; i++) {
          InvalidationEvent e = codec.decodeEvent(sink.payloads.poll(30, TimeUnit.SECONDS));
          topics.add(e.topic());
        }
        assertEquals(List.of("one", "two"), topics);
      }
      try (Connection c = db.pg.connect(); Statement s = c.createStatement();
           var rs = s.executeQuery("SELECT count(*) FROM pg_stat_activity WHERE query = 'LISTEN \""
               + db.channel + "\"'")) {
        rs.next();
        assertEquals(1, rs.getInt(1));
      }
    }
  }

  @Test
  void subscribeFailsWhenTheServerIsUnreachable() throws Exception {
    int closedPort;
    try (var socket = new java.net.ServerSocket(0)) {
      closedPort = socket.getLocalPort();
    }
    try (PostgresInvalidationSubscriber subscriber = PostgresInvalidationSubscriber.builder()
        .jdbcUrl("jdbc:postgresql://127.0.0.1:" + closedPort + "/postgres?connectTimeout=5")
        .build()) {
      CompletableFuture<Subscription> stage =
          subscriber.subscribe(new RecordingSink()).toCompletableFuture();
      ExecutionException e = assertThrows(ExecutionException.class,
          () -> stage.get(30, TimeUnit.SECONDS));
      assertTrue(e.getCause() instanceof java.sql.SQLException, e.getCause().toString());
      assertFalse(subscriber.isConnected());
    }
  }

  @Test
  void builderNamesTheInvalidOption() {
    IllegalArgumentException poll = assertThrows(IllegalArgumentException.class,
        () -> db.subscriber().pollInterval(Duration.ZERO).build());
    assertTrue(poll.getMessage().startsWith("pollInterval"), poll.getMessage());
    IllegalArgumentException backoff = assertThrows(IllegalArgumentException.class,
        () -> db.subscriber().backoff(Duration.ofSeconds(2), Duration.ofSeconds(1)).build());
    assertTrue(backoff.getMessage().startsWith("backoff max"), backoff.getMessage());
  }

  /** Records what the subscriber hands over. */
  private static final class RecordingSink implements InvalidationSink {
    final LinkedBlockingQueue<String> payloads = new LinkedBlockingQueue<>();

    @Override
    public void accept(InvalidationEvent event) {
      payloads.add(ProtocolCodec.create().encodeEvent(event));
    }

    @Override
    public void acceptJson(String json) {
      payloads.add(json);
    }

    @Override
    public void acceptJson(byte[] json) {
      payloads.add(new String(json, java.nio.charset.StandardCharsets.UTF_8));
    }

    @Override
    public void resync() {
      payloads.add("resync");
    }
  }
}
