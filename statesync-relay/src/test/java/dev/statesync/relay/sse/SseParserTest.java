package dev.statesync.relay.sse;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;

/** The case table of AC-RELAY-24, each case fed whole and one byte at a time. */
class SseParserTest {

  private static List<SseMessage> parseWhole(String stream) {
    List<SseMessage> out = new ArrayList<>();
    SseParser parser = new SseParser(out::add);
    parser.feed(stream.getBytes(StandardCharsets.UTF_8));
    parser.end();
    return out;
  }

  private static List<SseMessage> parseBytewise(byte[] bytes) {
    List<SseMessage> out = new ArrayList<>();
    SseParser parser = new SseParser(out::add);
    for (int i = 0; i < bytes.length; i++) {
      parser.feed(bytes, i, 1);
    }
    parser.end();
    return out;
  }

  private static List<SseMessage> parse(String stream) {
    List<SseMessage> whole = parseWhole(stream);
    assertEquals(whole, parseBytewise(stream.getBytes(StandardCharsets.UTF_8)), "byte splits");
    return whole;
  }

  private static SseMessage msg(String type, String data, String id, boolean hasId) {
    return new SseMessage(type, data, id, hasId);
  }

  @Test
  void multiLineDataIsJoinedWithNewlines() {
    assertEquals(
        List.of(msg("message", "one\ntwo\n\nfour", "", false)),
        parse("data: one\ndata:two\ndata\ndata: four\n\n"));
  }

  @Test
  void everyLineEndingVariantEndsALine() {
    List<SseMessage> expected =
        List.of(msg("a", "x\ny", "1", true), msg("message", "z", "1", false));
    assertEquals(expected, parse("event: a\nid: 1\ndata: x\ndata: y\n\ndata: z\n\n"));
    assertEquals(expected, parse("event: a\r\nid: 1\r\ndata: x\r\ndata: y\r\n\r\ndata: z\r\n\r\n"));
    assertEquals(expected, parse("event: a\rid: 1\rdata: x\rdata: y\r\rdata: z\r\r"));
    assertEquals(expected, parse("event: a\r\nid: 1\rdata: x\ndata: y\r\n\rdata: z\n\r\n"));
  }

  @Test
  void aCrAtTheEndOfAPieceJoinsAnLfAtTheStartOfTheNext() {
    List<SseMessage> out = new ArrayList<>();
    SseParser parser = new SseParser(out::add);
    parser.feed("data: a\r".getBytes(StandardCharsets.UTF_8));
    parser.feed("\n\r".getBytes(StandardCharsets.UTF_8));
    parser.feed("\ndata: b\r\n\r\n".getBytes(StandardCharsets.UTF_8));
    assertEquals(List.of(msg("message", "a", "", false), msg("message", "b", "", false)), out);
  }

  @Test
  void aCrLineEndingDispatchesWithoutWaitingForTheNextPiece() {
    List<SseMessage> out = new ArrayList<>();
    SseParser parser = new SseParser(out::add);
    parser.feed("data: a\r\r".getBytes(StandardCharsets.UTF_8));
    assertEquals(List.of(msg("message", "a", "", false)), out);
  }

  @Test
  void oneLeadingBomIsDroppedAndASecondIsKept() {
    assertEquals(List.of(msg("message", "x", "", false)), parse("\uFEFFdata: x\n\n"));
    // The second BOM makes the field name "\uFEFFdata", an unknown field.
    assertEquals(List.of(), parse("\uFEFF\uFEFFdata: x\n\n"));
    assertEquals(List.of(msg("message", "\uFEFFx", "", false)), parse("data: \uFEFFx\n\n"));
  }

  @Test
  void commentsAreReportedAndIgnored() {
    List<String> comments = new ArrayList<>();
    List<SseMessage> out = new ArrayList<>();
    SseParser parser = SseParser.builder(out::add).onComment(comments::add).build();
    parser.feed(": keep-alive\ndata: a\n:\n:x: y\n\n".getBytes(StandardCharsets.UTF_8));
    assertEquals(List.of(" keep-alive", "", "x: y"), comments);
    assertEquals(List.of(msg("message", "a", "", false)), out);
  }

