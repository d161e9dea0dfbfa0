package dev.statesync.persistence.peer;

import static dev.statesync.persistence.peer.Peer.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.statesync.channel.ChannelOptions;
import dev.statesync.core.ApplyOrigin;
import dev.statesync.core.Revision;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class MultiProcessPeerTest {
  @Test
  void aSaveInAChildJvmReachesTheParentThroughItsGate() throws Exception {
    Path runtimeDir = Files.createTempDirectory(Path.of("/tmp"), "ss");
    String channel = "peer-" + UUID.randomUUID();
    CrossProcessOptions sync = CrossProcessOptions.builder().channelName(channel)
        .channelOptions(ChannelOptions.builder().runtimeDir(runtimeDir).build()).build();
    String theme = "five";
    try (Peer parent = new Peer(sync)) {
      Process child = new ProcessBuilder(
          Path.of(System.getProperty("java.home"), "bin", "java").toString(),
          "-XX:TieredStopAtLevel=1", "-cp", System.getProperty("java.class.path"),
          PeerChild.class.getName(), runtimeDir.toString(), channel, "5", theme)
          .redirectError(ProcessBuilder.Redirect.INHERIT).start();
      try {
        BufferedReader out = new BufferedReader(
            new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8));
        assertEquals("saved", out.readLine(), "the child saves r5");
        await(() -> parent.handle.localRevision().equals(Revision.of(5)),
            "the parent converges to r5");
        assertEquals(List.of(5L), parent.appliedRevisions());
        assertEquals(List.of(ApplyOrigin.PEER), parent.origins);
        assertEquals(Peer.env(5, theme + PeerChild.UNICODE), parent.applied.get(0),
            "the data arrives equal, Unicode included");
        await(() -> parent.storedRevision().equals(Revision.of(5)), "the parent stores r5");
        assertEquals(0, parent.applier.stats().broadcastsSent());
      } finally {
        child.getOutputStream().close();
        if (!child.waitFor(20, TimeUnit.SECONDS)) {
          child.destroyForcibly();
        }
      }
      assertEquals(0, child.exitValue());
      assertTrue(parent.errors.isEmpty(), parent.errors.toString());
    }
  }
}
