package dev.statesync.relay.it;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.statesync.channel.ChannelOptions;
import dev.statesync.channel.ElectionOptions;
import dev.statesync.core.logging.ConsoleLoggerOptions;
import dev.statesync.core.logging.Loggers;
import dev.statesync.relay.SseCoordinator;
import dev.statesync.relay.SseOptions;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.Map;
import java.util.Set;

/**
 * A child JVM holding one {@link SseCoordinator} (RELAY-37). Arguments: runtime directory, channel
 * name, SSE URL, event types (comma-separated, {@code *} for all), max reconnect attempts, initial
 * reconnect delay in ms. Every request carries {@code X-Node: <pid>}. It reports on stdout, one
 * JSON object a line: {@code ready}, {@code event}, {@code conn}, {@code error} and, on the
 * {@code status} command, {@code status}. Commands on stdin: {@code status}, {@code reconnect},
 * {@code disconnect}, {@code exit}.
 */
public final class RelayNode {
  private static final ObjectMapper JSON = new ObjectMapper();

  private RelayNode() {}

  private static synchronized void emit(ObjectNode n) {
    System.out.println(n.toString());
    System.out.flush();
  }

  public static void main(String[] args) throws Exception {
    Path dir = Path.of(args[0]);
    Set<String> types = args[3].equals("*") ? Set.of() : Set.copyOf(Arrays.asList(args[3].split(",")));
    long pid = ProcessHandle.current().pid();
    SseOptions options = SseOptions.builder(URI.create(args[2]))
        .channelName(args[1])
        .eventTypes(types)
        .maxReconnectAttempts(Integer.parseInt(args[4]))
        .initialReconnectDelay(Duration.ofMillis(Long.parseLong(args[5])))
        .maxReconnectDelay(Duration.ofSeconds(2))
        .headers(Map.of("X-Node", Long.toString(pid)))
        .channelOptions(ChannelOptions.builder().runtimeDir(dir).build())
        .electionOptions(ElectionOptions.builder().runtimeDir(dir).build())
        .logger(Loggers.createConsoleLogger(
            ConsoleLoggerOptions.builder().out(System.err).prefix("node " + pid).build()))
        .onEvent(e -> emit(JSON.createObjectNode().put("ev", "event").put("type", e.type())
            .put("raw", e.rawData()).put("id", e.id()).put("ts", e.timestamp().toString())
            .put("dataKind", e.data().getNodeType().name())))
        .onConnectionChange(c -> emit(JSON.createObjectNode().put("ev", "conn").put("v", c)))
        .onError(t -> emit(JSON.createObjectNode().put("ev", "error")
            .put("kind", t.getClass().getSimpleName()).put("msg", t.getMessage())))
        .build();
    SseCoordinator coordinator = new SseCoordinator();
    coordinator.connect(options);
    emit(JSON.createObjectNode().put("ev", "ready").put("pid", pid));
    BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
    for (String line = in.readLine(); line != null; line = in.readLine()) {
      switch (line.trim()) {
        case "status" -> emit(JSON.createObjectNode().put("ev", "status")
            .put("leader", coordinator.isLeader()).put("connected", coordinator.isConnected())
            .put("lastEventId", coordinator.lastEventId().orElse("")));
        case "reconnect" -> coordinator.reconnect();
        case "disconnect" -> {
          coordinator.disconnect();
          emit(JSON.createObjectNode().put("ev", "disconnected"));
        }
        case "exit" -> {
          coordinator.disconnect();
          System.exit(0);
        }
        default -> { }
      }
    }
    coordinator.disconnect();
  }
}
