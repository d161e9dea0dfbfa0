package dev.statesync.persistence;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.statesync.core.Epoch;
import dev.statesync.core.Revision;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;

class RecordFormatPropertiesTest {
  private static final List<Compression> ALL =
      List.of(Compression.NONE, Compression.GZIP, Compression.DEFLATE);

  @Provide
  Arbitrary<RecordHeader> headers() {
    Arbitrary<String> keys = Arbitraries.strings().withCharRange('!', '~').ofMinLength(1)
        .ofMaxLength(40);
    Arbitrary<Long> revs = Arbitraries.longs().between(0, Long.MAX_VALUE);
    Arbitrary<Optional<Epoch>> epochs = Arbitraries.strings().ofMinLength(1).ofMaxLength(30)
        .map(Epoch::of).optional();
    Arbitrary<Integer> versions = Arbitraries.integers().between(1, 1000);
    Arbitrary<OptionalLong> ttls = Arbitraries.longs().between(1, Long.MAX_VALUE)
        .optional().map(o -> o.map(OptionalLong::of).orElse(OptionalLong.empty()));
    return Combinators.combine(keys, revs, epochs, versions, ttls).as((k, r, e, v, t) ->
        new RecordHeader(k, k, Revision.of(r), e, v, r ^ 77, t, "json", "none", 0,
            Optional.of("w")));
  }

  @Property(tries = 200)
  void decodeInvertsEncode(@ForAll("headers") RecordHeader header,
      @ForAll @Size(max = 65536) byte[] payload, @ForAll @IntRange(max = 2) int c) {
    Compression compression = ALL.get(c);
    RecordHeader expected = header.withPayload(compression.name(), payload.length);
    DecodedRecord d = RecordFormat.decode(RecordFormat.encode(header, payload, compression),
        header.key(), Limits.defaults());
    assertEquals(expected, d.header());
    assertArrayEquals(payload, d.payload());
  }

  @Property(tries = 30)
  void everyBitFlipAndTruncationIsRejected(@ForAll("headers") RecordHeader header,
      @ForAll @Size(max = 64) byte[] payload, @ForAll @IntRange(max = 2) int c) {
    byte[] record = RecordFormat.encode(header, payload, ALL.get(c));
    for (int bit = 0; bit < record.length * 8; bit++) {
      byte[] flipped = record.clone();
      flipped[bit / 8] ^= (byte) (1 << (bit % 8));
      assertRejected(flipped, header.key());
    }
    for (int len = 0; len < record.length; len++) {
      assertRejected(Arrays.copyOf(record, len), header.key());
    }
  }

  @Property(tries = 200)
  void monotonicWritesNeverRegressWithinAnEpoch(
      @ForAll @Size(max = 40) List<@IntRange(max = 20) Integer> revs,
      @ForAll @Size(max = 40) List<@IntRange(max = 2) Integer> epochs) {
    Optional<byte[]> stored = Optional.empty();
    int n = Math.min(revs.size(), epochs.size());
    for (int i = 0; i < n; i++) {
      RecordHeader in = Records.header("k", revs.get(i), "e" + epochs.get(i), 1 + (i % 2));
      WriteResult r = RecordFormat.decideWrite(stored, in);
      Optional<RecordHeader> before = stored.map(b -> RecordFormat.readHeader(b, "k"));
      if (r.status() == WriteStatus.WRITTEN) {
        stored = Optional.of(RecordFormat.encode(in, new byte[0], Compression.NONE));
      }
      RecordHeader after = RecordFormat.readHeader(stored.orElseThrow(), "k");
      if (before.isPresent() && before.get().epoch().equals(after.epoch())) {
        assertTrue(after.revision().compareTo(before.get().revision()) >= 0);
      }
    }
  }

  private static void assertRejected(byte[] record, String key) {
    try {
      RecordFormat.decode(record, key, Limits.defaults());
      throw new AssertionError("a damaged record decoded");
    } catch (CorruptRecordException | UnsupportedRecordException expected) {
      // the only two acceptable outcomes
    }
  }
}
