package dev.statesync.core.json;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.core.type.TypeReference;
import dev.statesync.core.Epoch;
import dev.statesync.core.InvalidationEvent;
import dev.statesync.core.ProtocolException;
import dev.statesync.core.Revision;
import dev.statesync.core.SnapshotEnvelope;
import dev.statesync.core.Topics;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Builders;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

class ProtocolCodecProperties {
  private static final TypeReference<Map<String, String>> MAP_TYPE = new TypeReference<>() {};

  private final ProtocolCodec codec = ProtocolCodec.create();

  @Property
  void encodingThenDecodingAnEventIsTheIdentity(@ForAll("events") InvalidationEvent event) {
    assertEquals(event, codec.decodeEvent(codec.encodeEvent(event)));
    assertEquals(event, codec.decodeEvent(codec.encodeEventBytes(event)));
    assertEquals(Optional.of(event.topic()), codec.peekTopic(codec.encodeEventBytes(event)));
  }

  @Property
  void encodingThenDecodingAnEnvelopeIsTheIdentity(
      @ForAll("envelopes") SnapshotEnvelope<Map<String, String>> envelope) {
    assertEquals(envelope, codec.decodeSnapshot(codec.encodeSnapshot(envelope), MAP_TYPE));
    assertEquals(envelope, codec.decodeSnapshot(codec.encodeSnapshotBytes(envelope), MAP_TYPE));
  }

  @Property
  void arbitraryBytesDecodeOrRaiseProtocolException(@ForAll byte[] input) {
    decodesOrRaisesProtocolException(() -> codec.decodeEvent(input));
    decodesOrRaisesProtocolException(() -> codec.decodeSnapshot(input, Object.class));
    assertNotNull(codec.peekTopic(input));
  }

  @Property
  void jsonLikeTextDecodesOrRaisesProtocolException(@ForAll("jsonLike") String input) {
    decodesOrRaisesProtocolException(() -> codec.decodeEvent(input));
    decodesOrRaisesProtocolException(() -> codec.decodeSnapshot(input, MAP_TYPE));
    decodesOrRaisesProtocolException(
        () -> codec.decodeEvent(input.getBytes(StandardCharsets.UTF_8)));
    assertNotNull(codec.peekTopic(input));
  }

  @Property
  void arbitraryStringsDecodeOrRaiseProtocolException(@ForAll String input) {
    decodesOrRaisesProtocolException(() -> codec.decodeEvent(input));
    decodesOrRaisesProtocolException(() -> codec.decodeSnapshot(input, Integer.class));
  }

  private static void decodesOrRaisesProtocolException(Supplier<?> decode) {
    try {
      assertNotNull(decode.get());
    } catch (ProtocolException e) {
      assertTrue(e.rawInput().isPresent());
      assertTrue(e.rawInput().get().length() <= 1024);
    }
  }

  @Provide
  Arbitrary<InvalidationEvent> events() {
    Arbitrary<String> topics = unicode(1, 40).filter(Topics::isValid);
    return Builders.withBuilder(() -> InvalidationEvent.of("t", Revision.ZERO))
        .use(topics).in((e, t) -> rebuild(e, t))
        .use(revisions()).in((e, r) -> withRevision(e, r))
        .use(unicode(0, 20).injectNull(0.5)).in(InvalidationEvent::withSourceId)
        .use(Arbitraries.longs().injectNull(0.5))
        .in((e, ts) -> ts == null ? e : e.withTimestampMs(ts))
        .use(epochs().injectNull(0.5)).in(InvalidationEvent::withEpoch)
        .build();
  }

  @Provide
  Arbitrary<SnapshotEnvelope<Map<String, String>>> envelopes() {
    Arbitrary<Map<String, String>> data =
        Arbitraries.maps(unicode(0, 10), unicode(0, 20)).ofMaxSize(5).injectNull(0.2);
    return Combinators.combine(revisions(), data, epochs().injectNull(0.5))
        .as(SnapshotEnvelope::of);
  }

  @Provide
  Arbitrary<String> jsonLike() {
    // Fragments of both wire shapes, shuffled, so that many inputs get deep into member handling.
    Arbitrary<String> fragment = Arbitraries.of(
        "{", "}", "[", "]", ",", ":", "\"topic\"", "\"revision\"", "\"data\"", "\"epoch\"",
        "\"sourceId\"", "\"timestampMs\"", "\"t\"", "\"42\"", "\"01\"", "42", "-1.5e3", "1e999",
        "null", "true", "\"\\u0000\"", "\"\\uD800\"", " ", "\"x\"", "{\"a\":1}");
    return fragment.list().ofMaxSize(20).map(parts -> String.join("", parts));
  }

  private static Arbitrary<Revision> revisions() {
    return Arbitraries.longs().map(Revision::ofUnsignedBits);
  }

  private static Arbitrary<Epoch> epochs() {
    return unicode(1, 30).map(Epoch::of);
  }

  /** Well-formed Unicode: any code point except lone surrogates, which have no UTF-8 form. */
  private static Arbitrary<String> unicode(int minCodePoints, int maxCodePoints) {
    return Arbitraries.integers().between(0, Character.MAX_CODE_POINT)
        .filter(cp -> cp < Character.MIN_SURROGATE || cp > Character.MAX_SURROGATE)
        .list().ofMinSize(minCodePoints).ofMaxSize(maxCodePoints)
        .map(cps -> {
          StringBuilder sb = new StringBuilder();
          cps.forEach(sb::appendCodePoint);
          return sb.toString();
        });
  }

  private static InvalidationEvent rebuild(InvalidationEvent e, String topic) {
    return InvalidationEvent.of(topic, e.revision());
  }

  private static InvalidationEvent withRevision(InvalidationEvent e, Revision r) {
    return InvalidationEvent.of(e.topic(), r);
  }
}
