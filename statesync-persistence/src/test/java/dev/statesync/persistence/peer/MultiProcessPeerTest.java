package dev.statesync.persistence.peer;

import static dev.statesync.persistence.peer.Peer.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.statesync.channel.ChannelOptions;
import dev.statesync.core.ApplyOrigin;
import dev.statesync.core.Revision;
import dev.statesync.core.testing.VirtualTime;
import dev.statesync.persistence.Limits;
import dev.statesync.persistence.RecordFormat;
import dev.statesync.persistence.file.FileStorageBackend;
import dev.statesync.persistence.memory.MemoryStorageBackend;
import dev.statesync.testkit.ChildJvm;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Cross-process sync between real JVMs over the host channel. */
class MultiProcessPeerTest {
  @TempDir
  Path temp;

  private final String channel = "peer-" + UUID.randomUUID();

  private static Path runtimeDir() throws Exception {
    return Files.createTempDirectory(Path.of("/tmp"), "ss"); // short: socket paths are limited
  }

  private static CrossProcessOptions.Builder sync(Path runtimeDir, String channel) {
    return CrossProcessOptions.builder().channelName(channel)
        .channelOptions(ChannelOptions.builder().runtimeDir(runtimeDir).build());
  }

  @Test
  @DisplayName("PA-75 a save in a child JVM reaches the parent through its gate, Unicode intact")
  void aSaveInAChildJvmReachesTheParentThroughItsGate() throws Exception {
    Path runtimeDir = runtimeDir();
    String theme = "five";
    try (Peer parent = new Peer(sync(runtimeDir, channel).requestSyncOnAttach(false).build());
        ChildJvm child = ChildJvm.start("saver", PeerChild.class, runtimeDir.toString(),
            channel, "save", "5", theme)) {
      child.await("saved"::equals, "the child to save r5");
      await(() -> parent.handle.localRevision().equals(Revision.of(5)),
          "the parent converges to r5");
      assertEquals(List.of(5L), parent.appliedRevisions());
      assertEquals(List.of(ApplyOrigin.PEER), parent.origins);
      assertEquals(Peer.env(5, theme + PeerChild.UNICODE), parent.applied.get(0),
          "the data arrives equal, Unicode included");
      await(() -> parent.storedRevision().equals(Revision.of(5)), "the parent stores r5");
      assertEquals(Peer.env(5, theme + PeerChild.UNICODE), parent.applier
          .loadPersistedSnapshot().join().envelope().orElseThrow(), "stored equal too");
      assertEquals(0, parent.applier.stats().broadcastsSent());
      child.close();
      assertEquals(0, child.awaitExit());
      assertTrue(parent.errors.isEmpty(), parent.errors.toString());
    }
  }

  @Test
  @DisplayName("PA-67 a late joiner JVM posts request-sync: the leader answers at once, a "
      + "non-leader cancels its answer, the joiner applies the answer through its gate")
  void lateJoinerInAnotherJvmGetsOneAnswerFromTheLeader() throws Exception {
    Path runtimeDir = runtimeDir();
    CrossProcessOptions quiet = sync(runtimeDir, channel).requestSyncOnAttach(false).build();
    VirtualTime nonLeaderTime = new VirtualTime(); // its answer timer fires only when advanced
    try (Peer leader = new Peer(quiet);
        Peer other = new Peer(quiet, MemoryStorageBackend.builder().build(),
            b -> b.scheduler(nonLeaderTime))) {
      leader.providerApplies(5, "shared");
      await(() -> other.appliedRevisions().equals(List.of(5L)), "the non-leader gets r5");
      assertEquals(1, leader.applier.stats().broadcastsSent());
      try (ChildJvm joiner = ChildJvm.start("joiner", PeerChild.class, runtimeDir.toString(),
          channel, "join")) {
        String applied = joiner.await(l -> l.startsWith("applied "), "the joiner's apply");
        assertEquals("applied 5 PEER shared", applied);
        // The non-leader saw the request and then the leader's answer, and dropped its own.
        await(() -> other.applier.stats().messagesReceived() == 3
            && nonLeaderTime.pendingTasks() == 0,
            "the non-leader sees r5, the request and the answer, and cancels its answer");
        nonLeaderTime.advanceMs(10_000);
        assertEquals(0, other.applier.stats().broadcastsSent(), "the non-leader never answers");
        assertEquals(2, leader.applier.stats().broadcastsSent(), "the leader answered once");
        joiner.close();
        assertEquals(0, joiner.awaitExit());
      }
      assertTrue(leader.errors.isEmpty() && other.errors.isEmpty());
    }
  }

  @Test
  @DisplayName("PA-74 three JVMs on one file directory and channel apply random revisions: all "
      + "handles and the file end on the maximum, every applier saw increasing revisions")
  void threeJvmsSharingFilesAndChannelConvergeOnTheMaximum() throws Exception {
    Path runtimeDir = runtimeDir();
    Path storageDir = temp.resolve("shared-store");
    List<ChildJvm> children = new ArrayList<>();
    try {
      for (int i = 0; i < 3; i++) {
        children.add(ChildJvm.start("mesh-" + i, PeerChild.class, runtimeDir.toString(),
            channel, "mesh", storageDir.toString(), Integer.toString(100 + i), "40"));
      }
      long max = 0;
      for (ChildJvm c : children) {
        String line = c.await(l -> l.startsWith("max "), "the child's applies");
        max = Math.max(max, Long.parseLong(line.substring(4)));
      }
      for (ChildJvm c : children) {
        c.send("expect " + max);
      }
      for (ChildJvm c : children) {
        String line = c.await(l -> l.startsWith("converged "), "convergence on r" + max);
        assertTrue(line.startsWith("converged true "), line);
      }
      FileStorageBackend reader = FileStorageBackend.builder(storageDir).build();
      byte[] stored = reader.read(Peer.KEY).toCompletableFuture().join().orElseThrow();
      assertEquals(Revision.of(max), RecordFormat.decode(stored, Peer.KEY, Limits.defaults())
          .header().revision());
      for (ChildJvm c : children) {
        c.close();
        assertEquals(0, c.awaitExit());
      }
    } finally {
      for (ChildJvm c : children) {
        c.close();
      }
    }
  }
}
