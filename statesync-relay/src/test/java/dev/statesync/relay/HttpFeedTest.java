package dev.statesync.relay;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.statesync.channel.ChannelOptions;
import dev.statesync.relay.StreamHttpServer.Ending;
import dev.statesync.relay.StreamHttpServer.Script;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Feeding a source from an HTTP body and from an InputStream, in one JVM (RELAY-10). */
class HttpFeedTest {
  static final String MIXED = "a\u00e9\u4e2d\uD83D\uDE00b \u00fc\u00df\uD83C\uDF89\u6587 end";
  private static final long BOUND_S = CiChannel.BOUND.toSeconds();
  private static Path dir;
  private static ChannelOptions channel;
  private static StreamHttpServer server;
  private static HttpClient http;

  @BeforeAll
  static void start() throws Exception {
    dir = Files.createTempDirectory(Path.of("/tmp"), "rh");
    channel = CiChannel.options(dir).build();
    server = new StreamHttpServer();
    http = HttpClient.newHttpClient();
  }

  @AfterAll
  static void stop() throws Exception {
    server.close();
    try (var files = Files.walk(dir)) {
      files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    }
  }

  /** The UTF-8 bytes of {@code text}, one piece per byte, so every multi-byte char is split. */
  static List<byte[]> bytewise(String text) {
    List<byte[]> pieces = new ArrayList<>();
    for (byte b : text.getBytes(StandardCharsets.UTF_8)) {
      pieces.add(new byte[] {b});
    }
    return pieces;
  }

  private static HttpResponse<InputStream> get(URI uri) throws Exception {
    return http.send(HttpRequest.newBuilder(uri).build(),
        HttpResponse.BodyHandlers.ofInputStream());
  }

  @Test
  void utf8SplitInsideSequencesAcrossChunksArrivesExactAtSourceAndMirror() throws Exception {
    URI uri = server.serve("/split", new Script(200, "text/plain; charset=utf-8",
        bytewise(MIXED), Ending.COMPLETE));
    try (StreamSource source = new StreamSource();
        BroadcastHandle h = source.broadcast("split", channel);
        StreamMirror mirror = new StreamMirror("split",
            MirrorOptions.builder().channelOptions(channel).build())) {
      mirror.awaitSynced().get(BOUND_S, TimeUnit.SECONDS);
      StreamState end = source.feed(get(uri)).get(BOUND_S, TimeUnit.SECONDS);
      assertEquals(StreamStatus.DONE, end.status());
      assertEquals(MIXED, end.text());
      StreamState mirrored = ProcessRelayTest.await(mirror, s -> s.status().isTerminal());
      assertEquals(MIXED, mirrored.text());
      assertEquals(EndReason.COMPLETED, mirrored.endReason());
    }
  }

  @Test
  void bodyCutMidStreamFailsSourceAndMirrorWithTheSameMessage() throws Exception {
    URI uri = server.serve("/cut", new Script(200, "text/plain",
        List.of("first half ".getBytes(StandardCharsets.UTF_8)), Ending.CUT));
    try (StreamSource source = new StreamSource();
        BroadcastHandle h = source.broadcast("cut", channel);
        StreamMirror mirror = new StreamMirror("cut",
            MirrorOptions.builder().channelOptions(channel).build())) {
      mirror.awaitSynced().get(BOUND_S, TimeUnit.SECONDS);
      StreamState end = source.feed(get(uri)).get(BOUND_S, TimeUnit.SECONDS);
      assertEquals(StreamStatus.ERROR, end.status());
      assertEquals(EndReason.FAILED, end.endReason());
      assertEquals("first half ", end.text());
      assertTrue(!end.error().isEmpty(), "the error names the I/O failure");
      StreamState mirrored = ProcessRelayTest.await(mirror, s -> s.status().isTerminal());
      assertEquals(end.error(), mirrored.error());
      assertEquals("first half ", mirrored.text());
    }
  }

