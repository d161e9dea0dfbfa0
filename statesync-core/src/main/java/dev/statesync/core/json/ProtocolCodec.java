package dev.statesync.core.json;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JavaType;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectWriter;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.statesync.core.InvalidationEvent;
import dev.statesync.core.ProtocolException;
import dev.statesync.core.SnapshotEnvelope;
import java.io.ByteArrayInputStream;
import java.io.InputStreamReader;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.io.IOException;
import java.io.Writer;
import java.util.Objects;
import java.util.Optional;

/**
 * Reads and writes the two wire shapes of the protocol: the invalidation event
 * {@code {"topic","revision","sourceId","timestampMs","epoch"}} and the snapshot envelope
 * {@code {"revision","data","epoch"}}.
 *
 * <p><b>Decoding is strict about the envelope.</b> The input must be exactly one JSON object in
 * UTF-8: arrays, scalars, malformed JSON, invalid UTF-8, trailing tokens and duplicate member
 * names (at any depth) are rejected. Required members ({@code topic} and {@code revision} of an
 * event; {@code revision} and {@code data} of a snapshot) must be present, of the right JSON type
 * and valid; a {@code revision} must be a JSON string in canonical form. Optional members of the
 * wrong type or with an invalid value are dropped silently, and unknown members are ignored. Every
 * decoding failure, whatever the input, is a {@link ProtocolException} that names the offending
 * member where there is one, and carries the first 1024 characters of the input and the raw text
 * of {@code revision} when it was a JSON string or number. Inputs are bounded by Jackson's
 * {@link StreamReadConstraints} defaults (for example, at most 1000 levels of nesting).
 *
 * <p><b>Encoding</b> writes the members in the order above, omits absent optionals (never writes
 * null for them), writes {@code revision} as a canonical JSON string, and produces UTF-8 without a
 * byte order mark. Decoding an encoded value gives an equal value back.
 *
 * <p>Snapshot {@code data} is bound and serialized with the <em>data mapper</em>, a private copy of
 * the mapper given to {@link #create(ObjectMapper)}; the caller's mapper is never used or changed
 * afterwards. Instances are immutable and thread-safe.
 */
public final class ProtocolCodec {
  private final JsonFactory wireFactory;
  private final ObjectMapper dataMapper;
  private final ObjectWriter dataWriter;

  private ProtocolCodec(ObjectMapper dataMapper) {
    this.dataMapper = dataMapper;
    // The envelope is written by this codec's generator; indentation requested by the data mapper
    // would otherwise leak into the envelope members written after the data.
    this.dataWriter = dataMapper.writer().without(SerializationFeature.INDENT_OUTPUT);
    this.wireFactory =
        JsonFactory.builder()
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .streamReadConstraints(StreamReadConstraints.defaults())
            .build();
  }

  /** Returns a codec whose data mapper is a plain {@code new ObjectMapper()}. */
  public static ProtocolCodec create() {
    return new ProtocolCodec(new ObjectMapper());
  }

  /**
   * Returns a codec that binds and serializes snapshot data with a copy of {@code dataMapper}.
   * Later changes to {@code dataMapper} do not affect the codec, and the codec never changes it.
   * Only the data mapper's data binding configuration is used; the envelope is always strict JSON.
   *
   * @throws NullPointerException if {@code dataMapper} is null
   */
  public static ProtocolCodec create(ObjectMapper dataMapper) {
    Objects.requireNonNull(dataMapper, "dataMapper");
    return new ProtocolCodec(dataMapper.copy());
  }

  // ---------------------------------------------------------------------------------------------
  // Events

  /**
   * Decodes an invalidation event from JSON text.
   *
   * @throws NullPointerException if {@code json} is null
   * @throws ProtocolException if the input is not a valid event; never any other exception
   */
  public InvalidationEvent decodeEvent(String json) {
    Objects.requireNonNull(json, "json");
    return WireReader.readEvent(WireInput.of(json, wireFactory));
  }

  /**
   * Decodes an invalidation event from UTF-8 bytes.
   *
   * @throws NullPointerException if {@code json} is null
   * @throws ProtocolException if the bytes are not valid UTF-8 or not a valid event; never any
   *     other exception
   */
  public InvalidationEvent decodeEvent(byte[] json) {
    Objects.requireNonNull(json, "json");
    return WireReader.readEvent(WireInput.of(json, wireFactory));
  }

  /**
   * Decodes an invalidation event from a JSON tree, with the same rules as for text.
   *
   * @throws NullPointerException if {@code json} is null
   * @throws ProtocolException if the tree is not a valid event; never any other exception
   */
  public InvalidationEvent decodeEvent(JsonNode json) {
    Objects.requireNonNull(json, "json");
    return WireReader.readEvent(WireInput.of(json));
  }

  /**
   * Encodes an event as JSON text.
   *
   * @throws NullPointerException if {@code event} is null
   */
  public String encodeEvent(InvalidationEvent event) {
    Objects.requireNonNull(event, "event");
    StringWriter out = new StringWriter(128);
    try (JsonGenerator gen = wireFactory.createGenerator((Writer) out)) {
      WireWriter.writeEvent(gen, event);
    } catch (IOException e) {
      throw encodingFailure("event", e);
    }
    return out.toString();
  }

