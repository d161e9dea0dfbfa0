package dev.statesync.channel.it;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.statesync.channel.BroadcastChannel;
import dev.statesync.channel.ChannelOptions;
import dev.statesync.channel.internal.RuntimeDirs;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** The library's threads: one lock thread per group, nothing left behind, no JVM kept alive. */
class ChannelThreadsTest extends MultiJvmHarness {
  private static final String PREFIX = "thr36x";

  static List<String> ours(Set<String> hashes) {
    return Thread.getAllStackTraces().keySet().stream().filter(Thread::isAlive)
        .map(Thread::getName)
        .filter(n -> n.contains(PREFIX) || hashes.stream().anyMatch(n::contains))
        .collect(Collectors.toList());
  }

  @Test
  @DisplayName("AC-CHAN-36 200 names: 200 lock threads; after close none of their threads remain")
  void twoHundredNamesHaveOneLockThreadEachAndLeaveNoThreadBehind() {
    ChannelOptions o = ChannelOptions.builder().runtimeDir(dir).build();
    List<BroadcastChannel> open = new ArrayList<>();
    Set<String> hashes = new HashSet<>();
    try {
      for (int k = 0; k < 200; k++) {
        open.add(BroadcastChannel.open(PREFIX + k, o));
        hashes.add(RuntimeDirs.hash("channel", PREFIX + k));
      }
      long lockThreads = ours(hashes).stream().filter(n -> n.startsWith("statesync-lock-c-"))
          .count();
      assertEquals(200, lockThreads, "one lock thread per group");
    } finally {
      open.forEach(BroadcastChannel::close);
    }
    Node.Await.until(LONG, () -> ours(hashes).isEmpty(),
        () -> "threads left behind: " + ours(hashes));
  }

  @Test
  @DisplayName("AC-CHAN-36 a main that leaves a channel and an election open still exits")
  void aMainThatLeavesChannelsOpenStillExits() {
    Node n = Node.start(dir, List.of(), List.of("leave-open", "exit"));
    nodes.add(n);
    n.await("left-open", LONG);
    assertEquals(0, n.awaitExit(LONG), "the JVM exits normally");
  }
}