  @Test
  void aFieldWithoutAColonHasAnEmptyValue() {
    assertEquals(List.of(msg("message", "", "", false)), parse("data\n\n"));
    assertEquals(List.of(msg("message", "\n\n", "", false)), parse("data\ndata\ndata\n\n"));
    // "event" without a colon sets an empty type, which dispatches as "message".
    assertEquals(List.of(msg("message", "x", "", false)), parse("event: a\nevent\ndata: x\n\n"));
  }

  @Test
  void exactlyOneLeadingSpaceIsStripped() {
    assertEquals(
        List.of(msg(" t", "  two\n", "", false)),
        parse("event:  t\ndata:   two\ndata: \n\n"));
    assertEquals(List.of(msg("message", "a:b: c", "", false)), parse("data:a:b: c\n\n"));
  }

  @Test
  void anIdContainingNulIsIgnored() {
    assertEquals(
        List.of(msg("message", "a", "7", true), msg("message", "b", "7", false)),
        parse("id: 7\ndata: a\n\nid: 8\u00009\ndata: b\n\n"));
  }

  @Test
  void anEmptyIdResetsTheLastEventId() {
    assertEquals(
        List.of(msg("message", "a", "7", true), msg("message", "b", "", true)),
        parse("id: 7\ndata: a\n\nid\ndata: b\n\n"));
  }

  @Test
  void retryAcceptsAsciiDigitsOnly() {
    List<Long> retries = new ArrayList<>();
    SseParser parser = SseParser.builder(m -> {}).onRetry(retries::add).build();
    assertEquals(OptionalLong.empty(), parser.retryMillis());
    parser.feed(
        "retry: 1500\nretry: 12a\nretry: -5\nretry:\nretry: 1.5\nretry: \u0661\nretry: 200\n"
            .getBytes(StandardCharsets.UTF_8));
    assertEquals(List.of(1500L, 200L), retries);
    assertEquals(OptionalLong.of(200), parser.retryMillis());
    parser.feed("retry: 99999999999999999999999\n".getBytes(StandardCharsets.UTF_8));
    assertEquals(OptionalLong.of(Long.MAX_VALUE), parser.retryMillis());
  }

  @Test
  void anEventWithoutDataIsNotEmittedButSetsTheLastEventId() {
    List<SseMessage> out = new ArrayList<>();
    SseParser parser = new SseParser(out::add);
    parser.feed("event: ping\nid: 3\n\nevent: pong\n\ndata: x\n\n".getBytes(StandardCharsets.UTF_8));
    // The type of the data-less events is cleared, so "x" has the default type.
    assertEquals(List.of(msg("message", "x", "3", false)), out);
    assertEquals("3", parser.lastEventId());
  }

  @Test
  void endDropsAnUndispatchedEventAndAnUnterminatedLine() {
    assertEquals(List.of(msg("message", "a", "", false)), parse("data: a\n\ndata: b\n"));
    assertEquals(List.of(), parse("data: b"));
    assertEquals(List.of(), parse("data: b\n"));
  }

  @Test
  void theLastEventIdPersistsAcrossEventsAndStreams() {
    List<SseMessage> out = new ArrayList<>();
    SseParser parser = new SseParser(out::add);
    parser.feed("id: 1\ndata: a\n\ndata: b\n\n".getBytes(StandardCharsets.UTF_8));
    parser.end();
    parser.feed("\uFEFFdata: c\n\nid: 2\ndata: d\n\n".getBytes(StandardCharsets.UTF_8));
    assertEquals(
        List.of(
            msg("message", "a", "1", true),
            msg("message", "b", "1", false),
            msg("message", "c", "1", false),
            msg("message", "d", "2", true)),
        out);
  }

  @Test
  void anInitialLastEventIdIsReportedUntilTheStreamSetsAnother() {
    List<SseMessage> out = new ArrayList<>();
    SseParser parser = SseParser.builder(out::add).initialLastEventId("50").build();
    assertEquals("50", parser.lastEventId());
    parser.feed("data: a\n\nid: 51\ndata: b\n\n".getBytes(StandardCharsets.UTF_8));
    assertEquals(List.of(msg("message", "a", "50", false), msg("message", "b", "51", true)), out);
  }

  @Test
  void unknownFieldsAreIgnored() {
    assertEquals(
        List.of(msg("message", "a", "", false)),
        parse("Data: no\nDATA: no\nfoo: bar\nevents: x\ndata: a\n\n"));
  }