  @Test
  void statusOutside2xxFailsWithTheStatusAndAtMost512CharsOfBody() throws Exception {
    URI busy = server.serve("/busy", new Script(503, "text/plain",
        List.of("busy, retry later".getBytes(StandardCharsets.UTF_8)), Ending.COMPLETE));
    char[] longBody = new char[3000];
    Arrays.fill(longBody, 'x');
    URI missing = server.serve("/long", new Script(404, "text/plain",
        List.of(new String(longBody).getBytes(StandardCharsets.UTF_8)), Ending.COMPLETE));
    try (StreamSource source = new StreamSource()) {
      StreamState s = source.feed(get(busy)).get(BOUND_S, TimeUnit.SECONDS);
      assertEquals(StreamStatus.ERROR, s.status());
      assertEquals("HTTP 503: busy, retry later", s.error());
      assertEquals("", s.text());
      StreamState l = source.feed(get(missing)).get(BOUND_S, TimeUnit.SECONDS);
      assertEquals("HTTP 404: " + new String(longBody, 0, 512), l.error());
    }
  }

  @Test
  void charsetOfTheContentTypeIsUsedAndAnUnknownOneFailsClearly() throws Exception {
    URI latin = server.serve("/latin", new Script(200, "text/plain; charset=ISO-8859-1",
        List.of(new byte[] {'c', 'a', 'f', (byte) 0xE9}), Ending.COMPLETE));
    URI bogus = server.serve("/bogus", new Script(200, "text/plain; charset=x-no-such-set",
        List.of("abc".getBytes(StandardCharsets.UTF_8)), Ending.COMPLETE));
    try (StreamSource source = new StreamSource()) {
      assertEquals("caf\u00e9", source.feed(get(latin)).get(BOUND_S, TimeUnit.SECONDS).text());
      StreamState s = source.feed(get(bogus)).get(BOUND_S, TimeUnit.SECONDS);
      assertEquals(StreamStatus.ERROR, s.status());
      assertEquals("unsupported charset in Content-Type \"text/plain; charset=x-no-such-set\"; "
          + "the body was not read", s.error());
    }
  }

  @Test
  void abortClosesTheHttpConnectionAndAppendsNothingMore() throws Exception {
    URI uri = server.serve("/open", new Script(200, "text/plain",
        List.of("tick".getBytes(StandardCharsets.UTF_8)), Ending.OPEN));
    try (StreamSource source = new StreamSource()) {
      var feed = source.feed(get(uri));
      var seen = new java.util.concurrent.CompletableFuture<Void>();
      source.onChange(s -> {
        if (s.text().startsWith("tick")) {
          seen.complete(null);
        }
      });
      if (source.text().startsWith("tick")) {
        seen.complete(null);
      }
      seen.get(BOUND_S, TimeUnit.SECONDS);
      assertTrue(source.abort());
      StreamState end = feed.get(BOUND_S, TimeUnit.SECONDS);
      assertEquals(EndReason.ABORTED, end.endReason());
      server.clientGone("/open").get(BOUND_S, TimeUnit.SECONDS);
      server.push("/open", "late".getBytes(StandardCharsets.UTF_8));
      assertEquals(end.text(), source.text(), "nothing is appended after abort");
    }
  }

  @Test
  void inputStreamReadOneByteAtATimeJoinsSequencesAndEndsCutSequenceWithReplacement()
      throws Exception {
    byte[] bytes = MIXED.getBytes(StandardCharsets.UTF_8);
    byte[] cut = Arrays.copyOf(bytes, bytes.length + 2);
    // The first two bytes of a three-byte sequence, then EOF.
    cut[bytes.length] = (byte) 0xE4;
    cut[bytes.length + 1] = (byte) 0xB8;
    try (StreamSource source = new StreamSource()) {
      StreamState s = source.feed(new OneByteStream(cut), StreamFormat.plainText())
          .get(BOUND_S, TimeUnit.SECONDS);
      assertEquals(StreamStatus.DONE, s.status());
      assertEquals(MIXED + "\uFFFD", s.text());
    }
  }

  @Test
  void feedPastTheTextCapFailsTheStreamAndKeepsTheTextBeforeIt() throws Exception {
    SourceOptions capped = SourceOptions.builder().maxTextChars(10).build();
    try (StreamSource source = new StreamSource(capped)) {
      StreamState s = source.feed(new OneByteStream(
          "0123456789abc".getBytes(StandardCharsets.UTF_8)), StreamFormat.plainText())
          .get(BOUND_S, TimeUnit.SECONDS);
      assertEquals(StreamStatus.ERROR, s.status());
      assertEquals("0123456789", s.text());
      assertTrue(s.error().contains("maxTextChars (10)"), s.error());
    }
  }

