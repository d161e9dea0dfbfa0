package dev.statesync.bench.relay;

import com.fasterxml.jackson.databind.JsonNode;
import dev.statesync.channel.ChannelOptions;
import dev.statesync.channel.ElectionOptions;
import dev.statesync.channel.HostCoordinationOptions;
import dev.statesync.core.RevisionSyncHandle;
import dev.statesync.core.SnapshotApplier;
import dev.statesync.relay.HttpRevisionSync;
import dev.statesync.relay.HttpRevisionSyncOptions;
import dev.statesync.relay.SseCoordinator;
import dev.statesync.relay.SseOptions;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;

/**
 * A child JVM of {@link SseBenchmark}. It prints plain lines on stdout and takes commands on
 * stdin.
 *
 * <ul>
 *   <li>{@code coordinator <runtimeDir> <channel> <sseUrl>}: one {@link SseCoordinator}; prints
 *       {@code ready}, then {@code event <id> <nanoTime>} per delivered event. On the command
 *       {@code disconnect} it prints {@code t0 <nanoTime>}, disconnects and exits.
 *   <li>{@code http <runtimeDir> <sseUrl> <snapshotUrl> <topic> <plain|host>}: one handle from
 *       {@code createHttpRevisionSync}, per process ({@code plain}) or host-coordinated
 *       ({@code host}); prints {@code ready} once started, then
 *       {@code applied <revision> <nanoTime>} per apply.
 * </ul>
 *
 * Every request carries {@code X-Node: <pid>}.
 */
public final class SseBenchNode {
  private static final PrintStream OUT = new PrintStream(System.out, true, StandardCharsets.UTF_8);

  private SseBenchNode() {}

  public static void main(String[] args) throws Exception {
    String pid = Long.toString(ProcessHandle.current().pid());
    BufferedReader in = new BufferedReader(new InputStreamReader(System.in,
        StandardCharsets.UTF_8));
    switch (args[0]) {
      case "coordinator" -> {
        Path dir = Path.of(args[1]);
        SseCoordinator c = new SseCoordinator();
        c.connect(SseOptions.builder(URI.create(args[3]))
            .channelName(args[2])
            .eventTypes(Set.of())
            .headers(Map.of("X-Node", pid))
            .channelOptions(ChannelOptions.builder().runtimeDir(dir).build())
            .electionOptions(ElectionOptions.builder().runtimeDir(dir).build())
            .onEvent(e -> OUT.println("event " + e.id() + " " + System.nanoTime()))
            .build());
        OUT.println("ready");
        for (String line = in.readLine(); line != null; line = in.readLine()) {
          if (line.equals("disconnect")) {
            OUT.println("t0 " + System.nanoTime());
            c.disconnect();
            OUT.println("disconnected");
            System.exit(0);
          }
        }
        c.disconnect();
      }
      case "http" -> {
        Path dir = Path.of(args[1]);
        HttpRevisionSyncOptions.Builder<JsonNode> builder = HttpRevisionSyncOptions.<JsonNode>builder()
            .topic(args[4])
            .sseUri(URI.create(args[2]))
            .snapshotUri(URI.create(args[3]))
            .dataType(JsonNode.class)
            .headers(Map.of("X-Node", pid))
            .applier(SnapshotApplier.of(
                env -> OUT.println("applied " + env.revision().unsignedBits() + " "
                    + System.nanoTime())));
        if (args[5].equals("host")) {
          builder.hostCoordination(HostCoordinationOptions.builder()
              .channelOptions(ChannelOptions.builder().runtimeDir(dir).build())
              .electionOptions(ElectionOptions.builder().runtimeDir(dir).build())
              .build());
        }
        RevisionSyncHandle<JsonNode> handle =
            HttpRevisionSync.createHttpRevisionSync(builder.build());
        handle.start().join();
        OUT.println("ready");
        while (in.readLine() != null) {
          // Runs until the orchestrator closes stdin or kills it.
        }
        handle.close();
      }
      default -> throw new IllegalArgumentException("unknown role " + args[0]);
    }
  }
}
