package dev.statesync.relay;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.statesync.channel.ChannelOptions;
import dev.statesync.core.testing.VirtualTime;
import dev.statesync.relay.internal.Wire;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** {@link SourceOptions}: validation, the merge window on a virtual clock, and the caps. */
class SourceOptionsTest {
  private static final long BOUND_S = CiChannel.BOUND.toSeconds();
  private static Path dir;
  private static ChannelOptions channel;
  private static MirrorOptions mirror;

  @BeforeAll
  static void runtimeDir() throws Exception {
    dir = Files.createTempDirectory(Path.of("/tmp"), "ro");
    channel = CiChannel.options(dir).build();
    mirror = MirrorOptions.builder().channelOptions(channel).build();
  }

  @AfterAll
  static void cleanup() throws Exception {
    try (var files = Files.walk(dir)) {
      files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    }
  }

  @Test
  void invalidValuesAreRejectedNamingTheOptionAndRange() {
    assertMessage("maxDeltaDelay must be in [0, PT10S], got PT-0.001S",
        () -> SourceOptions.builder().maxDeltaDelay(Duration.ofMillis(-1)).build());
    assertMessage("maxDeltaDelay must be in [0, PT10S], got PT11S",
        () -> SourceOptions.builder().maxDeltaDelay(Duration.ofSeconds(11)).build());
    assertMessage("maxDeltaBytes must be in [16, 67108864], got 15",
        () -> SourceOptions.builder().maxDeltaBytes(15).build());
    assertMessage("maxTextChars must be >= 1, got 0",
        () -> SourceOptions.builder().maxTextChars(0).build());
    assertMessage("sourceId must not be empty",
        () -> SourceOptions.builder().sourceId("").build());
    SourceOptions d = SourceOptions.defaults();
    assertEquals(Duration.ZERO, d.maxDeltaDelay());
    assertEquals(16 * 1024, d.maxDeltaBytes());
    assertEquals(36, d.sourceId().length(), "a random UUID");
  }

  private static void assertMessage(String message, Runnable build) {
    assertEquals(message, assertThrows(IllegalArgumentException.class, build::run).getMessage());
  }

  @Test
  void appendsWithinTheWindowArePostedAsOneDeltaAndEndFlushesAtOnce() throws Exception {
    VirtualTime time = new VirtualTime();
    SourceOptions options = SourceOptions.builder().maxDeltaDelay(Duration.ofMillis(50))
        .scheduler(time).build();
    // The mirror opens first, so its state request reaches no source and the posts counted
    // below are exactly the stream's.
    try (StreamMirror m = new StreamMirror("merge", mirror);
        StreamSource source = new StreamSource(options);
        BroadcastHandle h = source.broadcast("merge", channel)) {
      List<Wire.Delta> deltas = new ArrayList<>();
      m.loseIncoming(msg -> {
        if (msg instanceof Wire.Delta d) {
          synchronized (deltas) {
            deltas.add(d);
          }
        }
        return false;
      });
      source.start();
      long afterStart = h.stats().posted();
      StringBuilder text = new StringBuilder();
      for (int i = 0; i < 10; i++) {
        source.append("tok" + i + " ");
        text.append("tok").append(i).append(' ');
      }
      assertEquals(text.toString(), source.text(), "the source's own state changes at once");
      time.advanceMs(49);
      assertEquals(afterStart, h.stats().posted(), "nothing posted inside the window");
      time.advanceMs(1);
      assertEquals(afterStart + 1, h.stats().posted(), "one DELTA for ten appends");
      ProcessRelayTest.await(m, s -> s.text().equals(text.toString()));
      source.append("last");
      source.complete();
      assertEquals(afterStart + 3, h.stats().posted(), "END flushed the pending DELTA first");
      StreamState end = ProcessRelayTest.await(m, s -> s.status().isTerminal());
      assertEquals(text + "last", end.text());
      assertEquals(StreamStatus.DONE, end.status());
      synchronized (deltas) {
        assertEquals(List.of(1L, 2L), deltas.stream().map(Wire.Delta::n).toList());
      }
    }
  }

  @Test
  void deltasNeverCarryMoreThanMaxDeltaBytesMergedOrNot() throws Exception {
    VirtualTime time = new VirtualTime();
    for (Duration window : List.of(Duration.ZERO, Duration.ofMillis(50))) {
      SourceOptions options = SourceOptions.builder().maxDeltaDelay(window).maxDeltaBytes(16)
          .scheduler(time).build();
      String name = "cap" + window.toMillis();
      try (StreamMirror m = new StreamMirror(name, mirror);
          StreamSource source = new StreamSource(options);
          BroadcastHandle h = source.broadcast(name, channel)) {
        List<String> texts = new ArrayList<>();
        m.loseIncoming(msg -> {
          if (msg instanceof Wire.Delta d) {
            synchronized (texts) {
              texts.add(d.text());
            }
          }
          return false;
        });
        source.start();
        String text = "0123456789\u4e2d\u6587\uD83D\uDE00 abcdefghijklmnopqrstuvwxyz0123456789";
        source.append(text.substring(0, 7));
        source.append(text.substring(7));
        source.complete();
        StreamState end = ProcessRelayTest.await(m, s -> s.status().isTerminal());
        assertEquals(text, end.text());
        synchronized (texts) {
          assertTrue(texts.size() >= 4, "split into several DELTAs: " + texts);
          for (String t : texts) {
            assertTrue(t.getBytes(StandardCharsets.UTF_8).length <= 16, "delta '" + t + "'");
          }
        }
      }
    }
  }

  @Test
  void appendPastTheTextCapIsRefusedAndLosesNothing() {
    SourceOptions options = SourceOptions.builder().maxTextChars(8).build();
    try (StreamSource source = new StreamSource(options)) {
      source.start();
      source.append("12345");
      StreamLimitException e =
          assertThrows(StreamLimitException.class, () -> source.append("6789"));
      assertEquals("stream " + source.state().streamId() + " would hold 9 chars, more than "
          + "maxTextChars (8)", e.getMessage());
      assertTrue(e instanceof dev.statesync.core.StateSyncException);
      assertEquals("12345", source.text());
      assertEquals(StreamStatus.STREAMING, source.status());
      source.append("678");
      assertEquals("12345678", source.text());
    }
  }
}
