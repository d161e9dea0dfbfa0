package dev.statesync.channel.it;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;

/**
 * What every multi-JVM channel test shares: a short private runtime directory under /tmp, the
 * {@link ChannelNode} processes it started (killed after each test) and small readers of their
 * state. Bounds are generous because CI is a loaded 2-core machine; no test sleeps.
 */
abstract class MultiJvmHarness {
  static final Duration LONG = Duration.ofSeconds(30);
  Path dir;
  final List<Node> nodes = new ArrayList<>();

  @BeforeEach
  void createRuntimeDirectory() throws IOException {
    dir = Files.createTempDirectory(Path.of("/tmp"), "sc").resolve("r");
  }

  @AfterEach
  void killNodes() {
    nodes.forEach(Node::close);
  }

  Node node() {
    Node n = Node.start(dir);
    nodes.add(n);
    return n;
  }

  /** Starts a node and sends {@code command}, waiting for its opened or elected answer. */
  Node started(String command) {
    Node n = node();
    n.send(command);
    n.await(command.startsWith("elect") ? "elected" : "opened", LONG);
    return n;
  }

  /** Starts a node and opens channel {@code name}, waiting until open returns. */
  Node joined(String name) {
    return started("open " + name);
  }

  static JsonNode channel(Node n) {
    return n.state().path("channels").path(0);
  }

  static long epoch(Node n) {
    return channel(n).path("epoch").asLong();
  }

  static JsonNode election(Node n) {
    return n.state().path("elections").path(0);
  }

  /**
   * Waits until the node's first election instance leads; returns its epoch. Polls the state:
   * a leadership event can fire before the node registered its listener.
   */
  static long awaitLeads(Node n) {
    Node.Await.until(LONG, () -> election(n).path("leader").asBoolean(),
        () -> "node " + n.pid + " never led");
    return election(n).path("epoch").asLong();
  }

  /** The pids in the node's {@code members()} of its first channel. */
  static List<Long> memberPids(Node n) {
    List<Long> out = new ArrayList<>();
    channel(n).path("pids").forEach(p -> out.add(p.asLong()));
    return out;
  }

  static List<Long> counters(Node n, int i) {
    return n.events("msg").stream().filter(e -> e.path("i").asInt() == i)
        .map(e -> e.path("n").asLong()).collect(Collectors.toList());
  }

  /**
   * Waits until exactly one of {@code survivors} is HUB and all of them are in {@code epoch};
   * returns the hub.
   */
  static Node awaitOneHubIn(List<Node> survivors, long epoch, Duration timeout) {
    Node[] hub = new Node[1];
    Node.Await.until(timeout, () -> {
      List<JsonNode> cs = survivors.stream().map(MultiJvmHarness::channel)
          .collect(Collectors.toList());
      long hubs = cs.stream().filter(c -> c.path("status").asText().equals("HUB")).count();
      long followers = cs.stream().filter(c -> c.path("status").asText().equals("FOLLOWER"))
          .count();
      boolean sameEpoch = cs.stream().allMatch(c -> c.path("epoch").asLong() == epoch);
      if (hubs == 1 && followers == survivors.size() - 1 && sameEpoch) {
        for (int k = 0; k < cs.size(); k++) {
          if (cs.get(k).path("status").asText().equals("HUB")) {
            hub[0] = survivors.get(k);
          }
        }
        return true;
      }
      return false;
    }, () -> "not exactly one hub and " + (survivors.size() - 1) + " followers in epoch "
        + epoch);
    return hub[0];
  }

  /** The log entries a node reported at {@code level} (WARN or ERROR) containing {@code text}. */
  static long logged(Node n, String level, String text) {
    return n.count("log", e -> e.path("level").asText().equals(level)
        && e.path("msg").asText().contains(text));
  }
}