  /**
   * Encodes an event as UTF-8 bytes without a byte order mark: the UTF-8 form of
   * {@link #encodeEvent}, except that a lone surrogate (which has no UTF-8 form) is written as its
   * {@code \\uXXXX} escape, so decoding gives the same string back.
   *
   * @throws NullPointerException if {@code event} is null
   */
  public byte[] encodeEventBytes(InvalidationEvent event) {
    return utf8(encodeEvent(event));
  }

  /**
   * Tells, cheaply, which topic a raw event names: returns the value of the {@code topic} member
   * if {@code json} starts a JSON object whose top-level {@code topic} member is a string that is
   * a valid topic ({@link dev.statesync.core.Topics}), and empty otherwise.
   *
   * <p>Reading stops at the {@code topic} member: nothing else is validated, so a present result
   * does not mean the event would decode. The engine uses it to drop events of other topics
   * without reporting their other defects. Never throws, except for a null argument.
   *
   * @throws NullPointerException if {@code json} is null
   */
  public Optional<String> peekTopic(String json) {
    Objects.requireNonNull(json, "json");
    return TopicPeek.peek(() -> wireFactory.createParser(json));
  }

  /**
   * Like {@link #peekTopic(String)}, for UTF-8 bytes.
   *
   * @throws NullPointerException if {@code json} is null
   */
  public Optional<String> peekTopic(byte[] json) {
    Objects.requireNonNull(json, "json");
    // A strict decoder, unlike Jackson's byte parser, refuses UTF-16 and malformed UTF-8, so a
    // topic is never read from bytes that the full decode would reject as not UTF-8.
    return TopicPeek.peek(
        () -> wireFactory.createParser(
            new InputStreamReader(
                new ByteArrayInputStream(json), StandardCharsets.UTF_8.newDecoder())));
  }

  // ---------------------------------------------------------------------------------------------
  // Snapshots

  /**
   * Decodes a snapshot envelope from JSON text, binding {@code data} to {@code type}.
   * {@code "data":null} gives null data.
   *
   * @throws NullPointerException if an argument is null
   * @throws ProtocolException if the input is not a valid envelope or the data does not bind;
   *     never any other exception
   */
  public <T> SnapshotEnvelope<T> decodeSnapshot(String json, Class<T> type) {
    Objects.requireNonNull(json, "json");
    Objects.requireNonNull(type, "type");
    return decodeSnapshot(WireInput.of(json, wireFactory), dataMapper.constructType(type));
  }

  /**
   * Decodes a snapshot envelope from JSON text, binding {@code data} to a generic type.
   *
   * @throws NullPointerException if an argument is null
   * @throws ProtocolException if the input is not a valid envelope or the data does not bind;
   *     never any other exception
   */
  public <T> SnapshotEnvelope<T> decodeSnapshot(String json, TypeReference<T> type) {
    Objects.requireNonNull(json, "json");
    Objects.requireNonNull(type, "type");
    return decodeSnapshot(WireInput.of(json, wireFactory), dataMapper.constructType(type));
  }

  /**
   * Decodes a snapshot envelope from JSON text, binding {@code data} to a Jackson type.
   *
   * @throws NullPointerException if an argument is null
   * @throws ProtocolException if the input is not a valid envelope or the data does not bind;
   *     never any other exception
   */
  public <T> SnapshotEnvelope<T> decodeSnapshot(String json, JavaType type) {
    Objects.requireNonNull(json, "json");
    Objects.requireNonNull(type, "type");
    return decodeSnapshot(WireInput.of(json, wireFactory), type);
  }

  /**
   * Decodes a snapshot envelope from UTF-8 bytes, binding {@code data} to {@code type}.
   *
   * @throws NullPointerException if an argument is null
   * @throws ProtocolException if the bytes are not valid UTF-8, not a valid envelope, or the data
   *     does not bind; never any other exception
   */
  public <T> SnapshotEnvelope<T> decodeSnapshot(byte[] json, Class<T> type) {
    Objects.requireNonNull(json, "json");
    Objects.requireNonNull(type, "type");
    return decodeSnapshot(WireInput.of(json, wireFactory), dataMapper.constructType(type));
  }

  /**
   * Decodes a snapshot envelope from UTF-8 bytes, binding {@code data} to a generic type.
   *
   * @throws NullPointerException if an argument is null
   * @throws ProtocolException if the bytes are not valid UTF-8, not a valid envelope, or the data
   *     does not bind; never any other exception
   */
  public <T> SnapshotEnvelope<T> decodeSnapshot(byte[] json, TypeReference<T> type) {
    Objects.requireNonNull(json, "json");
    Objects.requireNonNull(type, "type");
    return decodeSnapshot(WireInput.of(json, wireFactory), dataMapper.constructType(type));
  }

