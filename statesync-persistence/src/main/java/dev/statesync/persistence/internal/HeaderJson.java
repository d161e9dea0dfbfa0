package dev.statesync.persistence.internal;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import dev.statesync.core.Epoch;
import dev.statesync.core.Revision;
import dev.statesync.persistence.CorruptRecordException;
import dev.statesync.persistence.CorruptRecordException.Reason;
import dev.statesync.persistence.RecordHeader;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Optional;
import java.util.OptionalLong;

/** Writes the record header in its fixed member order and reads it back strictly by name. */
public final class HeaderJson {
  // Duplicate members must invalidate the header, so detection is on.
  private static final ObjectMapper MAPPER = JsonMapper.builder()
      .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
      .build();
  private static final JsonFactory FACTORY = MAPPER.getFactory();

  private HeaderJson() {}

  /** Returns the UTF-8 JSON of {@code h}, members in the documented order. */
  public static byte[] write(RecordHeader h) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(256);
    try (JsonGenerator g = FACTORY.createGenerator(out)) {
      g.writeStartObject();
      g.writeStringField("key", h.key());
      g.writeStringField("topic", h.topic());
      g.writeStringField("revision", h.revision().toString());
      if (h.epoch().isPresent()) {
        g.writeStringField("epoch", h.epoch().get().value());
      }
      g.writeNumberField("schemaVersion", h.schemaVersion());
      g.writeNumberField("savedAt", h.savedAt());
      if (h.ttlMs().isPresent()) {
        g.writeNumberField("ttlMs", h.ttlMs().getAsLong());
      }
      g.writeStringField("codec", h.codec());
      g.writeStringField("compression", h.compression());
      g.writeNumberField("payloadBytes", h.payloadBytes());
      if (h.writerId().isPresent()) {
        g.writeStringField("writerId", h.writerId().get());
      }
      g.writeEndObject();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toByteArray();
  }

  /**
   * Parses a header.
   *
   * @throws CorruptRecordException with {@link Reason#BAD_HEADER} for anything but a valid header
   */
  public static RecordHeader read(byte[] bytes, int offset, int length) {
    JsonNode n;
    try (JsonParser p = FACTORY.createParser(bytes, offset, length)) {
      n = MAPPER.readTree(p);
      if (p.nextToken() != null) {
        throw bad("content after the header object");
      }
    } catch (IOException e) {
      throw new CorruptRecordException(Reason.BAD_HEADER, "header is not valid JSON: "
          + e.getMessage(), e);
    }
    if (n == null || !n.isObject()) {
      throw bad("header is not a JSON object");
    }
    String key = text(n, "key", true);
    String topic = text(n, "topic", true);
    String revisionText = text(n, "revision", true);
    Optional<Revision> revision = Revision.tryParse(revisionText);
    if (revision.isEmpty()) {
      throw bad("revision \"" + revisionText + "\" is not canonical");
    }
    String epochText = text(n, "epoch", false);
    if (epochText != null && !Epoch.isValid(epochText)) {
      throw bad("epoch must be 1-" + Epoch.MAX_LENGTH + " characters");
    }
    long schemaVersion = integer(n, "schemaVersion");
    if (schemaVersion < 1 || schemaVersion > Integer.MAX_VALUE) {
      throw bad("schemaVersion " + schemaVersion + " is outside 1-" + Integer.MAX_VALUE);
    }
    long savedAt = integer(n, "savedAt");
    OptionalLong ttl = OptionalLong.empty();
    if (n.has("ttlMs")) {
      long t = integer(n, "ttlMs");
      if (t <= 0) {
        throw bad("ttlMs must be > 0, was " + t);
      }
      ttl = OptionalLong.of(t);
    }
    String codec = text(n, "codec", true);
    String compression = text(n, "compression", true);
    long payloadBytes = integer(n, "payloadBytes");
    if (payloadBytes < 0) {
      throw bad("payloadBytes must be >= 0, was " + payloadBytes);
    }
    String writerId = text(n, "writerId", false);
    try {
      return new RecordHeader(key, topic, revision.get(),
          Optional.ofNullable(epochText).map(Epoch::of), (int) schemaVersion, savedAt, ttl, codec,
          compression, payloadBytes, Optional.ofNullable(writerId));
    } catch (IllegalArgumentException e) {
      throw new CorruptRecordException(Reason.BAD_HEADER, e.getMessage(), e);
    }
  }

  /**
   * Returns the {@code key} member of a record's header without verifying the record, or empty
   * if it cannot be read; callers verify the record with that key afterwards.
   */
  public static Optional<String> peekKey(byte[] record) {
    try {
      if (record.length < 16) {
        return Optional.empty();
      }
      int length = java.nio.ByteBuffer.wrap(record, 12, 4).getInt();
      if (length < 2 || length > record.length - 16) {
        return Optional.empty();
      }
      JsonNode n = MAPPER.readTree(FACTORY.createParser(record, 16, length));
      JsonNode key = n == null ? null : n.get("key");
      return key != null && key.isTextual() ? Optional.of(key.textValue()) : Optional.empty();
    } catch (IOException e) {
      return Optional.empty();
    }
  }

  private static String text(JsonNode n, String name, boolean required) {
    JsonNode v = n.get(name);
    if (v == null) {
      if (required) {
        throw bad("missing member \"" + name + "\"");
      }
      return null;
    }
    if (!v.isTextual()) {
      throw bad("member \"" + name + "\" must be a string, was " + v.getNodeType());
    }
    return v.textValue();
  }

  private static long integer(JsonNode n, String name) {
    JsonNode v = n.get(name);
    if (v == null) {
      throw bad("missing member \"" + name + "\"");
    }
    if (!v.isIntegralNumber() || !v.canConvertToLong()) {
      throw bad("member \"" + name + "\" must be a 64-bit integer, was " + v);
    }
    return v.longValue();
  }

  private static CorruptRecordException bad(String message) {
    return new CorruptRecordException(Reason.BAD_HEADER, message);
  }
}
