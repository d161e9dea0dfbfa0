package dev.statesync.persistence.peer;

import static dev.statesync.persistence.peer.Peer.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.statesync.core.ApplyOrigin;
import dev.statesync.core.ApplyOutcome;
import dev.statesync.core.Epoch;
import dev.statesync.core.Revision;
import dev.statesync.core.SnapshotEnvelope;
import dev.statesync.core.testing.VirtualTime;
import dev.statesync.persistence.Compression;
import dev.statesync.persistence.FutureSchemaVersionException;
import dev.statesync.persistence.LoadOutcome;
import dev.statesync.persistence.Migrations;
import dev.statesync.persistence.PersistenceOperation;
import dev.statesync.persistence.RecordFormat;
import dev.statesync.persistence.RecordHeader;
import dev.statesync.persistence.RecordTooLargeException;
import dev.statesync.persistence.WriteStatus;
import dev.statesync.persistence.memory.MemoryStorageBackend;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.SplittableRandom;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** Cross-process sync rules over {@link PeerChannel#inMemory}, with a virtual answer clock. */
class PeerSyncTest {
  private final String channel = "mem-" + UUID.randomUUID();
  private final VirtualTime time = new VirtualTime();
  private final List<AutoCloseable> open = new ArrayList<>();

  @AfterEach
  void closeAll() throws Exception {
    for (int i = open.size() - 1; i >= 0; i--) {
      open.get(i).close();
    }
  }

  private CrossProcessOptions.Builder sync() {
    return CrossProcessOptions.builder().channelName(channel)
        .channelFactory(PeerChannel::inMemory);
  }

  private Peer peer(CrossProcessOptions.Builder sync) {
    return peer(sync, MemoryStorageBackend.builder().build(), b -> b);
  }

  private Peer peer(CrossProcessOptions.Builder sync, MemoryStorageBackend storage,
      UnaryOperator<dev.statesync.persistence.PersistenceOptions.Builder<Peer.Settings>> more) {
    Peer p = new Peer(sync.build(), storage, b -> more.apply(b.scheduler(time).timeSource(time)));
    open.add(p);
    return p;
  }

  /** A raw instance that records every message as text. */
  private List<String> observer() {
    PeerChannel raw = PeerChannel.inMemory(channel);
    open.add(raw);
    List<String> seen = new CopyOnWriteArrayList<>();
    raw.subscribe(b -> seen.add(new String(b, StandardCharsets.UTF_8)));
    return seen;
  }

  private PeerChannel poster() {
    PeerChannel raw = PeerChannel.inMemory(channel);
    open.add(raw);
    return raw;
  }

  private static byte[] snapshot(String epoch, long revision, int schemaVersion, String theme) {
    return ("{\"v\":1,\"type\":\"snapshot\",\"senderId\":\"test\",\"key\":\"settings\","
        + "\"topic\":\"settings\",\"schemaVersion\":" + schemaVersion + ",\"envelope\":"
        + "{\"revision\":\"" + revision + "\",\"data\":{\"theme\":\"" + theme + "\"},"
        + "\"epoch\":\"" + epoch + "\"}}").getBytes(StandardCharsets.UTF_8);
  }

  /** Posts a marker and waits until the observer has it: everything posted before is in. */
  private void drain(List<String> seen) {
    // Another key: every applier ignores it silently.
    String marker = "{\"v\":1,\"type\":\"clear\",\"senderId\":\"marker\",\"key\":\"marker-"
        + UUID.randomUUID() + "\"}";
    poster().post(marker.getBytes(StandardCharsets.UTF_8));
    await(() -> seen.contains(marker), "the observer to catch up");
  }

  private static long answers(List<String> seen) {
    return seen.stream().filter(s -> s.contains("\"inReplyTo\"")).count();
  }

  @Test
  @DisplayName("PA-67 a late joiner's request-sync: the leader answers at once, the non-leaders "
      + "see that answer and cancel theirs, the joiner applies exactly one answer")
  void leaderAnswersAtOnceAndNonLeadersCancel() {
    Peer leader = peer(sync());
    Peer n1 = peer(sync());
    Peer n2 = peer(sync());
    List<String> seen = observer();
    // The requests of n1 and n2 must be handled while nobody has state, or they get answers.
    await(() -> leader.applier.stats().messagesReceived() == 2
        && n1.applier.stats().messagesReceived() == 1, "the attach requests are handled");
    leader.providerApplies(5, "five");
    await(() -> n1.appliedRevisions().equals(List.of(5L))
        && n2.appliedRevisions().equals(List.of(5L)), "both non-leaders hold r5");

    Peer joiner = peer(sync());
    await(() -> joiner.appliedRevisions().equals(List.of(5L)), "the joiner applies r5");
    assertEquals(List.of(ApplyOrigin.PEER), joiner.origins);
    await(() -> joiner.handle.localRevision().equals(Revision.of(5)), "the joiner's gate at r5");
    // n1: n2's request-sync, r5, the joiner's request, the answer; n2: all but its own request.
    await(() -> n1.applier.stats().messagesReceived() == 4
        && n2.applier.stats().messagesReceived() == 3, "the non-leaders see the answer");
    await(() -> time.pendingTasks() == 0, "both non-leaders cancel their answer timers");
    time.advanceMs(10_000);
    drain(seen);
    assertEquals(1, answers(seen), "exactly one answer: " + seen);
    assertEquals(0, n1.applier.stats().broadcastsSent() + n2.applier.stats().broadcastsSent()
        - 2, "the non-leaders posted only their own request-sync");
    assertEquals(1, joiner.applied.size());
  }

  @Test
  @DisplayName("PA-68 a leader without state: a non-leader answers within answerDelay + "
      + "answerJitter and the joiner converges")
  void nonLeaderAnswersWhenTheLeaderHasNoState() {
    Peer leader = peer(sync().receiveUpdates(false)); // never holds state
    Peer n1 = peer(sync());
    Peer n2 = peer(sync());
    List<String> seen = observer();
    await(() -> n1.applier.stats().messagesReceived() == 1, "n2's attach request is handled");
    n1.providerApplies(7, "seven");
    await(() -> n2.appliedRevisions().equals(List.of(7L)), "n2 holds r7");

    Peer joiner = peer(sync());
    // n1: n2's request-sync and the joiner's; n2: r7 and the joiner's request-sync.
    await(() -> n1.applier.stats().messagesReceived() == 2
        && n2.applier.stats().messagesReceived() == 2, "the non-leaders see the request");
    await(() -> time.pendingTasks() == 2, "both non-leaders schedule an answer");
    assertEquals(0, answers(seen), "nobody answers before the delay");
    assertTrue(joiner.applied.isEmpty());
    time.advanceMs(200); // answerDelay 100 ms + answerJitter 100 ms
    await(() -> joiner.appliedRevisions().equals(List.of(7L)), "the joiner converges on r7");
    drain(seen);
    long answered = answers(seen);
    assertTrue(answered >= 1 && answered <= 2, "one or two answers: " + answered);
    assertEquals(0, leader.applier.stats().broadcastsSent(), "the stateless leader is silent");
  }

  @Test
  @DisplayName("PA-70 a peer snapshot of another epoch is not applied: REFRESH_REQUESTED and "
      + "the provider is fetched")
  void peerSnapshotOfAnotherEpochTriggersAProviderFetch() {
    Peer b = peer(sync().requestSyncOnAttach(false));
    b.providerApplies(5, "e1-five");
    int fetches = b.fetches.get();
    b.upstream.set(Peer.env("e2", 1, "from-provider"));
    poster().post(snapshot("e2", 3, 1, "from-peer"));
    await(() -> b.fetches.get() == fetches + 1, "the provider is fetched");
    await(() -> b.applied.size() == 2, "the provider's e2 snapshot is applied");
    assertEquals(Peer.env("e2", 1, "from-provider"), b.applied.get(1));
    assertEquals(List.of(ApplyOrigin.PROVIDER, ApplyOrigin.PROVIDER), b.origins);
    assertEquals(0, b.applier.stats().peerApplied(), "the peer snapshot was never applied");
    assertEquals(ApplyOutcome.REFRESH_REQUESTED,
        b.handle.offer(Peer.env("e3", 9, "direct"), ApplyOrigin.PEER).join(),
        "the gate's outcome for another epoch");
  }

  @Test
  @DisplayName("PA-71 a peer snapshot of an older schema version is migrated before the offer; "
      + "a newer one is a RECEIVE error")
  void olderSchemaIsMigratedNewerIsRejected() {
    Migrations m = Migrations.builder()
        .step(1, n -> ((ObjectNode) n).put("text", "migrated")).build(2);
    Peer b = peer(sync().requestSyncOnAttach(false), MemoryStorageBackend.builder().build(),
        o -> o.migrations(m));
    PeerChannel raw = poster();
    raw.post(snapshot("e1", 3, 1, "old-shape"));
    await(() -> b.applied.size() == 1, "the migrated snapshot is applied");
    assertEquals(new Peer.Settings("old-shape", "migrated"), b.applied.get(0).data());
    assertEquals(ApplyOrigin.PEER, b.origins.get(0));
    await(() -> b.storedRevision().equals(Revision.of(3)), "the peer apply is saved");
    RecordHeader stored = RecordFormat.readHeader(((MemoryStorageBackend) b.storage)
        .rawBytes(Peer.KEY).orElseThrow(), Peer.KEY);
    assertEquals(2, stored.schemaVersion(), "stored in the current schema");

    raw.post(snapshot("e1", 4, 3, "future"));
    await(() -> b.errors.size() == 1, "a RECEIVE error");
    assertEquals(PersistenceOperation.RECEIVE, b.errors.get(0).operation());
    assertTrue(b.errors.get(0).error() instanceof FutureSchemaVersionException);
    assertEquals(1, b.applier.stats().messagesRejected());
    assertEquals(1, b.applied.size());
  }

  @Test
  @DisplayName("PA-72 a failed or skipped save, a migration re-save and a hydration post nothing")
  void onlyStoredProviderSavesArePosted() {
    MemoryStorageBackend storage = MemoryStorageBackend.builder().build();
    List<String> seen = observer();
    Peer a = peer(sync().requestSyncOnAttach(false), storage, b -> b);
    storage.failNextWrites(1, () -> new IllegalStateException("disk full"));
    a.providerApplies(2, "fails");
    storage.putRaw(Peer.KEY, record(9, 1)); // a newer record from another writer
    assertEquals(ApplyOutcome.APPLIED, a.providerApplies(Peer.env(3, "skipped")));
    a.applier.flush().join();
    assertEquals(WriteStatus.SKIPPED_NOT_NEWER,
        storage.writeHistory(Peer.KEY).get(0).result().status());

    // A v1 record loaded by a v2 applier is migrated and re-saved; then hydrated into a handle.
    MemoryStorageBackend old = MemoryStorageBackend.builder().build();
    old.putRaw(Peer.KEY, record(4, 1));
    Migrations m = Migrations.builder().step(1, n -> n).build(2);
    Peer v2 = peer(sync().requestSyncOnAttach(false), old, b -> b.migrations(m));
    assertEquals(LoadOutcome.MIGRATED, v2.applier.hydrate().join().outcome());
    v2.applier.flush().join();
    assertEquals(2, RecordFormat.readHeader(old.rawBytes(Peer.KEY).orElseThrow(), Peer.KEY)
        .schemaVersion(), "the re-save happened");
    assertEquals(List.of(ApplyOrigin.CACHE), v2.origins, "the hydration applied");

    a.providerApplies(10, "marker");
    await(() -> seen.size() == 1, "the marker save is posted");
    assertTrue(seen.get(0).contains("\"revision\":\"10\""), seen.toString());
    assertEquals(1, a.applier.stats().broadcastsSent());
    assertEquals(0, v2.applier.stats().broadcastsSent());
  }

  private static byte[] record(long revision, int schemaVersion) {
    RecordHeader h = new RecordHeader(Peer.KEY, Peer.KEY, Revision.of(revision),
        Optional.of(Epoch.of("e1")), schemaVersion, 0, OptionalLong.empty(), "json", "none", 0,
        Optional.empty());
    return RecordFormat.encode(h, "{\"theme\":\"stored\",\"text\":\"t\"}"
        .getBytes(StandardCharsets.UTF_8), Compression.NONE);
  }

  @Test
  @DisplayName("PA-73 a message over maxMessageBytes or a post that throws is a BROADCAST error, "
      + "and the save still counts as WRITTEN")
  void broadcastFailuresNeverChangeTheSave() {
    Peer small = peer(sync().requestSyncOnAttach(false).maxMessageBytes(400));
    List<String> seen = observer();
    small.providerApplies(2, "x".repeat(500));
    assertEquals(1, small.errors.size());
    assertEquals(PersistenceOperation.BROADCAST, small.errors.get(0).operation());
    assertTrue(small.errors.get(0).error() instanceof RecordTooLargeException);
    assertEquals(1, small.applier.stats().saveCount(), "the save is WRITTEN");
    assertEquals(0, small.applier.stats().broadcastsSent());

    List<PeerChannel> made = new CopyOnWriteArrayList<>();
    Peer broken = peer(sync().requestSyncOnAttach(false).channelFactory(name -> {
      PeerChannel c = PeerChannel.inMemory(name);
      made.add(c);
      return c;
    }));
    made.get(0).close(); // the channel fails under the applier: post throws
    broken.providerApplies(3, "y");
    assertEquals(1, broken.errors.size());
    assertEquals(PersistenceOperation.BROADCAST, broken.errors.get(0).operation());
    assertEquals(Revision.of(3), broken.errors.get(0).revision());
    assertEquals(1, broken.applier.stats().saveCount());
    assertEquals(Revision.of(3), broken.storedRevision());

    small.providerApplies(4, "fits");
    await(() -> seen.size() == 1, "a message within the cap is posted");
    assertTrue(seen.get(0).contains("\"revision\":\"4\""));
  }

  @Test
  @DisplayName("PERS-42 channelFactory and channelOptions together are rejected")
  void factoryAndHostOptionsAreExclusive() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> CrossProcessOptions.builder().channelFactory(PeerChannel::inMemory)
            .channelOptions(dev.statesync.channel.ChannelOptions.defaults()).build());
    assertTrue(e.getMessage().contains("channelOptions"));
    assertThrows(IllegalArgumentException.class,
        () -> CrossProcessOptions.builder().answerDelay(Duration.ofMillis(-1)));
  }

  @Test
  @DisplayName("PERS-45 in-memory channel: never echoes, oldest open instance leads, later "
      + "subscribers miss earlier posts, oversized posts are rejected")
  void inMemoryChannelFollowsTheChannelContract() {
    PeerChannel a = poster();
    PeerChannel b = poster();
    List<String> atA = new CopyOnWriteArrayList<>();
    List<String> atB = new CopyOnWriteArrayList<>();
    a.subscribe(m -> atA.add(new String(m, StandardCharsets.UTF_8)));
    b.post("before".getBytes(StandardCharsets.UTF_8));
    b.subscribe(m -> atB.add(new String(m, StandardCharsets.UTF_8)));
    for (int i = 0; i < 50; i++) {
      a.post(("a" + i).getBytes(StandardCharsets.UTF_8));
    }
    await(() -> atB.size() == 50, "B receives A's posts");
    List<String> expected = new ArrayList<>();
    for (int i = 0; i < 50; i++) {
      expected.add("a" + i);
    }
    assertEquals(expected, atB, "in post order, without the post made before subscribing");
    await(() -> atA.size() == 1, "A receives B's post");
    assertEquals(List.of("before"), atA, "A never receives its own posts");
    assertTrue(a.isLeader());
    assertFalse(b.isLeader());
    a.close();
    assertTrue(b.isLeader(), "the next oldest takes over");
    assertThrows(RuntimeException.class, () -> a.post(new byte[1]));
    assertThrows(RuntimeException.class, () -> b.post(new byte[b.maxMessageBytes() + 1]));
  }
}
