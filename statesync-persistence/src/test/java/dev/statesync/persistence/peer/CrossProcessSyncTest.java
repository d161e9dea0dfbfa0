package dev.statesync.persistence.peer;

import static dev.statesync.persistence.peer.Peer.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.statesync.channel.BroadcastChannel;
import dev.statesync.channel.ChannelOptions;
import dev.statesync.channel.Message;
import dev.statesync.core.ApplyOrigin;
import dev.statesync.core.Revision;
import dev.statesync.persistence.PersistenceOperation;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class CrossProcessSyncTest {
  private ChannelOptions channelOptions;
  private final String channel = "peer-" + UUID.randomUUID();
  private final List<AutoCloseable> open = new ArrayList<>();

  @BeforeEach
  void runtimeDir() throws IOException {
    channelOptions = ChannelOptions.builder()
        .runtimeDir(Files.createTempDirectory(Path.of("/tmp"), "ss")).build();
  }

  @AfterEach
  void closeAll() throws Exception {
    for (int i = open.size() - 1; i >= 0; i--) {
      open.get(i).close();
    }
  }

  private Peer peer(boolean receive, boolean broadcast) {
    Peer p = new Peer(CrossProcessOptions.builder().channelName(channel).receiveUpdates(receive)
        .broadcastSaves(broadcast).requestSyncOnAttach(false).channelOptions(channelOptions)
        .build());
    open.add(p);
    return p;
  }

  private BroadcastChannel raw() {
    BroadcastChannel c = BroadcastChannel.open(channel, channelOptions);
    open.add(c);
    return c;
  }

  private static void post(BroadcastChannel c, String json) {
    c.post(json.getBytes(StandardCharsets.UTF_8)).join();
  }

  private static String snapshot(long revision, String theme) {
    return "{\"v\":1,\"type\":\"snapshot\",\"senderId\":\"test\",\"key\":\"settings\","
        + "\"topic\":\"settings\",\"schemaVersion\":1,\"envelope\":{\"revision\":\"" + revision
        + "\",\"data\":{\"theme\":\"" + theme + "\",\"text\":\"t\"},\"epoch\":\"e1\"}}";
  }

  @Test
  void aSaveInOneApplierReachesTheOtherThroughItsGateAndIsNotRebroadcast() {
    Peer a = peer(true, true);
    Peer b = peer(true, true);
    List<String> observed = new CopyOnWriteArrayList<>();
    raw().subscribe((Message m) -> observed.add(new String(m.bytes(), StandardCharsets.UTF_8)));

    a.providerApplies(2, "dark");
    await(() -> b.applied.size() == 1, "B applies r2");
    assertEquals(Peer.env(2, "dark"), b.applied.get(0));
    assertEquals(List.of(ApplyOrigin.PEER), b.origins);
    await(() -> b.handle.localRevision().equals(Revision.of(2)), "B's handle reaches r2");
    await(() -> b.storedRevision().equals(Revision.of(2)), "B stores r2");
    await(() -> b.applier.stats().peerApplied() == 1, "B counts the peer apply");

    a.providerApplies(3, "light");
    await(() -> b.appliedRevisions().equals(List.of(2L, 3L)), "B applies r3");
    await(() -> observed.size() == 2, "the observer sees A's two posts");
    assertTrue(observed.stream().allMatch(s -> s.contains(a.applier.instanceId())), observed
        .toString());
    assertEquals(0, b.applier.stats().broadcastsSent(), "a peer apply is never re-broadcast");
    await(() -> a.applier.stats().broadcastsSent() == 2, "A counts its posts");
    assertEquals(0, a.applier.stats().messagesReceived(), "A never handles its own messages");
    assertEquals(List.of(2L, 3L), a.appliedRevisions());
    assertTrue(a.errors.isEmpty() && b.errors.isEmpty());
  }

  @Test
  void staleAndDuplicateSnapshotsAreDroppedByTheGate() {
    Peer b = peer(true, true);
    b.providerApplies(5, "five");
    BroadcastChannel c = raw();
    post(c, snapshot(3, "stale"));
    post(c, snapshot(6, "six"));
    post(c, snapshot(6, "six"));
    post(c, snapshot(7, "seven"));
    await(() -> b.appliedRevisions().contains(7L), "B applies r7");
    assertEquals(List.of(5L, 6L, 7L), b.appliedRevisions());
    assertEquals(List.of(ApplyOrigin.PROVIDER, ApplyOrigin.PEER, ApplyOrigin.PEER), b.origins);
    await(() -> b.applier.stats().peerApplied() == 2, "two peer applies counted");
    assertEquals(4, b.applier.stats().messagesReceived());
    await(() -> b.storedRevision().equals(Revision.of(7)), "B stores r7");
  }

  @Test
  void malformedMessagesAreRejectedAndNothingIsApplied() {
    Peer b = peer(true, true);
    BroadcastChannel c = raw();
    post(c, "{not json");
    post(c, snapshot(4, "x").replace("\"revision\":\"4\"", "\"revision\":\"04\""));
    post(c, snapshot(4, "x").replace("\"senderId\":\"test\",", ""));
    post(c, snapshot(4, "x").replace("\"type\":\"snapshot\"", "\"type\":\"shout\""));
    post(c, snapshot(4, "x").replace("\"v\":1", "\"v\":2"));
    post(c, snapshot(4, "x").replace("\"key\":\"settings\"", "\"key\":\"other\""));
    post(c, snapshot(4, "x").replace("\"schemaVersion\":1", "\"schemaVersion\":2"));
    post(c, snapshot(8, "valid"));
    await(() -> b.appliedRevisions().contains(8L), "B applies the valid r8");
    assertEquals(List.of(8L), b.appliedRevisions());
    assertEquals(4, b.applier.stats().messagesRejected());
    assertEquals(4, b.errors.size());
    assertTrue(b.errors.stream().allMatch(e -> e.operation() == PersistenceOperation.RECEIVE));
    assertEquals(Revision.of(4), b.errors.get(3).revision(), "future schema carries revision");
  }

  @Test
  void receiveUpdatesFalseIgnoresSnapshotsAndClears() {
    Peer a = peer(true, true);
    Peer deaf = peer(false, true);
    Peer c = peer(true, true);
    a.providerApplies(2, "dark");
    await(() -> c.appliedRevisions().equals(List.of(2L)), "C applies r2");
    await(() -> deaf.applier.stats().messagesReceived() == 1, "the deaf peer sees the message");
    deaf.providerApplies(1, "own");
    deaf.applier.flush().join();
    a.applier.clear().join();
    await(() -> c.storedRevision().equals(Revision.ZERO), "C deletes its record on clear");
    await(() -> deaf.applier.stats().messagesReceived() == 2, "the deaf peer sees the clear");
    assertEquals(List.of(1L), deaf.appliedRevisions());
    assertEquals(Revision.of(1), deaf.storedRevision(), "a clear is ignored too");
  }

  @Test
  void broadcastSavesFalsePostsNothing() {
    Peer mute = peer(true, false);
    Peer b = peer(true, true);
    BroadcastChannel marker = raw();
    mute.providerApplies(2, "dark");
    mute.applier.flush().join();
    mute.applier.clear().join();
    b.providerApplies(4, "b");
    await(() -> mute.appliedRevisions().equals(List.of(2L, 4L)), "the mute peer still receives");
    post(marker, snapshot(5, "marker"));
    await(() -> b.appliedRevisions().contains(5L), "B sees the marker");
    assertEquals(List.of(4L, 5L), b.appliedRevisions());
    assertEquals(0, mute.applier.stats().broadcastsSent());
    assertEquals(1, b.applier.stats().messagesReceived(), "only the marker reached B");
  }
}
