package dev.statesync.channel.it;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.statesync.channel.ChannelOptions;
import dev.statesync.channel.ElectionOptions;
import dev.statesync.channel.HostCoordination;
import dev.statesync.channel.HostCoordinationOptions;
import dev.statesync.channel.HostCoordinationStats;
import dev.statesync.core.RetryPolicy;
import dev.statesync.core.RevisionSyncHandle;
import dev.statesync.core.RevisionSyncOptions;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * A child JVM with host-coordinated handles on a {@link TruthServer}, driven over stdin like
 * {@link ChannelNode}. Properties: {@code hs.port}, {@code hs.channel}, optional
 * {@code hs.maxMessageBytes}. Commands: {@code sync <topic>}, {@code stats}, {@code exit}.
 * Events: {@code ready}, {@code started}, {@code applied} (topic, revision, value, origin),
 * {@code syncError}, {@code stats}.
 */
public final class HostSyncNode {
  private static final List<RevisionSyncHandle<JsonNode>> HANDLES = new ArrayList<>();

  private HostSyncNode() {}

  public static void main(String[] args) throws Exception {
    int port = Integer.getInteger("hs.port");
    String channel = System.getProperty("hs.channel");
    ChannelOptions.Builder co = ChannelOptions.builder().leaderTimeout(Duration.ofSeconds(2))
        .heartbeatInterval(Duration.ofMillis(200)).openTimeout(Duration.ofSeconds(20))
        .closeTimeout(Duration.ofSeconds(5));
    Integer max = Integer.getInteger("hs.maxMessageBytes");
    if (max != null) {
      co.maxMessageBytes(max);
    }
    HostCoordinationOptions options = HostCoordinationOptions.builder().channelName(channel)
        .channelOptions(co.build())
        .electionOptions(ElectionOptions.builder().leaderTimeout(Duration.ofSeconds(2))
            .heartbeatInterval(Duration.ofMillis(200)).build())
        .snapshotRequestTimeout(Duration.ofSeconds(20))
        .build();
    SocketUpstream upstream = new SocketUpstream(port);
    ChannelNode.emit(ChannelNode.ev("ready").put("pid", ProcessHandle.current().pid()));
    BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
    String line;
    while ((line = in.readLine()) != null) {
      String[] a = line.trim().split(" ");
      try {
        switch (a[0]) {
          case "sync": sync(a[1], upstream, options); break;
          case "stats": stats(channel); break;
          case "exit": System.exit(0); break;
          default: ChannelNode.emit(ChannelNode.ev("error").put("message", "unknown " + a[0]));
        }
      } catch (Exception e) {
        ChannelNode.emit(ChannelNode.ev("error").put("message", e.toString()));
      }
    }
  }

  private static void sync(String topic, SocketUpstream upstream, HostCoordinationOptions o) {
    RevisionSyncHandle<JsonNode> h = HostCoordination.createRevisionSync(
        RevisionSyncOptions.<JsonNode>builder()
            .topic(topic)
            .retry(RetryPolicy.none())
            .applier((env, ctx) -> {
              ChannelNode.emit(ChannelNode.ev("applied")
                  .put("topic", topic).put("revision", env.revision().unsignedBits())
                  .put("value", env.data() == null ? -1 : env.data().path("value").asLong())
                  .put("origin", ctx.origin().name()).put("epochReset", ctx.epochReset()));
              return CompletableFuture.completedFuture(null);
            })
            .onError(ctx -> ChannelNode.emit(ChannelNode.ev("syncError").put("topic", topic)
                .put("phase", ctx.phase().wireName()).put("error", String.valueOf(ctx.error())))),
        JsonNode.class, upstream, "truth:" + topic, o);
    HANDLES.add(h);
    h.start().whenComplete((v, err) -> ChannelNode.emit(ChannelNode.ev("started")
        .put("topic", topic).put("ok", err == null)
        .put("error", err == null ? "" : err.toString())));
  }

  private static void stats(String channel) {
    ObjectNode n = ChannelNode.ev("stats");
    HostCoordinationStats s = HostCoordination.stats(channel).orElse(null);
    if (s != null) {
      n.put("leader", s.leader()).put("upstreamSubscriptions", s.upstreamSubscriptions())
          .put("fetches", s.fetches()).put("directFetches", s.directFetches())
          .put("envPosted", s.envPosted()).put("bigPosted", s.bigPosted())
          .put("snapshotRequests", s.snapshotRequests())
          .put("malformedMessages", s.malformedMessages());
    }
    ChannelNode.emit(n);
  }
}
