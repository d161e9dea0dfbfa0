package dev.statesync.persistence.peer;

import static dev.statesync.persistence.peer.Peer.await;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.statesync.core.SnapshotEnvelope;
import dev.statesync.persistence.RecordHeader;
import dev.statesync.persistence.WriteStatus;
import dev.statesync.persistence.memory.MemoryStorageBackend;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.UUID;
import net.jqwik.api.ForAll;
import net.jqwik.api.Label;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;

/** PP-6: whatever peers send, and in whatever order, the gate keeps applies and storage sane. */
class PeerSyncPropertiesTest {
  private static final String[] EPOCHS = {"e1", "e1", "e1", "e2", "e3"};

  @Property(tries = 40)
  @Label("PP-6 duplicated, reordered, stale and other-epoch peer messages mixed with provider "
      + "snapshots: applies increase between epoch resets, storage never regresses in an epoch")
  void peerMessageInterleavingsNeverRegress(@ForAll long seed,
      @ForAll @IntRange(min = 1, max = 40) int steps) {
    SplittableRandom random = new SplittableRandom(seed);
    String channel = "pp6-" + UUID.randomUUID();
    MemoryStorageBackend storage = MemoryStorageBackend.builder().build();
    try (PeerChannel poster = PeerChannel.inMemory(channel);
        Peer b = new Peer(CrossProcessOptions.builder().channelName(channel)
            .channelFactory(PeerChannel::inMemory).requestSyncOnAttach(false).build(),
            storage, o -> o)) {
      List<byte[]> sent = new ArrayList<>();
      int posted = 0;
      for (int i = 0; i < steps; i++) {
        int kind = random.nextInt(4);
        if (kind == 0) {
          b.providerApplies(Peer.env(EPOCHS[random.nextInt(EPOCHS.length)],
              random.nextLong(1, 30), "provider"));
        } else if (kind == 1 && !sent.isEmpty()) {
          poster.post(sent.get(random.nextInt(sent.size()))); // duplicate or reordered
          posted++;
        } else {
          byte[] m = message(EPOCHS[random.nextInt(EPOCHS.length)], random.nextLong(1, 30));
          sent.add(m);
          poster.post(m);
          posted++;
        }
      }
      int expected = posted;
      await(() -> b.applier.stats().messagesReceived() == expected, "every message handled");
      b.applier.flush().join();

      List<SnapshotEnvelope<Peer.Settings>> applied = new ArrayList<>(b.applied);
      for (int i = 1; i < applied.size(); i++) {
        SnapshotEnvelope<?> x = applied.get(i - 1);
        SnapshotEnvelope<?> y = applied.get(i);
        assertTrue(!x.epoch().equals(y.epoch()) || x.revision().compareTo(y.revision()) < 0,
            "applied " + x + " then " + y);
      }
      RecordHeader stored = null;
      for (MemoryStorageBackend.WriteEvent w : storage.writeHistory(Peer.KEY)) {
        if (w.result().status() != WriteStatus.WRITTEN) {
          continue;
        }
        RecordHeader in = w.incoming();
        assertTrue(stored == null || !stored.epoch().equals(in.epoch())
            || stored.revision().compareTo(in.revision()) < 0,
            "stored " + in.revision() + " over " + stored);
        stored = in;
      }
    }
  }

  private static byte[] message(String epoch, long revision) {
    return ("{\"v\":1,\"type\":\"snapshot\",\"senderId\":\"other\",\"key\":\"settings\","
        + "\"topic\":\"settings\",\"schemaVersion\":1,\"envelope\":{\"revision\":\"" + revision
        + "\",\"data\":{\"theme\":\"peer\",\"text\":\"t\"},\"epoch\":\"" + epoch + "\"}}")
        .getBytes(StandardCharsets.UTF_8);
  }
}
