package dev.statesync.persistence.peer;

import dev.statesync.channel.ChannelOptions;
import java.nio.file.Path;

/**
 * Child JVM of {@link MultiProcessPeerTest}: args {@code runtimeDir channelName revision theme}.
 * Saves the revision (its theme suffixed with {@link #UNICODE}) through its own engine, prints {@code saved}, and exits when stdin closes.
 */
public final class PeerChild {
  /** Appended to the theme here, not passed as an argument, so the locale cannot alter it. */
  static final String UNICODE = " Привет 世界 🎉";

  private PeerChild() {}

  public static void main(String[] args) throws Exception {
    CrossProcessOptions sync = CrossProcessOptions.builder().channelName(args[1])
        .channelOptions(ChannelOptions.builder().runtimeDir(Path.of(args[0])).build()).build();
    try (Peer peer = new Peer(sync)) {
      peer.providerApplies(Long.parseLong(args[2]), args[3] + UNICODE);
      peer.applier.flush().join();
      System.out.println("saved");
      System.out.flush();
      System.in.readAllBytes();
    }
  }
}
