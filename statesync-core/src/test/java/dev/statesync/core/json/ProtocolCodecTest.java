package dev.statesync.core.json;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.statesync.core.Epoch;
import dev.statesync.core.InvalidationEvent;
import dev.statesync.core.ProtocolException;
import dev.statesync.core.Revision;
import dev.statesync.core.SnapshotEnvelope;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ProtocolCodecTest {
  private static final String FULL_EVENT =
      "{\"topic\":\"settings\",\"revision\":\"42\",\"sourceId\":\"main\","
          + "\"timestampMs\":1700000000000,\"epoch\":\"e1\"}";

  private final ProtocolCodec codec = ProtocolCodec.create();

  /** A data type for binding tests. */
  public static final class Item {
    public String name;
    public int count;

    public Item() {}

    Item(String name, int count) {
      this.name = name;
      this.count = count;
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof Item && Objects.equals(((Item) o).name, name)
          && ((Item) o).count == count;
    }

    @Override
    public int hashCode() {
      return Objects.hash(name, count);
    }
  }

  // --- events: decoding ------------------------------------------------------------------------

  @Test
  void fullEventDecodesWithAllFields() {
    InvalidationEvent e = codec.decodeEvent(FULL_EVENT);
    assertEquals("settings", e.topic());
    assertEquals(Revision.of(42), e.revision());
    assertEquals(Optional.of("main"), e.sourceId());
    assertEquals(OptionalLong.of(1700000000000L), e.timestampMs());
    assertEquals(Optional.of(Epoch.of("e1")), e.epoch());
  }

  @Test
  void unknownMembersAreIgnored() {
    String json = FULL_EVENT.replace("{", "{\"x\":1,\"nested\":{\"topic\":5},");
    assertEquals(codec.decodeEvent(FULL_EVENT), codec.decodeEvent(json));
  }

  @Test
  void stringBytesAndTreeInputsDecodeAlike() throws Exception {
    InvalidationEvent fromString = codec.decodeEvent(FULL_EVENT);
    assertEquals(fromString, codec.decodeEvent(FULL_EVENT.getBytes(StandardCharsets.UTF_8)));
    assertEquals(fromString, codec.decodeEvent(new ObjectMapper().readTree(FULL_EVENT)));
  }

  @ParameterizedTest
  @ValueSource(
      strings = {"\"sourceId\":5", "\"timestampMs\":\"x\"", "\"epoch\":7", "\"epoch\":\"\"",
          "\"sourceId\":null", "\"timestampMs\":null", "\"timestampMs\":true",
          "\"timestampMs\":9223372036854775808", "\"timestampMs\":-9223372036854775809",
          "\"timestampMs\":1e19", "\"timestampMs\":1e999999999", "\"epoch\":{\"a\":1}"})
  void invalidOptionalMemberIsDroppedAndEventStillDecodes(String member) {
    InvalidationEvent e =
        codec.decodeEvent("{\"topic\":\"settings\",\"revision\":\"3\"," + member + "}");
    assertEquals(InvalidationEvent.of("settings", Revision.of(3)), e);
  }

  @Test
  void overlongEpochIsDropped() {
    String json = "{\"topic\":\"t\",\"revision\":\"1\",\"epoch\":\"" + "e".repeat(257) + "\"}";
    assertEquals(Optional.empty(), codec.decodeEvent(json).epoch());
  }

  @Test
  void fractionalTimestampTruncatesTowardZero() {
    assertEquals(OptionalLong.of(1700000000000L), timestampOf("1700000000000.9"));
    assertEquals(OptionalLong.of(-12L), timestampOf("-12.99"));
    assertEquals(OptionalLong.of(0L), timestampOf("1e-999999999"));
    assertEquals(OptionalLong.of(1500L), timestampOf("1.5e3"));
    assertEquals(OptionalLong.of(Long.MAX_VALUE), timestampOf("9223372036854775807.5"));
    assertEquals(OptionalLong.of(Long.MIN_VALUE), timestampOf("-9223372036854775808"));
  }

  private OptionalLong timestampOf(String number) {
    return codec.decodeEvent("{\"topic\":\"t\",\"revision\":\"1\",\"timestampMs\":" + number + "}")
        .timestampMs();
  }

  @Test
  void numericRevisionIsRejectedWithItsRawText() {
    ProtocolException e = decodeEventFails("{\"topic\":\"t\",\"revision\":42}");
    assertEquals(Optional.of("revision"), e.field());
    assertEquals(Optional.of("42"), e.rawRevision());
    assertTrue(e.getMessage().contains("revision"), e.getMessage());
  }

  @Test
  void nonCanonicalRevisionIsRejectedWithItsRawText() {
    ProtocolException e = decodeEventFails("{\"topic\":\"t\",\"revision\":\"01\"}");
    assertEquals(Optional.of("revision"), e.field());
    assertEquals(Optional.of("01"), e.rawRevision());
    assertTrue(e.getMessage().contains("\"01\""), e.getMessage());
  }

  @Test
  void missingOrNonStringTopicIsRejectedNamingTopic() {
    assertEquals(Optional.of("topic"), decodeEventFails("{\"revision\":\"1\"}").field());
    ProtocolException numeric = decodeEventFails("{\"topic\":123,\"revision\":\"1\"}");
    assertEquals(Optional.of("topic"), numeric.field());
    assertEquals(Optional.of("1"), numeric.rawRevision());
    assertEquals(
        Optional.of("topic"), decodeEventFails("{\"topic\":\" a\",\"revision\":\"1\"}").field());
  }

  @Test
  void missingOrNullRevisionIsRejectedNamingRevision() {
    assertEquals(Optional.of("revision"), decodeEventFails("{\"topic\":\"t\"}").field());
    ProtocolException e = decodeEventFails("{\"topic\":\"t\",\"revision\":null}");
    assertEquals(Optional.of("revision"), e.field());
    assertEquals(Optional.empty(), e.rawRevision());
  }

  @ParameterizedTest
  @ValueSource(
      strings = {"[]", "\"s\"", "{", "", "  ", "null", "42",
          "{\"topic\":\"t\",\"revision\":\"1\"}x",
          "{\"topic\":\"t\",\"revision\":\"1\"} {}", "{\"topic\":\"t\",\"revision\":\"1\"}]",
          "{\"topic\":\"t\",\"revision\":\"1\",\"revision\":\"2\"}",
          "{\"topic\":\"t\",\"revision\":\"1\",\"x\":{\"a\":1,\"a\":2}}",
          "{\"topic\":\"t\",\"revision\":\"1\",}", "{'topic':'t','revision':'1'}",
          "{\"topic\":\"t\",\"revision\":\"1\"/*c*/}", "{\"topic\":\"t\",\"revision\":\"1\",NaN}"})
  void notExactlyOneWellFormedObjectIsRejected(String json) {
    ProtocolException e = decodeEventFails(json);
    assertEquals(Optional.of(json), e.rawInput());
    assertThrows(ProtocolException.class,
        () -> codec.decodeEvent(json.getBytes(StandardCharsets.UTF_8)));
  }

  @Test
  void duplicateRevisionIsReportedAsMalformed() {
    ProtocolException e =
        decodeEventFails("{\"topic\":\"t\",\"revision\":\"1\",\"revision\":\"2\"}");
    assertTrue(e.getMessage().contains("Duplicate"), e.getMessage());
  }

  @Test
  void rawInputKeepsTheFirst1024Characters() {
    String json = "[" + "1,".repeat(2000) + "1]";
    ProtocolException e = decodeEventFails(json);
    assertEquals(Optional.of(json.substring(0, 1024)), e.rawInput());
  }

  @Test
  void invalidUtf8IsRejected() {
    byte[] valid = "{\"topic\":\"t\",\"revision\":\"1\",\"sourceId\":\"XX\"}"
        .getBytes(StandardCharsets.UTF_8);
    int at = new String(valid, StandardCharsets.UTF_8).indexOf("XX");
    byte[][] corruptions = {
        {(byte) 0xFF, (byte) 0xFE}, // never valid in UTF-8
        {(byte) 0xC0, (byte) 0xAF}, // overlong encoding of '/'
        {(byte) 0xED, (byte) 0xA0}, // start of an encoded surrogate
        {(byte) 0xE2, (byte) 0x82}, // truncated three-byte sequence
    };
    for (byte[] corruption : corruptions) {
      byte[] input = valid.clone();
      input[at] = corruption[0];
      input[at + 1] = corruption[1];
      ProtocolException e =
          assertThrows(ProtocolException.class, () -> codec.decodeEvent(input));
      assertTrue(e.getMessage().contains("UTF-8"), e.getMessage());
      assertTrue(e.rawInput().isPresent());
    }
  }

  @Test
  void utf16InputIsRejectedEvenThoughJacksonCouldDetectIt() {
    byte[] utf16 = "{\"topic\":\"t\",\"revision\":\"1\"}".getBytes(StandardCharsets.UTF_16BE);
    assertThrows(ProtocolException.class, () -> codec.decodeEvent(utf16));
  }

  @Test
  void absurdlyDeepNestingIsRejectedAsProtocolError() {
    String deep = "[".repeat(100_000) + "]".repeat(100_000);
    String json = "{\"topic\":\"t\",\"revision\":\"1\",\"x\":" + deep + "}";
    ProtocolException e = decodeEventFails(json);
    assertTrue(e.getMessage().toLowerCase().contains("nesting"), e.getMessage());
    assertThrows(ProtocolException.class,
        () -> codec.decodeSnapshot("{\"revision\":\"1\",\"data\":" + deep + "}", Object.class));
  }

  @Test
  void treeInputThatIsNotAnObjectIsRejected() {
    JsonNodeFactory nodes = JsonNodeFactory.instance;
    assertThrows(ProtocolException.class, () -> codec.decodeEvent(nodes.arrayNode()));
    assertThrows(ProtocolException.class, () -> codec.decodeEvent(nodes.textNode("s")));
    assertThrows(ProtocolException.class, () -> codec.decodeEvent(nodes.missingNode()));
    ObjectNode nanTimestamp = nodes.objectNode().put("topic", "t").put("revision", "1")
        .put("timestampMs", Double.NaN);
    assertEquals(OptionalLong.empty(), codec.decodeEvent(nanTimestamp).timestampMs());
  }

  @Test
  void nullArgumentsThrowNullPointerExceptionNamingTheParameter() {
    NullPointerException e =
        assertThrows(NullPointerException.class, () -> codec.decodeEvent((String) null));
    assertEquals("json", e.getMessage());
    assertThrows(NullPointerException.class, () -> codec.decodeSnapshot("{}", (Class<?>) null));
    assertThrows(NullPointerException.class, () -> codec.encodeEvent(null));
    assertThrows(NullPointerException.class, () -> ProtocolCodec.create(null));
  }

  // --- events: encoding ------------------------------------------------------------------------

  @Test
  void encoderWritesMembersInProtocolOrderWithRevisionAsString() {
    InvalidationEvent e = InvalidationEvent.of("settings", Revision.of(42)).withSourceId("main")
        .withTimestampMs(1700000000000L).withEpoch(Epoch.of("b7"));
    String expected = "{\"topic\":\"settings\",\"revision\":\"42\",\"sourceId\":\"main\","
        + "\"timestampMs\":1700000000000,\"epoch\":\"b7\"}";
    assertEquals(expected, codec.encodeEvent(e));
    assertArrayEquals(expected.getBytes(StandardCharsets.UTF_8), codec.encodeEventBytes(e));
  }

  @Test
  void encoderOmitsAbsentOptionals() {
    InvalidationEvent e = InvalidationEvent.of("t", Revision.of(7));
    assertEquals("{\"topic\":\"t\",\"revision\":\"7\"}", codec.encodeEvent(e));
    assertEquals("{\"topic\":\"t\",\"revision\":\"7\",\"epoch\":\"x\"}",
        codec.encodeEvent(e.withEpoch(Epoch.of("x"))));
  }

  @Test
  void encodedBytesAreUtf8WithoutByteOrderMark() {
    InvalidationEvent e = InvalidationEvent.of("réglages \uD83D\uDE00", Revision.MAX);
    byte[] bytes = codec.encodeEventBytes(e);
    assertEquals('{', bytes[0]);
    assertEquals(codec.encodeEvent(e), new String(bytes, StandardCharsets.UTF_8));
    assertEquals(e, codec.decodeEvent(bytes));
    assertTrue(codec.encodeEvent(e).contains("\"18446744073709551615\""));
  }

  // --- snapshots -------------------------------------------------------------------------------

  @Test
  void snapshotDecodesWithClass() {
    SnapshotEnvelope<Item> s = codec.decodeSnapshot(
        "{\"revision\":\"5\",\"data\":{\"name\":\"a\",\"count\":2},\"epoch\":\"e\"}", Item.class);
    assertEquals(SnapshotEnvelope.of(Revision.of(5), new Item("a", 2), Epoch.of("e")), s);
  }

  @Test
  void snapshotDecodesWithTypeReferenceAndJavaType() {
    String json = "{\"data\":[{\"name\":\"a\",\"count\":1},{\"name\":\"b\",\"count\":2}],"
        + "\"revision\":\"9\"}";
    List<Item> expected = List.of(new Item("a", 1), new Item("b", 2));
    assertEquals(expected, codec.decodeSnapshot(json, new TypeReference<List<Item>>() {}).data());
    ObjectMapper mapper = new ObjectMapper();
    assertEquals(expected, codec.decodeSnapshot(json.getBytes(StandardCharsets.UTF_8),
        mapper.getTypeFactory().constructCollectionType(List.class, Item.class)).data());
  }

  @Test
  void snapshotFromTreeDecodesLikeText() throws Exception {
    String json = "{\"revision\":\"5\",\"data\":{\"name\":\"a\",\"count\":2}}";
    JsonNode tree = new ObjectMapper().readTree(json);
    assertEquals(codec.decodeSnapshot(json, Item.class), codec.decodeSnapshot(tree, Item.class));
  }

  @Test
  void missingDataIsRejectedAndNullDataGivesNull() {
    ProtocolException e = assertThrows(ProtocolException.class,
        () -> codec.decodeSnapshot("{\"revision\":\"5\"}", Item.class));
    assertEquals(Optional.of("data"), e.field());
    assertNull(codec.decodeSnapshot("{\"revision\":\"5\",\"data\":null}", Item.class).data());
    assertNull(codec.decodeSnapshot("{\"revision\":\"5\",\"data\":null}", int.class).data());
  }

  @Test
  void snapshotRevisionIsValidatedBeforeData() {
    ProtocolException e = assertThrows(ProtocolException.class,
        () -> codec.decodeSnapshot("{\"revision\":7,\"data\":\"not an item\"}", Item.class));
    assertEquals(Optional.of("revision"), e.field());
    assertEquals(Optional.of("7"), e.rawRevision());
  }

  @Test
  void dataThatDoesNotBindIsRejectedNamingData() {
    ProtocolException e = assertThrows(ProtocolException.class, () -> codec.decodeSnapshot(
        "{\"revision\":\"5\",\"data\":{\"name\":\"a\",\"count\":\"many\"}}", Item.class));
    assertEquals(Optional.of("data"), e.field());
    assertEquals(Optional.of("5"), e.rawRevision());
    assertThrows(ProtocolException.class, () -> codec.decodeSnapshot(
        "{\"revision\":\"5\",\"data\":{\"unknown\":1}}", Item.class));
  }

  @Test
  void dataMapperIsCopiedAndNeverMutated() {
    ObjectMapper mapper = new ObjectMapper()
        .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);
    ProtocolCodec lenient = ProtocolCodec.create(mapper);
    mapper.enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);
    String json = "{\"revision\":\"5\",\"data\":{\"name\":\"a\",\"count\":1,\"unknown\":1}}";
    assertEquals(new Item("a", 1), lenient.decodeSnapshot(json, Item.class).data());
    assertTrue(mapper.isEnabled(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES));
  }

  @Test
  void indentingDataMapperDoesNotIndentTheEnvelope() {
    ProtocolCodec indenting =
        ProtocolCodec.create(new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT));
    String json = indenting.encodeSnapshot(SnapshotEnvelope.of(Revision.of(1), Map.of("a", 1)));
    assertEquals("{\"revision\":\"1\",\"data\":{\"a\":1}}", json);
  }

  @Test
  void snapshotEncoderWritesProtocolOrderAndOmitsAbsentEpoch() {
    assertEquals("{\"revision\":\"7\",\"data\":{\"name\":\"a\",\"count\":2},\"epoch\":\"e\"}",
        codec.encodeSnapshot(SnapshotEnvelope.of(Revision.of(7), new Item("a", 2), Epoch.of("e"))));
    assertEquals("{\"revision\":\"7\",\"data\":null}",
        codec.encodeSnapshot(SnapshotEnvelope.of(Revision.of(7), null)));
    assertArrayEquals("{\"revision\":\"7\",\"data\":[1,2]}".getBytes(StandardCharsets.UTF_8),
        codec.encodeSnapshotBytes(SnapshotEnvelope.of(Revision.of(7), List.of(1, 2))));
  }

  @Test
  void unserializableDataFailsWithProtocolExceptionNamingData() {
    Object notABean = new Object();
    ProtocolException e = assertThrows(ProtocolException.class,
        () -> codec.encodeSnapshot(SnapshotEnvelope.of(Revision.of(1), notABean)));
    assertEquals(Optional.of("data"), e.field());
  }

  // --- peekTopic -------------------------------------------------------------------------------

  @Test
  void peekTopicReadsOnlyTheTopic() {
    assertEquals(Optional.of("other"),
        codec.peekTopic("{\"x\":[1,{\"topic\":\"no\"}],\"topic\":\"other\",\"revision\":01"));
    assertEquals(Optional.of("other"),
        codec.peekTopic("{\"topic\":\"other\",\"revision\":42}"
            .getBytes(StandardCharsets.UTF_8)));
  }

  @ParameterizedTest
  @ValueSource(
      strings = {"", "[]", "\"topic\"", "{\"topic\":5}", "{\"topic\":\" a\"}",
          "{\"revision\":\"1\"}",
          "{\"x\":1", "{\"topic\":", "{{"})
  void peekTopicIsEmptyWithoutAValidStringTopic(String json) {
    assertEquals(Optional.empty(), codec.peekTopic(json));
    assertEquals(Optional.empty(), codec.peekTopic(json.getBytes(StandardCharsets.UTF_8)));
  }

  @Test
  void peekTopicIsEmptyForBytesThatAreNotUtf8() {
    assertEquals(Optional.empty(),
        codec.peekTopic("{\"topic\":\"t\"}".getBytes(StandardCharsets.UTF_16)));
    assertEquals(Optional.empty(),
        codec.peekTopic(new byte[] {'{', '"', 't', 'o', 'p', 'i', 'c', '"', ':', '"', (byte) 0xFF,
            '"', '}'}));
  }

  private ProtocolException decodeEventFails(String json) {
    ProtocolException e = assertThrows(ProtocolException.class, () -> codec.decodeEvent(json));
    assertFalse(e.getMessage().isEmpty());
    return e;
  }
}
