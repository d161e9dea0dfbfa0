package dev.statesync.relay;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import dev.statesync.testkit.ChildJvm;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** A source in a real child JVM, mirrors in this JVM. */
class ProcessRelayTest {
  static final long BOUND_S = CiChannel.BOUND.toSeconds();
  private static Path dir;
  private static MirrorOptions mirrorOptions;
  private final List<ChildJvm> children = new ArrayList<>();

  @BeforeAll
  static void runtimeDir() throws Exception {
    dir = Files.createTempDirectory(Path.of("/tmp"), "rp");
    mirrorOptions = MirrorOptions.builder()
        .channelOptions(CiChannel.options(dir).build()).build();
  }

  @AfterAll
  static void cleanup() throws Exception {
    try (var files = Files.walk(dir)) {
      files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    }
  }

  @AfterEach
  void killChildren() {
    children.forEach(ChildJvm::close);
  }

  @Test
  void lateJoinersGetTheStreamMidwayAndAfterDone() throws Exception {
    ChildJvm source = source("late");
    source.ask("start");
    append(source, "hello ");
    try (StreamMirror mid = new StreamMirror("late", mirrorOptions)) {
      StreamState joined = await(mid, s -> s.text().equals("hello "));
      assertEquals(StreamStatus.STREAMING, joined.status());
      append(source, "world");
      source.ask("complete");
      StreamState end = await(mid, s -> s.status().isTerminal());
      assertEquals(StreamStatus.DONE, end.status());
      assertEquals("hello world", end.text());
    }
    try (StreamMirror after = new StreamMirror("late", MirrorOptions.builder()
        .channelOptions(CiChannel.options(dir).build()).stateRequestTimeout(CiChannel.BOUND)
        .build())) {
      StreamState s = after.awaitSynced().get(BOUND_S, TimeUnit.SECONDS);
      assertEquals(StreamStatus.DONE, s.status());
      assertEquals("hello world", s.text());
      assertEquals("child", s.sourceId());
    }
  }

  @Test
  void mirrorStartedBeforeSourceSeesSourceKilledAsError() throws Exception {
    try (StreamMirror mirror = new StreamMirror("killf", mirrorOptions)) {
      // AC-RELAY-08: no source answers, so the mirror is synced after the timeout, IDLE.
      assertEquals(StreamStatus.IDLE, mirror.awaitSynced().get(BOUND_S, TimeUnit.SECONDS).status());
      ChildJvm source = source("killf");
      source.ask("start");
      append(source, "partial");
      await(mirror, s -> s.text().equals("partial"));
      source.kill();
      StreamState end = await(mirror, s -> s.status().isTerminal());
      assertEquals(EndReason.SOURCE_LOST, end.endReason());
      assertEquals("source process exited", end.error());
      assertEquals("partial", end.text());
      assertFalse(mirror.loading());
    }
  }

  @Test
  void sourceKilledInTheHubJvmMovesMirrorToError() throws Exception {
    ChildJvm source = source("killh");
    try (StreamMirror mirror = new StreamMirror("killh", mirrorOptions)) {
      source.ask("start");
      append(source, "x");
      await(mirror, s -> s.text().equals("x"));
      source.kill();
      StreamState end = await(mirror, s -> s.status().isTerminal());
      assertEquals(StreamStatus.ERROR, end.status());
      assertEquals(EndReason.SOURCE_LOST, end.endReason());
    }
  }

  @Test
  void abortErrorAndCloseReachTheMirror() throws Exception {
    ChildJvm source = source("ends");
    try (StreamMirror mirror = new StreamMirror("ends", mirrorOptions)) {
      source.ask("start");
      append(source, "a");
      source.ask("abort");
      StreamState aborted = await(mirror, s -> s.status().isTerminal());
      assertEquals(EndReason.ABORTED, aborted.endReason());
      assertFalse(aborted.loading());
      assertEquals("a", aborted.text(), "abort keeps the text");
      source.ask("start");
      append(source, "b");
      source.ask("fail upstream 500");
      StreamState failed = await(mirror, s -> s.status() == StreamStatus.ERROR);
      assertEquals("upstream 500", failed.error());
      assertEquals("b", failed.text());
      source.ask("start");
      append(source, "c");
      source.ask("close");
      StreamState closed = await(mirror, StreamState::sourceClosed);
      assertEquals(EndReason.SOURCE_CLOSED, closed.endReason());
      assertEquals("c", closed.text());
    }
  }

  @Test
  void surrogatePairsSplitByTheProducerRenderWhole() throws Exception {
    ChildJvm source = source("utf");
    try (StreamMirror mirror = new StreamMirror("utf", mirrorOptions)) {
      source.ask("start");
      String text = "caf\u00e9 \uD83D\uDE00\uD83C\uDF89 \u4e2d\u6587";
      for (int i = 0; i < text.length(); i++) {
        append(source, text.substring(i, i + 1));
      }
      source.ask("complete");
      StreamState end = await(mirror, s -> s.status().isTerminal());
      assertEquals(StreamStatus.DONE, end.status());
      assertEquals(text, end.text());
    }
  }

  /**
   * Waits for a mirror state matching {@code condition}. The listener is added before the current
   * state is checked, so a change in between is seen by one or the other.
   */
  static StreamState await(StreamMirror mirror, Predicate<StreamState> condition)
      throws Exception {
    CompletableFuture<StreamState> f = new CompletableFuture<>();
    var sub = mirror.onChange(s -> {
      if (condition.test(s)) {
        f.complete(s);
      }
    });
    try {
      StreamState now = mirror.state();
      if (condition.test(now)) {
        f.complete(now);
      }
      return f.get(BOUND_S, TimeUnit.SECONDS);
    } finally {
      sub.unsubscribe();
    }
  }

  static void append(ChildJvm source, String text) {
    source.ask("append " + SourceProcess.toHex(text));
  }

  private ChildJvm source(String channel) {
    ChildJvm c = RelayJvms.start("source-" + channel, SourceProcess.class, "dir=" + dir,
        "channel=" + channel);
    children.add(c);
    return c;
  }
}
