package dev.statesync.persistence;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.statesync.core.Epoch;
import dev.statesync.core.Revision;
import dev.statesync.persistence.CorruptRecordException.Reason;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;

class RecordFormatTest {
  private static final byte[] PAYLOAD =
      "{\"theme\":\"dark\",\"text\":\"Привет 你好 👍🏽\"}".getBytes(StandardCharsets.UTF_8);

  private static RecordHeader fullHeader(Compression c) {
    return new RecordHeader("settings", "settings", Revision.of(42), Optional.of(Epoch.of("e7")),
        2, 1_700_000_000_000L, OptionalLong.of(5000), "json", c.name(), PAYLOAD.length,
        Optional.of("w1"));
  }

  private static int headerLength(byte[] record) {
    return ByteBuffer.wrap(record, 12, 4).getInt();
  }

  @Test
  void encodeThenDecodeRoundTripsEveryCompression() {
    for (Compression c : List.of(Compression.NONE, Compression.GZIP, Compression.DEFLATE,
        Compression.deflate(9))) {
      byte[] record = RecordFormat.encode(fullHeader(c), PAYLOAD, c);
      DecodedRecord d = RecordFormat.decode(record, "settings", Limits.defaults());
      assertEquals(fullHeader(c), d.header());
      assertArrayEquals(PAYLOAD, d.payload());
      long p = ByteBuffer.wrap(record, 16 + headerLength(record), 8).getLong();
      assertEquals(56 + headerLength(record) + p, record.length);
    }
  }

  @Test
  void layoutHasMagicVersionFlagsAndTrailingSha256() throws Exception {
    byte[] record = RecordFormat.encode(fullHeader(Compression.NONE), PAYLOAD, Compression.NONE);
    assertArrayEquals(new byte[] {(byte) 0x89, 0x53, 0x53, 0x52, 0x45, 0x43, 0x0D, 0x0A},
        Arrays.copyOf(record, 8));
    assertEquals(1, ByteBuffer.wrap(record).getShort(8));
    assertEquals(0, ByteBuffer.wrap(record).getShort(10));
    byte[] sha = MessageDigest.getInstance("SHA-256").digest(
        Arrays.copyOf(record, record.length - 32));
    assertArrayEquals(sha, Arrays.copyOfRange(record, record.length - 32, record.length));
  }

  @Test
  void flippedByteInPayloadOrHeaderIsDigestMismatch() {
    byte[] record = RecordFormat.encode(fullHeader(Compression.NONE), PAYLOAD, Compression.NONE);
    int h = headerLength(record);
    byte[] payloadFlip = record.clone();
    payloadFlip[24 + h + 3] ^= 0x01;
    assertReason(Reason.DIGEST_MISMATCH, payloadFlip);
    byte[] headerFlip = record.clone();
    // Inside the revision digits: without the digest this would read a wrong revision.
    int at = new String(record, 16, h, StandardCharsets.UTF_8).indexOf("\"42\"") + 16 + 1;
    headerFlip[at] = '9';
    assertReason(Reason.DIGEST_MISMATCH, headerFlip);
  }

  @Test
  void truncationsAreTruncatedAndAnExtraByteIsTrailingData() {
    byte[] record = RecordFormat.encode(fullHeader(Compression.NONE), PAYLOAD, Compression.NONE);
    int h = headerLength(record);
    for (int len : new int[] {0, 10, 55, 56 + h, record.length - 1}) {
      assertReason(Reason.TRUNCATED, Arrays.copyOf(record, len));
    }
    assertReason(Reason.TRAILING_DATA, Arrays.copyOf(record, record.length + 1));
  }

  @Test
  void futureFormatVersionIsUnsupportedAndMonotonicWriteRefusesIt() {
    byte[] header = "{}".getBytes(StandardCharsets.UTF_8);
    byte[] v2 = RecordFormat.assemble(2, header, new byte[0]);
    assertThrows(UnsupportedRecordException.class,
        () -> RecordFormat.decode(v2, "settings", Limits.defaults()));
    WriteResult r = RecordFormat.decideWrite(Optional.of(v2),
        Records.header("settings", 1, null, 1));
    assertEquals(WriteStatus.REFUSED_UNSUPPORTED, r.status());
    assertReason(Reason.BAD_MAGIC, RecordFormat.assemble(0, header, new byte[0]));
  }

  private static String validHeaderJson() {
    return "{\"key\":\"settings\",\"topic\":\"settings\",\"revision\":\"3\",\"schemaVersion\":1,"
        + "\"savedAt\":5,\"codec\":\"json\",\"compression\":\"none\",\"payloadBytes\":0}";
  }

  private static byte[] withHeader(String json) {
    return RecordFormat.assemble(1, json.getBytes(StandardCharsets.UTF_8), new byte[0]);
  }