  @Test
  void multiByteSequencesSplitAcrossPiecesAreJoined() {
    String text = "data: h\u00e9llo \u4e16\u754c \uD83D\uDE00\n\n";
    assertEquals(List.of(msg("message", "h\u00e9llo \u4e16\u754c \uD83D\uDE00", "", false)),
        parse(text));
  }

  @Test
  void malformedUtf8BecomesReplacementCharacters() {
    byte[] bytes = {'d', 'a', 't', 'a', ':', (byte) 0xFF, 'x', (byte) 0xE4, (byte) 0xB8, '\n', '\n'};
    List<SseMessage> out = parseBytewise(bytes);
    assertEquals(List.of(msg("message", "\uFFFDx\uFFFD", "", false)), out);
  }

  @Test
  void anIncompleteSequenceAtTheEndOfTheStreamBecomesAReplacementCharacter() {
    List<String> comments = new ArrayList<>();
    SseParser parser = SseParser.builder(m -> {}).onComment(comments::add).build();
    parser.feed(new byte[] {':', 'a', (byte) 0xF0, (byte) 0x9F});
    parser.end();
    parser.feed(new byte[] {':', 'b', '\n'});
    // The dangling bytes did not leak into the next stream.
    assertEquals(List.of("b"), comments);
  }

  @Test
  void anOversizeEventIsRejectedWithAClearErrorAndFailsTheParser() {
    SseParser parser = SseParser.builder(m -> {}).maxEventChars(10).build();
    parser.feed("data: 12345\n".getBytes(StandardCharsets.UTF_8));
    SseProtocolException e =
        assertThrows(
            SseProtocolException.class,
            () -> parser.feed("data: 67890\n".getBytes(StandardCharsets.UTF_8)));
    assertTrue(e.getMessage().contains("maxEventChars (10 chars)"), e.getMessage());
    assertTrue(e.getMessage().contains("event data"), e.getMessage());
    IllegalStateException after =
        assertThrows(IllegalStateException.class, () -> parser.feed(new byte[] {'\n'}));
    assertTrue(after.getMessage().contains("failed earlier"), after.getMessage());
    assertThrows(IllegalStateException.class, parser::end);
  }

  @Test
  void anOversizeLineIsRejectedEvenWithoutALineBreak() {
    List<SseMessage> out = new ArrayList<>();
    SseParser parser = SseParser.builder(out::add).maxEventChars(1).build();
    byte[] piece = ": 0123456789".getBytes(StandardCharsets.UTF_8);
    for (int i = 0; i < 5; i++) {
      parser.feed(piece); // 60 characters: within 1 + 64
    }
    SseProtocolException e = assertThrows(SseProtocolException.class, () -> parser.feed(piece));
    assertTrue(e.getMessage().contains("line exceeds maxEventChars (1 chars"), e.getMessage());
    assertTrue(e.getMessage().contains("reached 72 chars"), e.getMessage());
    assertEquals(List.of(), out);
  }

  @Test
  void anEventAtTheLimitIsAccepted() {
    List<SseMessage> out = new ArrayList<>();
    SseParser parser = SseParser.builder(out::add).maxEventChars(11).build();
    // "12345\n67890" is exactly 11 characters.
    parser.feed("data: 12345\ndata: 67890\n\n".getBytes(StandardCharsets.UTF_8));
    assertEquals(List.of(msg("message", "12345\n67890", "", false)), out);
    assertThrows(
        SseProtocolException.class,
        () -> parser.feed("data: 12345\ndata: 678901\n\n".getBytes(StandardCharsets.UTF_8)));
  }

  @Test
  void aListenerExceptionPropagatesAndFailsTheParser() {
    SseParser parser =
        new SseParser(
            m -> {
              throw new IllegalArgumentException("listener broke");
            });
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () -> parser.feed("data: a\n\ndata: b\n\n".getBytes(StandardCharsets.UTF_8)));
    assertEquals("listener broke", e.getMessage());
    assertThrows(IllegalStateException.class, () -> parser.feed(new byte[] {'\n'}));
  }

  @Test
  void theBuilderValidatesMaxEventChars() {
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class, () -> SseParser.builder(m -> {}).maxEventChars(0).build());
    assertTrue(e.getMessage().contains("maxEventChars"), e.getMessage());
  }
}
