package dev.statesync.relay;

import static dev.statesync.relay.ProcessRelayTest.BOUND_S;
import static dev.statesync.relay.ProcessRelayTest.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.statesync.relay.StreamHttpServer.Ending;
import dev.statesync.relay.StreamHttpServer.Script;
import dev.statesync.testkit.ChildJvm;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A source JVM fed from this JVM's HTTP server, mirrored here and in a mirror JVM:
 * AC-RELAY-04 (byte splits), AC-RELAY-10 (upstream failure) and AC-RELAY-12 (SSE feed).
 */
class HttpFeedProcessTest {
  private static Path dir;
  private static MirrorOptions mirrorOptions;
  private static StreamHttpServer server;
  private final List<ChildJvm> children = new ArrayList<>();

  @BeforeAll
  static void start() throws Exception {
    dir = Files.createTempDirectory(Path.of("/tmp"), "rx");
    mirrorOptions = MirrorOptions.builder().channelOptions(CiChannel.options(dir).build()).build();
    server = new StreamHttpServer();
  }

  @AfterAll
  static void stop() throws Exception {
    server.close();
    try (var files = Files.walk(dir)) {
      files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    }
  }

  @AfterEach
  void killChildren() {
    children.forEach(ChildJvm::close);
  }

  /** AC-RELAY-04: every multi-byte sequence split across HTTP chunks; exact text everywhere. */
  @Test
  void utf8SplitAcrossChunksArrivesExactInEveryJvm() throws Exception {
    String text = HttpFeedTest.MIXED.repeat(20);
    URI uri = server.serve("/split", new Script(200, "text/plain; charset=utf-8",
        HttpFeedTest.bytewise(text), Ending.COMPLETE));
    ChildJvm source = child(SourceProcess.class, "split");
    ChildJvm other = child(MirrorProcess.class, "split");
    try (StreamMirror mirror = new StreamMirror("split", mirrorOptions)) {
      source.ask("feed " + uri);
      String done = "child-1 DONE COMPLETED " + text.length() + " " + SourceProcess.sha(text) + " ";
      source.await(l -> l.equals("end " + done + "- false"), "source end");
      other.await(l -> l.startsWith("status " + done), "mirror JVM done");
      StreamState end = await(mirror, s -> s.status().isTerminal());
      assertEquals(text, end.text());
    }
  }

  /** AC-RELAY-10: the body is cut halfway; the source and every mirror show the same error. */
  @Test
  void upstreamCutHalfwayShowsTheSameErrorAtTheSourceAndEveryMirror() throws Exception {
    URI uri = server.serve("/cut", new Script(200, "text/plain",
        List.of("half of ".getBytes(StandardCharsets.UTF_8),
            "the answer".getBytes(StandardCharsets.UTF_8)), Ending.CUT));
    ChildJvm source = child(SourceProcess.class, "cut");
    ChildJvm other = child(MirrorProcess.class, "cut");
    try (StreamMirror mirror = new StreamMirror("cut", mirrorOptions)) {
      source.ask("feed " + uri);
      String end = source.await(l -> l.startsWith("end "), "source end");
      String[] f = end.split(" ");
      assertEquals("ERROR", f[2]);
      assertEquals("FAILED", f[3]);
      String error = SourceProcess.fromHex(f[6]);
      assertTrue(!error.isEmpty());
      StreamState mirrored = await(mirror, s -> s.status().isTerminal());
      assertEquals(error, mirrored.error());
      assertEquals("half of the answer", mirrored.text());
      String status = "status " + end.substring(4);
      other.await(l -> l.equals(status), status);
    }
  }

  /** AC-RELAY-12: done event, [DONE] sentinel and error event, from an event-stream response. */
  @Test
  void eventStreamDoneEventSentinelAndErrorEventReachTheMirrors() throws Exception {
    URI done = server.serve("/sse-done", sse(
        "data: Hel\n\ndata: lo\n\n", ": comment\n", "event: done\ndata: \n\n",
        "data: after done\n\n"));
    URI sentinel = server.serve("/sse-sentinel", sse(
        "data: one \u4e2d\n\n", "data: [DONE]\n\n", "data: ignored\n\n"));
    URI error = server.serve("/sse-error", sse(
        "event: message\ndata: partial\n\n", "event: error\ndata: quota exceeded\n\n"));
    ChildJvm source = child(SourceProcess.class, "sse");
    try (StreamMirror mirror = new StreamMirror("sse", mirrorOptions)) {
      source.ask("feed " + done);
      StreamState d = await(mirror, s -> s.streamId().equals("child-1") && s.done());
      assertEquals("Hello", d.text());
      source.ask("feed " + sentinel);
      StreamState s2 = await(mirror, s -> s.streamId().equals("child-2") && s.done());
      assertEquals("one \u4e2d", s2.text());
      source.ask("feed " + error);
      StreamState e = await(mirror,
          s -> s.streamId().equals("child-3") && s.status().isTerminal());
      assertEquals(StreamStatus.ERROR, e.status());
      assertEquals("quota exceeded", e.error());
      assertEquals("partial", e.text());
    }
  }

  private static Script sse(String... pieces) {
    List<byte[]> bytes = new ArrayList<>();
    for (String p : pieces) {
      bytes.add(p.getBytes(StandardCharsets.UTF_8));
    }
    return new Script(200, "Text/Event-Stream; charset=utf-8", bytes, Ending.COMPLETE);
  }

  private ChildJvm child(Class<?> main, String channel) {
    ChildJvm c = RelayJvms.start(main.getSimpleName() + "-" + channel, main, "dir=" + dir,
        "channel=" + channel);
    children.add(c);
    return c;
  }
}
