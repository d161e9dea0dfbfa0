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

  /**
   * Library threads other than the lock threads and the shared pools (the channel's dispatch
   * pool and timer, and the core engine's blocking pool that other tests of this JVM started).
   */
  static List<String> otherLibraryThreads(List<String> names) {
    return names.stream().filter(n -> n.startsWith("statesync-"))
        .filter(n -> !n.startsWith("statesync-lock-") && !n.startsWith("statesync-dispatch-")
            && !n.startsWith("statesync-blocking-") && !n.equals("statesync-timer"))
        .collect(Collectors.toList());
  }

  static List<String> liveThreadNames() {
    return Thread.getAllStackTraces().keySet().stream().filter(Thread::isAlive)
        .map(Thread::getName).collect(Collectors.toList());
  }

  @Test
  @DisplayName("CHAN-58 200 names, half hub and half follower: one statesync-io thread in each "
      + "JVM and no thread per connection")
  void oneIoThreadServesEveryHubAndFollowerLinkOfAJvm() {
    Node other = node();
    for (int k = 0; k < 100; k++) {
      other.send("open " + PREFIX + "io" + k);
    }
    Node.Await.until(LONG, () -> other.events("opened").size() == 100,
        () -> "the other JVM opened " + other.events("opened").size() + " of 100");
    ChannelOptions o = ChannelOptions.builder().runtimeDir(dir).build();
    List<BroadcastChannel> open = new ArrayList<>();
    try {
      for (int k = 0; k < 200; k++) {
        open.add(BroadcastChannel.open(PREFIX + "io" + k, o));
      }
      for (int k = 100; k < 200; k++) {
        other.send("open " + PREFIX + "io" + k);
      }
      Node.Await.until(LONG, () -> other.events("opened").size() == 200,
          () -> "the other JVM opened " + other.events("opened").size() + " of 200");
      // This JVM follows the first 100 names and is hub of the other 100, each with one
      // accepted connection; the other JVM is the reverse.
      for (int k = 0; k < 200; k++) {
        assertEquals(k >= 100, open.get(k).isHub(), "hub of name " + k);
      }
      Node.Await.until(LONG, () -> open.stream().skip(100).allMatch(c -> c.members().size() == 2),
          () -> "the other JVM has not joined every name this JVM leads");
      List<String> here = liveThreadNames();
      assertEquals(1, here.stream().filter(n -> n.equals("statesync-io")).count(),
          "one I/O thread: " + otherLibraryThreads(here));
      assertEquals(List.of("statesync-io"), otherLibraryThreads(here),
          "no thread per hub, connection or link");
      List<String> there = new ArrayList<>();
      other.ask("threads", "threads").path("names").forEach(n -> there.add(n.asText()));
      assertEquals(List.of("statesync-io"), otherLibraryThreads(there),
          "the other JVM has one I/O thread and no thread per connection either");
      assertEquals(200, there.stream().filter(n -> n.startsWith("statesync-lock-c-")).count());
    } finally {
      open.forEach(BroadcastChannel::close);
    }
  }

  static List<String> threadsOf(Node n) {
    List<String> out = new ArrayList<>();
    n.ask("threads", "threads").path("names").forEach(t -> out.add(t.asText()));
    return out;
  }

  @Test
  @DisplayName("AC-CHAN-36 once everything is closed the I/O and lock threads end")
  void theIoThreadEndsOnceEveryChannelIsClosed() {
    Node hub = started("open " + PREFIX + "end");
    Node follower = started("open " + PREFIX + "end");
    for (Node n : List.of(hub, follower)) {
      assertEquals(List.of("statesync-io"), otherLibraryThreads(threadsOf(n)));
      n.send("close 0");
      n.await("closed", LONG);
    }
    for (Node n : List.of(hub, follower)) {
      Node.Await.until(LONG, () -> threadsOf(n).stream().allMatch(t -> t.equals("statesync-timer")
          || t.startsWith("statesync-dispatch-")),
          () -> "library threads left in pid " + n.pid + ": " + threadsOf(n));
    }
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
