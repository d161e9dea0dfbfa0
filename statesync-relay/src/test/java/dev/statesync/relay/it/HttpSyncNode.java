package dev.statesync.relay.it;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.statesync.channel.ChannelOptions;
import dev.statesync.channel.ElectionOptions;
import dev.statesync.channel.HostCoordination;
import dev.statesync.channel.HostCoordinationOptions;
import dev.statesync.channel.HostCoordinationStats;
import dev.statesync.core.RevisionSyncHandle;
import dev.statesync.core.SyncStats;
import dev.statesync.relay.HttpRevisionSync;
import dev.statesync.relay.HttpRevisionSyncOptions;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

/**
 * A child JVM holding one handle from {@code createHttpRevisionSync} in the host-coordinated
 * mode, on the default channel name of the SSE URI. Arguments: runtime directory, SSE URL,
 * snapshot URL, topic, then {@code key=value} options: {@code snapTimeoutMs} (default 5000),
 * {@code fallback} (true), {@code maxMessageBytes} (channel default). Every request carries
 * {@code X-Node: <pid>}.
 *
 * <p>Reports on stdout, one JSON object a line: {@code ready} at once; {@code started} (with
 * {@code ok}, and {@code phase} and {@code kind} of a failure) after the {@code start} command;
 * {@code applied} per apply (revision, epoch, epochReset, origin); {@code error} per engine error;
 * {@code stats} on the {@code stats} command (the coordinator's and the handle's counters).
 */
public final class HttpSyncNode {
  private static final ObjectMapper JSON = new ObjectMapper();

  private HttpSyncNode() {}

  private static synchronized void emit(ObjectNode n) {
    System.out.println(n.toString());
    System.out.flush();
  }

  public static void main(String[] args) throws Exception {
    Path dir = Path.of(args[0]);
    URI sse = URI.create(args[1]);
    Map<String, String> opts = new HashMap<>();
    for (int i = 4; i < args.length; i++) {
      String[] kv = args[i].split("=", 2);
      opts.put(kv[0], kv[1]);
    }
    String pid = Long.toString(ProcessHandle.current().pid());
    ChannelOptions.Builder channel = ChannelOptions.builder().runtimeDir(dir);
    if (opts.containsKey("maxMessageBytes")) {
      channel.maxMessageBytes(Integer.parseInt(opts.get("maxMessageBytes")));
    }
    HostCoordinationOptions coordination = HostCoordinationOptions.builder()
        .snapshotRequestTimeout(Duration.ofMillis(
            Long.parseLong(opts.getOrDefault("snapTimeoutMs", "5000"))))
        .directFetchFallback(Boolean.parseBoolean(opts.getOrDefault("fallback", "true")))
        .channelOptions(channel.build())
        .electionOptions(ElectionOptions.builder().runtimeDir(dir).build())
        .build();
    HttpRevisionSyncOptions<JsonNode> options = HttpRevisionSyncOptions.<JsonNode>builder()
        .topic(args[3])
        .sseUri(sse)
        .snapshotUri(URI.create(args[2]))
        .dataType(JsonNode.class)
        .headers(Map.of("X-Node", pid))
        .initialReconnectDelay(Duration.ofMillis(50))
        .maxReconnectDelay(Duration.ofMillis(500))
        .hostCoordination(coordination)
        .applier((env, ctx) -> {
          emit(JSON.createObjectNode().put("ev", "applied")
              .put("revision", env.revision().unsignedBits())
              .put("epoch", env.epoch().map(Object::toString).orElse(""))
              .put("epochReset", ctx.epochReset()).put("origin", ctx.origin().name()));
          return CompletableFuture.completedFuture(null);
        })
        .engineOptions(engine -> engine.onError(e -> emit(JSON.createObjectNode()
            .put("ev", "error").put("phase", e.phase().name())
            .put("kind", e.error().getClass().getSimpleName()))))
        .build();
    String channelName = options.hostCoordination().orElseThrow().channelName().orElseThrow();
    RevisionSyncHandle<JsonNode> handle = HttpRevisionSync.createHttpRevisionSync(options);
    emit(JSON.createObjectNode().put("ev", "ready").put("pid", pid).put("channel", channelName));
    BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
    for (String line = in.readLine(); line != null; line = in.readLine()) {
      switch (line.trim()) {
        case "start" -> handle.start().whenComplete((ok, error) -> {
          ObjectNode n = JSON.createObjectNode().put("ev", "started").put("ok", error == null);
          if (error != null) {
            Throwable t = error instanceof CompletionException && error.getCause() != null
                ? error.getCause() : error;
            n.put("kind", t.getClass().getSimpleName()).put("msg", String.valueOf(t.getMessage()));
          }
          emit(n);
        });
        case "stats" -> {
          ObjectNode n = JSON.createObjectNode().put("ev", "stats");
          HostCoordination.stats(channelName).ifPresent(s -> put(n, s));
          SyncStats h = handle.stats();
          n.put("handleFetches", h.fetches()).put("applies", h.applies())
              .put("epochResets", h.epochResets());
          emit(n);
        }
        case "exit" -> {
          handle.close();
          System.exit(0);
        }
        default -> { }
      }
    }
    handle.close();
  }

  private static void put(ObjectNode n, HostCoordinationStats s) {
    n.put("leader", s.leader()).put("upstreamSubscriptions", s.upstreamSubscriptions())
        .put("fetches", s.fetches()).put("directFetches", s.directFetches())
        .put("envPosted", s.envPosted()).put("bigPosted", s.bigPosted())
        .put("snapshotRequestTimeouts", s.snapshotRequestTimeouts());
  }
}
