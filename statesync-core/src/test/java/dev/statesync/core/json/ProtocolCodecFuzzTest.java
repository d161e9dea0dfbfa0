package dev.statesync.core.json;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.statesync.core.InvalidationEvent;
import dev.statesync.core.ProtocolException;
import dev.statesync.core.SnapshotEnvelope;
import dev.statesync.fuzz.FuzzRun;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Mutated invalidation events and snapshot envelopes (issue 9): every input decodes to a value
 * that survives re-encoding, or fails with {@link ProtocolException}, the only documented error;
 * {@code peekTopic} never throws. The case count is {@code -Dstatesync.fuzz.cases} (10,000 by
 * default); see docs/reliability.md for the long run.
 */
class ProtocolCodecFuzzTest {
  private final ProtocolCodec codec = ProtocolCodec.create();
  // Decimal numbers as BigDecimal, so that no data is lost to a double (1e999999 would become
  // Infinity, which JSON cannot carry) and a re-encoded envelope must hold equal data.
  private final ProtocolCodec exact = ProtocolCodec.create(new ObjectMapper()
      .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS));

  private static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  static final List<byte[]> EVENTS = List.of(
      utf8("{\"topic\":\"settings\",\"revision\":\"42\",\"sourceId\":\"a1b2\","
          + "\"timestampMs\":1700000000000,\"epoch\":\"e7\"}"),
      utf8("{\"topic\":\"a/b.c-d\",\"revision\":\"18446744073709551615\"}"),
      utf8("{\"revision\":\"0\",\"topic\":\"t\",\"unknown\":{\"x\":[1,2,{\"y\":null}]}}"),
      utf8("{\"topic\":\"\u00e9t\u00e9\",\"revision\":\"7\",\"epoch\":\"\ud83d\ude00\"}"),
      utf8(" \n{ \"topic\" : \"s\" , \"revision\" : \"1\" , \"timestampMs\" : -1 } \n"));

  static final List<byte[]> ENVELOPES = List.of(
      utf8("{\"revision\":\"42\",\"data\":{\"theme\":\"dark\",\"size\":12},\"epoch\":\"e7\"}"),
      utf8("{\"revision\":\"1\",\"data\":null}"),
      utf8("{\"revision\":\"18446744073709551615\",\"data\":[1,2.5e3,\"x\",true,{\"a\":{}}]}"),
      utf8("{\"data\":{\"text\":\"caf\u00e9 \\u00e9 \\ud83d\\ude00 \\u0000\"},\"revision\":\"9\"}"),
      utf8("{\"revision\":\"3\",\"data\":\"plain\",\"epoch\":\"x\",\"extra\":[[[[]]]]}"));

  /** Found by the long fuzz run: Jackson's UTF-8 generator paired the surrogate with the "é". */
  @Test
  void aLoneSurrogateBeforeAnotherCharacterSurvivesTheByteForm() {
    InvalidationEvent e = codec.decodeEvent("{\"topic\":\"t\\ud800\u00e9\",\"revision\":\"7\"}");
    assertEquals("t\ud800\u00e9", e.topic());
    assertEquals(e, codec.decodeEvent(codec.encodeEventBytes(e)));
    SnapshotEnvelope<JsonNode> s = codec.decodeSnapshot("{\"revision\":\"9\","
        + "\"data\":{\"text\":\"\\ud83dd \\ude00x \\ud83d\\ude00\"}}", JsonNode.class);
    assertEquals("\ud83dd \ude00x \ud83d\ude00", s.data().path("text").asText());
    assertEquals(s, codec.decodeSnapshot(codec.encodeSnapshotBytes(s), JsonNode.class));
    assertEquals(codec.encodeSnapshot(s).replace("\ud83dd", "\\ud83dd").replace("\ude00x",
        "\\ude00x"), new String(codec.encodeSnapshotBytes(s), StandardCharsets.UTF_8));
  }

  @Test
  void mutatedEventsDecodeOrFailWithProtocolException() {
    FuzzRun.Report r = FuzzRun.<byte[]>of("json-event").documented(ProtocolException.class)
        .run(m -> m.mutate(EVENTS), input -> {
          assertNotNull(codec.peekTopic(input));
          String text = new String(input, StandardCharsets.UTF_8);
          assertNotNull(codec.peekTopic(text));
          try {
            codec.decodeEvent(text);
          } catch (ProtocolException expected) {
            // The text form may be valid where the bytes are not, and the other way round.
          }
          InvalidationEvent e = codec.decodeEvent(input);
          assertEquals(e, codec.decodeEvent(codec.encodeEventBytes(e)), "re-encoding is stable");
          return "valid";
        });
    assertTrue(r.count("valid") > 0 && r.countPrefix("rejected") > r.cases() / 2, r.toString());
  }

  @Test
  void mutatedEnvelopesDecodeOrFailWithProtocolException() {
    FuzzRun.Report r = FuzzRun.<byte[]>of("json-envelope").documented(ProtocolException.class)
        .run(m -> m.mutate(ENVELOPES), input -> {
          try {
            codec.decodeSnapshot(new String(input, StandardCharsets.UTF_8), Object.class);
          } catch (ProtocolException expected) {
            // Checked for the exception type only; the byte form is checked below.
          }
          SnapshotEnvelope<JsonNode> e = exact.decodeSnapshot(input, JsonNode.class);
          assertEquals(e, exact.decodeSnapshot(exact.encodeSnapshotBytes(e), JsonNode.class),
              "re-encoding is stable");
          return "valid";
        });
    assertTrue(r.count("valid") > 0 && r.countPrefix("rejected") > r.cases() / 2, r.toString());
  }
}
