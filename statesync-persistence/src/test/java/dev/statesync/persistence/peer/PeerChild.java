package dev.statesync.persistence.peer;

import dev.statesync.channel.ChannelOptions;
import dev.statesync.core.Revision;
import dev.statesync.persistence.file.FileStorageBackend;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Child JVM of {@link MultiProcessPeerTest}; the first two args are {@code runtimeDir
 * channelName}, then one of:
 * <ul>
 *   <li>{@code save <revision> <theme>}: saves the revision (its theme suffixed with
 *       {@link #UNICODE}) through its own engine and prints {@code saved};
 *   <li>{@code join}: a late joiner with no state; it posts {@code request-sync} on attach,
 *       waits for the answer and prints {@code applied <revision> <origin> <theme>};
 *   <li>{@code mesh <storageDir> <seed> <count>}: on a file storage shared with its siblings,
 *       applies {@code count} random revisions from its provider and prints {@code max <m>};
 *       then, given {@code expect <M>} on stdin, waits until its handle and the file hold M and
 *       prints {@code converged <whether every apply was strictly newer>}.
 * </ul>
 * Each mode then exits when stdin closes.
 */
public final class PeerChild {
  /** Appended to the theme here, not passed as an argument, so the locale cannot alter it. */
  static final String UNICODE = " Привет 世界 🎉";

  private PeerChild() {}

  public static void main(String[] args) throws Exception {
    CrossProcessOptions.Builder sync = CrossProcessOptions.builder().channelName(args[1])
        .channelOptions(ChannelOptions.builder().runtimeDir(Path.of(args[0])).build());
    BufferedReader stdin = new BufferedReader(
        new InputStreamReader(System.in, StandardCharsets.UTF_8));
    switch (args[2]) {
      case "save" -> {
        try (Peer peer = new Peer(sync.requestSyncOnAttach(false).build())) {
          peer.providerApplies(Long.parseLong(args[3]), args[4] + UNICODE);
          peer.applier.flush().join();
          print("saved");
          stdin.readLine();
        }
      }
      case "join" -> {
        try (Peer peer = new Peer(sync.build())) {
          Peer.await(() -> !peer.applied.isEmpty(), "the answer to request-sync");
          var first = peer.applied.get(0);
          print("applied " + first.revision() + " " + peer.origins.get(0) + " "
              + first.data().theme());
          stdin.readLine();
        }
      }
      case "mesh" -> mesh(sync.build(), Path.of(args[3]), Long.parseLong(args[4]),
          Integer.parseInt(args[5]), stdin);
      default -> throw new IllegalArgumentException("unknown mode " + args[2]);
    }
  }

  private static void mesh(CrossProcessOptions sync, Path storageDir, long seed, int count,
      BufferedReader stdin) throws Exception {
    FileStorageBackend storage = FileStorageBackend.builder(storageDir).build();
    try (Peer peer = new Peer(sync, storage, b -> b.ownsStorage(true))) {
      SplittableRandom random = new SplittableRandom(seed);
      long max = 0;
      for (int i = 0; i < count; i++) {
        long r = random.nextLong(1, 100_000);
        max = Math.max(max, r);
        peer.providerApplies(r, "from-" + seed);
      }
      print("max " + max);
      String line = stdin.readLine();
      if (line == null || !line.startsWith("expect ")) {
        return;
      }
      Revision expected = Revision.of(Long.parseLong(line.substring(7)));
      Peer.await(() -> peer.handle.localRevision().equals(expected), "the handle to reach "
          + expected);
      Peer.await(() -> peer.storedRevision().equals(expected), "the file to hold " + expected);
      List<Long> seen = peer.appliedRevisions();
      boolean increasing = true;
      for (int i = 1; i < seen.size(); i++) {
        increasing &= seen.get(i - 1) < seen.get(i);
      }
      print("converged " + increasing + " " + seen.size());
      stdin.readLine();
    }
  }

  private static void print(String line) {
    System.out.println(line);
    System.out.flush();
  }
}
