package dev.statesync.relay.sse;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/** AC-RELAY-24 [P]: generated streams parse to the modelled messages, under any split. */
class SseParserProperties {

  /** One event as the generator writes it; the model of what the parser must emit. */
  record Event(
      Optional<String> type,
      List<String> dataLines,
      Optional<String> id,
      List<String> comments,
      boolean idWithNul) {}

  @Provide
  Arbitrary<String> values() {
    // Anything but CR and LF, with emoji, CJK, combining marks, colons, spaces and NUL.
    return Arbitraries.oneOf(
            Arbitraries.strings().withCharRange(' ', '~'),
            Arbitraries.strings().withChars("é中文\u0301 :\u0000\uFEFF"),
            Arbitraries.of("\uD83D\uDE00", "\uD83C\uDDEB\uD83C\uDDF7", "", " ", "  lead"))
        .list()
        .ofMaxSize(4)
        .map(parts -> String.join("", parts));
  }

  @Provide
  Arbitrary<List<Event>> streams() {
    Arbitrary<String> value = values();
    Arbitrary<String> noNul = value.map(v -> v.replace("\u0000", ""));
    Arbitrary<Event> event =
        Combinators.combine(
                noNul.filter(t -> !t.isEmpty()).optional(0.5),
                value.list().ofMaxSize(4),
                noNul.optional(0.5),
                noNul.list().ofMaxSize(2),
                Arbitraries.of(true, false, false, false))
            .as(Event::new);
    return event.list().ofMaxSize(12);
  }

  private static final String[] TERMINATORS = {"\n", "\r", "\r\n"};

  /** Serializes with a line terminator chosen per line, and comments and junk fields between. */
  private static byte[] write(List<Event> events, boolean bom, long seed) {
    Random random = new Random(seed);
    StringBuilder out = new StringBuilder(bom ? "\uFEFF" : "");
    for (Event e : events) {
      List<String> lines = new ArrayList<>();
      e.comments().forEach(c -> lines.add(":" + c));
      e.type().ifPresent(t -> lines.add("event: " + t));
      if (e.idWithNul()) {
        lines.add("id: bad\u0000id");
      }
      e.id().ifPresent(id -> lines.add("id: " + id));
      lines.add("unknown: field");
      e.dataLines().forEach(d -> lines.add("data: " + d));
      lines.add("");
      for (String line : lines) {
        String terminator = TERMINATORS[random.nextInt(TERMINATORS.length)];
        // A CR then an empty line ended by LF would be one CRLF: the writer must not do that.
        if (line.isEmpty() && terminator.equals("\n") && out.length() > 0
            && out.charAt(out.length() - 1) == '\r') {
          terminator = "\r\n";
        }
        out.append(line).append(terminator);
      }
    }
    return out.toString().getBytes(StandardCharsets.UTF_8);
  }

  private static List<SseMessage> model(List<Event> events) {
    List<SseMessage> out = new ArrayList<>();
    String lastId = "";
    for (Event e : events) {
      if (e.id().isPresent()) {
        lastId = e.id().get();
      }
      if (!e.dataLines().isEmpty()) {
        out.add(
            new SseMessage(
                e.type().orElse("message"),
                String.join("\n", e.dataLines()),
                lastId,
                e.id().isPresent()));
      }
    }
    return out;
  }

  private static List<SseMessage> parse(byte[] bytes, List<Integer> cuts) {
    List<SseMessage> out = new ArrayList<>();
    SseParser parser = new SseParser(out::add);
    int from = 0;
    for (int cut : cuts.stream().map(c -> Math.floorMod(c, bytes.length + 1)).sorted().toList()) {
      parser.feed(bytes, from, cut - from);
      from = cut;
    }
    parser.feed(bytes, from, bytes.length - from);
    parser.end();
    return out;
  }

  @Property
  void generatedStreamsParseToTheModelUnderAnySplit(
      @ForAll("streams") List<Event> events,
      @ForAll boolean bom,
      @ForAll long seed,
      @ForAll List<Integer> cuts) {
    byte[] bytes = write(events, bom, seed);
    assertEquals(model(events), parse(bytes, cuts));
  }

  @Property
  void anySplitOfArbitraryBytesYieldsTheSameMessages(
      @ForAll("noisyStreams") byte[] bytes, @ForAll List<Integer> cuts) {
    assertEquals(parse(bytes, List.of()), parse(bytes, cuts));
  }

  @Provide
  Arbitrary<byte[]> noisyStreams() {
    // Mostly SSE syntax, with raw bytes that include broken UTF-8 sequences.
    Arbitrary<byte[]> tokens =
        Arbitraries.oneOf(
            Arbitraries.of(
                    "data", "data:", "data: ", "id:", "id: 1", "event:x", "retry: 10", ":", "\n",
                    "\r", "\r\n", "\n\n", "\uFEFF", "\uD83D\uDE00", "é")
                .map(s -> s.getBytes(StandardCharsets.UTF_8)),
            Arbitraries.bytes().array(byte[].class).ofMaxSize(3));
    return tokens
        .list()
        .ofMaxSize(40)
        .map(
            list -> {
              ByteArrayOutputStream out = new ByteArrayOutputStream();
              list.forEach(out::writeBytes);
              return out.toByteArray();
            });
  }
}
