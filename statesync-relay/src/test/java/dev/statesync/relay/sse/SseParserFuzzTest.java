package dev.statesync.relay.sse;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.statesync.core.ProtocolException;
import dev.statesync.core.json.ProtocolCodec;
import dev.statesync.fuzz.FuzzRun;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * Mutated {@code text/event-stream} bodies (issue 9), fed once whole and once in random pieces to
 * parsers limited to 16 Ki characters per event. Each input must end in the same messages either
 * way, or in {@link SseProtocolException} (the only documented error) either way, with no other
 * exception and bounded allocation; every message's data then goes through the engine's event
 * decoder, which must give an event or a {@link ProtocolException}.
 */
class SseParserFuzzTest {
  static final int MAX_EVENT_CHARS = 16 * 1024;
  private final ProtocolCodec codec = ProtocolCodec.create();

  static final List<byte[]> CORPUS = List.of(
      utf8("event: invalidate\nid: 1\ndata: {\"topic\":\"settings\",\"revision\":\"42\"}\n\n"),
      utf8(": keep-alive\r\n\r\ndata: {\"topic\":\"s\",\"revision\":\"1\",\"epoch\":\"e\"}\r\n"
          + "retry: 2500\r\n\r\n"),
      utf8("\uFEFFdata: line one\rdata: line two\r\rid\rdata\r\r"),
      utf8("id: 7\u0000x\nevent:x\ndata:{\"topic\":\"caf\u00e9\",\"revision\":\"3\"}\n\n"
          + "data: tail without blank line"),
      utf8("retry: 99999999999999999999999\nfield without colon\ndata: \ud83d\ude00\n\n"));

  static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  /** The messages of one parse, and whether it failed with the documented exception. */
  record Parse(List<SseMessage> messages, String failure) {}

  static Parse parse(byte[] input, SplittableRandom pieces) {
    List<SseMessage> out = new ArrayList<>();
    SseParser p = SseParser.builder(out::add).maxEventChars(MAX_EVENT_CHARS).onComment(c -> { })
        .build();
    try {
      int at = 0;
      while (at < input.length) {
        int n = pieces == null ? input.length : Math.min(input.length - at,
            1 + pieces.nextInt(pieces.nextInt(4) == 0 ? 4 : 200));
        p.feed(input, at, n);
        at += n;
      }
      p.end();
      return new Parse(out, null);
    } catch (SseProtocolException e) {
      return new Parse(out, "SseProtocolException");
    }
  }

  @Test
  void mutatedEventStreamsParseTheSameInAnyPiecesOrFailWithSseProtocolException() {
    FuzzRun.Report r = FuzzRun.<byte[]>of("sse-parser").documented(SseProtocolException.class)
        // Both parses may buffer a whole event of 16 Ki chars, as UTF-16, plus the input.
        .allocationLimit(len -> 16L * 1024 * 1024 + 64 * len)
        .run(m -> m.mutate(CORPUS), input -> {
          Parse whole = parse(input, null);
          Parse split = parse(input, new SplittableRandom(input.length));
          assertEquals(whole, split, "the split parse differs from the whole one");
          int events = 0;
          for (SseMessage msg : whole.messages()) {
            try {
              codec.decodeEvent(msg.data());
              events++;
            } catch (ProtocolException notAnEvent) {
              // Data that is not an event is rejected as such by the engine.
            }
          }
          if (whole.failure() != null) {
            throw new SseProtocolException("both parses failed at the limit");
          }
          return whole.messages().isEmpty() ? "no message" : events > 0
              ? "messages, some valid events" : "messages, no valid event";
        });
    assertTrue(r.count("messages, some valid events") > 0 && r.count("no message") > 0,
        r.toString());
  }
}
