package dev.statesync.relay;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.statesync.channel.ChannelOptions;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.SubmissionPublisher;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Source and mirrors on separate channel instances of one JVM. */
class InJvmRelayTest {
  private static final long BOUND_S = CiChannel.BOUND.toSeconds();
  private static Path dir;
  private static ChannelOptions channel;
  private static MirrorOptions mirror;

  @BeforeAll
  static void runtimeDir() throws Exception {
    dir = Files.createTempDirectory(Path.of("/tmp"), "rj");
    channel = CiChannel.options(dir).build();
    mirror = MirrorOptions.builder().channelOptions(channel).build();
  }

  @AfterAll
  static void cleanup() throws Exception {
    try (var files = Files.walk(dir)) {
      files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    }
  }

  @Test
  void aMirrorsExecutorRunsItsListenersInOrderAndNoneAfterClose() throws Exception {
    String name = "mirror-executor";
    ExecutorService pool = Executors.newFixedThreadPool(4, r -> new Thread(r, "app-ui"));
    List<String> seen = new CopyOnWriteArrayList<>();
    Set<String> threads = ConcurrentHashMap.newKeySet();
    AtomicInteger running = new AtomicInteger();
    AtomicBoolean overlapped = new AtomicBoolean();
    CountDownLatch done = new CountDownLatch(1);
    MirrorOptions onPool = MirrorOptions.builder().channelOptions(channel).executor(pool).build();
    try (StreamSource source = new StreamSource();
        BroadcastHandle h = source.broadcast(name, channel)) {
      StreamMirror m = new StreamMirror(name, onPool);
      m.awaitSynced().get(BOUND_S, TimeUnit.SECONDS);
      m.onChange(state -> {
        if (running.incrementAndGet() > 1) {
          overlapped.set(true);
        }
        threads.add(Thread.currentThread().getName());
        seen.add(state.text());
        running.decrementAndGet();
        if (state.status() == StreamStatus.DONE) {
          done.countDown();
        }
      });
      var terminal = m.awaitTerminal();
      source.start();
      for (int i = 0; i < 200; i++) {
        source.append(Integer.toString(i % 10));
      }
      source.complete();
      terminal.get(BOUND_S, TimeUnit.SECONDS);
      assertTrue(done.await(BOUND_S, TimeUnit.SECONDS), "the DONE state reached the listener");
      assertEquals(200, seen.get(seen.size() - 1).length());
      assertEquals(Set.of("app-ui"), threads, "listeners run on the mirror's executor");
      assertFalse(overlapped.get(), "listeners never overlap");
      for (int k = 1; k < seen.size(); k++) {
        assertTrue(seen.get(k).startsWith(seen.get(k - 1)), "states arrive in order");
      }
      m.close();
      int afterClose = seen.size();
      source.start();
      source.append("after close");
      source.complete();
      pool.shutdown();
      assertTrue(pool.awaitTermination(BOUND_S, TimeUnit.SECONDS));
      assertEquals(afterClose, seen.size(), "no listener ran after close returned");
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void sanitizerJoinsSurrogatePairsSplitAcrossChunks() {
    try (StreamSource source = new StreamSource()) {
      source.start();
      source.append("a\uD83D");
      assertEquals("a", source.text());
      source.append("\uDE00b\uDC00");
      source.append("\uD83D");
      source.complete();
      assertEquals("a\uD83D\uDE00b\uFFFD\uFFFD", source.text());
      assertEquals(StreamStatus.DONE, source.status());
    }
  }

  @Test
  void transitionsFollowTheTable() {
    try (StreamSource source = new StreamSource(SourceOptions.builder().sourceId("s").build())) {
      assertFalse(source.complete());
      assertThrows(IllegalStateException.class, () -> source.append("x"));
      assertEquals("s-1", source.start());
      source.append("x");
      assertEquals("s-2", source.start());
      assertEquals("", source.text());
      assertTrue(source.fail(new IllegalStateException("boom")));
      assertEquals("boom", source.error());
      assertFalse(source.abort());
      source.start();
      source.close();
      assertEquals(EndReason.SOURCE_CLOSED, source.state().endReason());
      assertThrows(IllegalStateException.class, source::start);
    }
  }

  @Test
  void mirrorFollowsHundredThousandChunks() throws Exception {
    String name = "big";
    try (StreamSource source = new StreamSource();
        BroadcastHandle h = source.broadcast(name, channel);
        StreamMirror m = new StreamMirror(name, mirror)) {
      m.awaitSynced().get(BOUND_S, TimeUnit.SECONDS);
      var terminal = m.awaitTerminal();
      source.start();
      StringBuilder expected = new StringBuilder();
      for (int i = 0; i < 100_000; i++) {
        String chunk = Integer.toString(i % 97, 36) + (i % 1000 == 0 ? "\u00e9\u4e2d" : "");
        expected.append(chunk);
        source.append(chunk);
      }
      source.complete();
      StreamState end = terminal.get(BOUND_S, TimeUnit.SECONDS);
      assertEquals(StreamStatus.DONE, end.status());
      assertEquals(expected.toString(), end.text());
    }
  }

  @Test
  void lateJoinerGetsTheFinishedStreamAndTwoSourcesStayApart() throws Exception {
    String name = "two";
    try (StreamSource first = new StreamSource(SourceOptions.builder().sourceId("first").build());
        BroadcastHandle h1 = first.broadcast(name, channel);
        StreamSource second = new StreamSource(SourceOptions.builder().sourceId("second").build());
        BroadcastHandle h2 = second.broadcast(name, channel)) {
      first.start();
      first.append("one");
      first.complete();
      try (StreamMirror early = new StreamMirror(name, MirrorOptions.builder()
          .channelOptions(channel).stateRequestTimeout(CiChannel.BOUND).build())) {
        assertEquals("one", early.awaitSynced().get(BOUND_S, TimeUnit.SECONDS).text());
        assertTrue(early.done());
        var terminal = new java.util.concurrent.CompletableFuture<StreamState>();
        early.onChange(s -> {
          if (s.sourceId().equals("second") && s.status().isTerminal()) {
            terminal.complete(s);
          }
        });
        second.start();
        second.append("two");
        second.abort();
        StreamState shown = terminal.get(BOUND_S, TimeUnit.SECONDS);
        assertEquals("two", shown.text());
        assertEquals(EndReason.ABORTED, shown.endReason());
        List<StreamState> all = early.streams();
        assertEquals(2, all.size());
        assertEquals("second", all.get(0).sourceId());
        assertEquals("one", all.get(1).text());
      }
    }
  }

  @Test
  void publisherFeedCompletesAndMirrorSeesError() throws Exception {
    String name = "feed";
    try (StreamSource source = new StreamSource();
        BroadcastHandle h = source.broadcast(name, channel);
        StreamMirror m = new StreamMirror(name, mirror);
        SubmissionPublisher<String> pub = new SubmissionPublisher<>()) {
      m.awaitSynced().get(BOUND_S, TimeUnit.SECONDS);
      var result = source.feed(pub);
      var terminal = m.awaitTerminal();
      var allAppended = new java.util.concurrent.CompletableFuture<Void>();
      source.onChange(s -> {
        if (s.text().length() == 1000) {
          allAppended.complete(null);
        }
      });
      for (int i = 0; i < 1000; i++) {
        pub.submit("x");
      }
      // closeExceptionally may drop buffered items, so fail only once all were appended.
      allAppended.get(BOUND_S, TimeUnit.SECONDS);
      pub.closeExceptionally(new RuntimeException("upstream broke"));
      StreamState end = result.get(BOUND_S, TimeUnit.SECONDS);
      assertEquals(StreamStatus.ERROR, end.status());
      assertEquals(1000, end.text().length());
      StreamState mirrored = terminal.get(BOUND_S, TimeUnit.SECONDS);
      assertEquals("upstream broke", mirrored.error());
      assertEquals(end.text(), mirrored.text());
    }
  }
}