  @Test
  void missingNonCanonicalOrDuplicateMembersAreBadHeader() {
    RecordFormat.decode(withHeader(validHeaderJson()), "settings", Limits.defaults());
    assertReason(Reason.BAD_HEADER, withHeader(validHeaderJson().replace("\"revision\":\"3\",",
        "")));
    assertReason(Reason.BAD_HEADER, withHeader(validHeaderJson().replace("\"3\"", "\"01\"")));
    assertReason(Reason.BAD_HEADER, withHeader(validHeaderJson().replace("\"savedAt\":5",
        "\"savedAt\":5,\"savedAt\":6")));
    assertReason(Reason.BAD_HEADER, withHeader("[1,2]"));
  }

  @Test
  void unknownMemberIsIgnoredAndUnknownCompressionIsUnsupported() {
    DecodedRecord d = RecordFormat.decode(withHeader(validHeaderJson().replace("{", "{\"x\":1,")),
        "settings", Limits.defaults());
    assertEquals(Revision.of(3), d.header().revision());
    assertThrows(UnsupportedRecordException.class, () -> RecordFormat.decode(
        withHeader(validHeaderJson().replace("\"none\"", "\"zstd\"")), "settings",
        Limits.defaults()));
  }

  @Test
  void decodingUnderAnotherKeyIsKeyMismatch() {
    byte[] record = RecordFormat.encode(fullHeader(Compression.NONE), PAYLOAD, Compression.NONE);
    CorruptRecordException e = assertThrows(CorruptRecordException.class,
        () -> RecordFormat.decode(record, "other", Limits.defaults()));
    assertEquals(Reason.KEY_MISMATCH, e.reason());
  }

  @Test
  void decompressionBombIsTooLargeAndSizeMismatchIsDetected() {
    byte[] big = new byte[1 << 20];
    byte[] record = RecordFormat.encode(fullHeader(Compression.GZIP), big, Compression.GZIP);
    CorruptRecordException e = assertThrows(CorruptRecordException.class,
        () -> RecordFormat.decode(record, "settings", new Limits(1 << 20, 4096)));
    assertEquals(Reason.TOO_LARGE, e.reason());
    String json = validHeaderJson().replace("\"payloadBytes\":0", "\"payloadBytes\":7");
    assertReason(Reason.PAYLOAD_SIZE_MISMATCH, RecordFormat.assemble(1,
        json.getBytes(StandardCharsets.UTF_8), new byte[] {1, 2}));
  }

  @Test
  void compressionReallyShrinksRepetitivePayloadsAndNamesTheAlgorithm() {
    StringBuilder sb = new StringBuilder("[");
    while (sb.length() < 100_000) {
      sb.append("{\"name\":\"setting\",\"value\":\"on\"},");
    }
    byte[] json = (sb.append("1]")).toString().getBytes(StandardCharsets.UTF_8);
    for (Compression c : List.of(Compression.GZIP, Compression.DEFLATE)) {
      byte[] record = RecordFormat.encode(fullHeader(c), json, c);
      RecordHeader h = RecordFormat.readHeader(record, "settings");
      long stored = ByteBuffer.wrap(record, 16 + headerLength(record), 8).getLong();
      assertEquals(c.name(), h.compression());
      assertEquals(json.length, h.payloadBytes());
      org.junit.jupiter.api.Assertions.assertTrue(stored < h.payloadBytes() / 10,
          c + " stored " + stored);
    }
  }

  @Test
  void decideWriteFollowsEveryRow() {
    RecordHeader in = Records.header("k", 5, "A", 1);
    assertEquals(WriteStatus.WRITTEN, RecordFormat.decideWrite(Optional.empty(), in).status());
    assertEquals(WriteStatus.REPLACED_CORRUPT,
        RecordFormat.decideWrite(Optional.of(new byte[] {1, 2, 3}), in).status());
    assertEquals(WriteStatus.WRITTEN, RecordFormat.decideWrite(
        Optional.of(Records.record("k", 9, "B", 1)), in).status());
    assertEquals(WriteStatus.WRITTEN, RecordFormat.decideWrite(
        Optional.of(Records.record("k", 9, null, 1)), in).status());
    assertEquals(WriteStatus.WRITTEN, RecordFormat.decideWrite(
        Optional.of(Records.record("k", 4, "A", 1)), in).status());
    assertEquals(WriteStatus.WRITTEN, RecordFormat.decideWrite(
        Optional.of(Records.record("k", 5, "A", 1)), Records.header("k", 5, "A", 2)).status());
    assertEquals(WriteStatus.SKIPPED_NOT_NEWER, RecordFormat.decideWrite(
        Optional.of(Records.record("k", 5, "A", 1)), in).status());
    WriteResult older = RecordFormat.decideWrite(Optional.of(Records.record("k", 6, "A", 1)), in);
    assertEquals(WriteStatus.SKIPPED_NOT_NEWER, older.status());
    assertEquals(Revision.of(6), older.previous().orElseThrow().revision());
  }

  private static void assertReason(Reason reason, byte[] record) {
    CorruptRecordException e = assertThrows(CorruptRecordException.class,
        () -> RecordFormat.decode(record, "settings", Limits.defaults()));
    assertEquals(reason, e.reason(), e.getMessage());
  }
}