  @Test
  void feedingAClosedSourceIsRefused() {
    StreamSource source = new StreamSource();
    source.close();
    assertThrows(IllegalStateException.class, () -> source.feed(
        new ByteArrayInputStream(new byte[0]), StreamFormat.plainText()));
  }

  @Test
  void eventStreamWithRequireDoneEventFailsOnABareEof() throws Exception {
    SseTextMapping strict = SseTextMapping.builder().requireDoneEvent(true).build();
    try (StreamSource source = new StreamSource()) {
      StreamState s = source.feed(new OneByteStream(
          "data: a\n\ndata: b\n\n".getBytes(StandardCharsets.UTF_8)), StreamFormat.sse(strict))
          .get(BOUND_S, TimeUnit.SECONDS);
      assertEquals(StreamStatus.ERROR, s.status());
      assertEquals("stream ended without done event", s.error());
      assertEquals("ab", s.text());
      StreamState lenient = source.feed(new ByteArrayInputStream(
          "data: a\n\n".getBytes(StandardCharsets.UTF_8)), StreamFormat.sse())
          .get(BOUND_S, TimeUnit.SECONDS);
      assertEquals(StreamStatus.DONE, lenient.status());
    }
  }

  @Test
  void eventStreamTextExtractorPicksTheTokenAndItsFailureFailsTheStream() throws Exception {
    SseTextMapping tokens = SseTextMapping.builder()
        .textEvents(java.util.Set.of("token"))
        .textExtractor(data -> {
          if (!data.startsWith("{\"t\":\"")) {
            throw new IllegalArgumentException("not a token object: " + data);
          }
          String t = data.substring(6, data.length() - 2);
          return t.isEmpty() ? null : t;
        })
        .build();
    String body = "event: token\ndata: {\"t\":\"Hi\"}\n\n"
        + "event: token\ndata: {\"t\":\"\"}\n\n"
        + "event: ping\ndata: 1\n\n"
        + "event: token\ndata: {\"t\":\" there\"}\n\n"
        + "event: token\ndata: oops\n\n"
        + "event: token\ndata: {\"t\":\"never\"}\n\n";
    try (StreamSource source = new StreamSource()) {
      StreamState s = source.feed(new ByteArrayInputStream(body.getBytes(StandardCharsets.UTF_8)),
          StreamFormat.sse(tokens)).get(BOUND_S, TimeUnit.SECONDS);
      assertEquals("Hi there", s.text());
      assertEquals(StreamStatus.ERROR, s.status());
      assertEquals("textExtractor failed on a \"token\" event: not a token object: oops",
          s.error());
    }
  }

  @Test
  void eventLargerThanTheParserLimitFailsTheStream() throws Exception {
    char[] big = new char[5 * 1024 * 1024];
    Arrays.fill(big, 'x');
    byte[] body = ("data: ok\n\ndata: " + new String(big) + "\n\n").getBytes(StandardCharsets.UTF_8);
    try (StreamSource source = new StreamSource()) {
      StreamState s = source.feed(new ByteArrayInputStream(body), StreamFormat.sse())
          .get(BOUND_S, TimeUnit.SECONDS);
      assertEquals(StreamStatus.ERROR, s.status());
      assertEquals("ok", s.text());
      assertTrue(!s.error().isEmpty());
    }
  }

  @Test
  void mappingWithAnEventTypeInTwoRolesIsRejected() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> SseTextMapping.builder().doneEvents(java.util.Set.of("message")).build());
    assertEquals("event type \"message\" is in both textEvents and doneEvents", e.getMessage());
  }

  /** A real InputStream that returns one byte per read, as a slow network would. */
  private static final class OneByteStream extends InputStream {
    private final byte[] bytes;
    private int next;

    OneByteStream(byte[] bytes) {
      this.bytes = bytes;
    }

    @Override
    public int read() {
      return next < bytes.length ? bytes[next++] & 0xFF : -1;
    }

    @Override
    public int read(byte[] b, int off, int len) {
      if (len == 0) {
        return 0;
      }
      int c = read();
      if (c < 0) {
        return -1;
      }
      b[off] = (byte) c;
      return 1;
    }
  }
}