  /**
   * Decodes a snapshot envelope from UTF-8 bytes, binding {@code data} to a Jackson type.
   *
   * @throws NullPointerException if an argument is null
   * @throws ProtocolException if the bytes are not valid UTF-8, not a valid envelope, or the data
   *     does not bind; never any other exception
   */
  public <T> SnapshotEnvelope<T> decodeSnapshot(byte[] json, JavaType type) {
    Objects.requireNonNull(json, "json");
    Objects.requireNonNull(type, "type");
    return decodeSnapshot(WireInput.of(json, wireFactory), type);
  }

  /**
   * Decodes a snapshot envelope from a JSON tree, binding {@code data} to {@code type}.
   *
   * @throws NullPointerException if an argument is null
   * @throws ProtocolException if the tree is not a valid envelope or the data does not bind;
   *     never any other exception
   */
  public <T> SnapshotEnvelope<T> decodeSnapshot(JsonNode json, Class<T> type) {
    Objects.requireNonNull(json, "json");
    Objects.requireNonNull(type, "type");
    return decodeSnapshot(WireInput.of(json), dataMapper.constructType(type));
  }

  /**
   * Decodes a snapshot envelope from a JSON tree, binding {@code data} to a generic type.
   *
   * @throws NullPointerException if an argument is null
   * @throws ProtocolException if the tree is not a valid envelope or the data does not bind;
   *     never any other exception
   */
  public <T> SnapshotEnvelope<T> decodeSnapshot(JsonNode json, TypeReference<T> type) {
    Objects.requireNonNull(json, "json");
    Objects.requireNonNull(type, "type");
    return decodeSnapshot(WireInput.of(json), dataMapper.constructType(type));
  }

  /**
   * Decodes a snapshot envelope from a JSON tree, binding {@code data} to a Jackson type.
   *
   * @throws NullPointerException if an argument is null
   * @throws ProtocolException if the tree is not a valid envelope or the data does not bind;
   *     never any other exception
   */
  public <T> SnapshotEnvelope<T> decodeSnapshot(JsonNode json, JavaType type) {
    Objects.requireNonNull(json, "json");
    Objects.requireNonNull(type, "type");
    return decodeSnapshot(WireInput.of(json), type);
  }

  /**
   * Encodes a snapshot envelope as JSON text, serializing {@code data} with the data mapper.
   *
   * @throws NullPointerException if {@code envelope} is null
   * @throws ProtocolException naming {@code data} if the data mapper cannot serialize the data
   */
  public String encodeSnapshot(SnapshotEnvelope<?> envelope) {
    Objects.requireNonNull(envelope, "envelope");
    StringWriter out = new StringWriter(128);
    try (JsonGenerator gen = wireFactory.createGenerator((Writer) out)) {
      WireWriter.writeSnapshot(gen, envelope, dataWriter);
    } catch (IOException | RuntimeException e) {
      throw encodingFailure("data", e);
    }
    return out.toString();
  }

  /**
   * Encodes a snapshot envelope as UTF-8 bytes without a byte order mark: the UTF-8 form of
   * {@link #encodeSnapshot}, except that a lone surrogate (which has no UTF-8 form) is written as
   * its {@code \\uXXXX} escape, so decoding gives the same data back.
   *
   * @throws NullPointerException if {@code envelope} is null
   * @throws ProtocolException naming {@code data} if the data cannot be serialized
   */
  public byte[] encodeSnapshotBytes(SnapshotEnvelope<?> envelope) {
    return utf8(encodeSnapshot(envelope));
  }

  /**
   * UTF-8 of JSON text, with each lone surrogate written as its escape. JSON outside string
   * literals is ASCII, so a surrogate can only stand inside a string, where the escape denotes the
   * same UTF-16 unit. (Jackson's UTF-8 generator, asked to combine surrogate pairs, instead pairs a
   * lone high surrogate with whatever character follows it and loses that character; the
   * fuzz tests found it.)
   */
  private static byte[] utf8(String json) {
    StringBuilder escaped = null;
    int from = 0;
    int n = json.length();
    for (int i = 0; i < n; i++) {
      char c = json.charAt(i);
      if (!Character.isSurrogate(c)) {
        continue;
      }
      if (Character.isHighSurrogate(c) && i + 1 < n && Character.isLowSurrogate(json.charAt(i + 1))) {
        i++;
        continue;
      }
      if (escaped == null) {
        escaped = new StringBuilder(n + 16);
      }
      escaped.append(json, from, i).append(String.format("\\u%04x", (int) c));
      from = i + 1;
    }
    if (escaped == null) {
      return json.getBytes(StandardCharsets.UTF_8);
    }
    return escaped.append(json, from, n).toString().getBytes(StandardCharsets.UTF_8);
  }

  private <T> SnapshotEnvelope<T> decodeSnapshot(WireInput input, JavaType type) {
    return WireReader.readSnapshot(input, dataMapper.readerFor(type));
  }

  private static ProtocolException encodingFailure(String field, Exception e) {
    return new ProtocolException(
        "cannot encode " + field + ": " + e.getMessage(), field, null, null, e);
  }

}
