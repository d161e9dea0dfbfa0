package dev.statesync.channel.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.UUID;

/** JSON for control payloads; a missing required field is a PROTOCOL error naming the field. */
final class Json {
  static final ObjectMapper MAPPER = new ObjectMapper();

  private Json() {}

  static ObjectNode object() {
    return MAPPER.createObjectNode();
  }

  static byte[] bytes(JsonNode node) {
    try {
      return MAPPER.writeValueAsBytes(node);
    } catch (IOException e) {
      throw new IllegalStateException("JSON encoding failed", e);
    }
  }

  static JsonNode parse(Frame f) {
    ByteBuffer p = f.payload().duplicate();
    byte[] b = new byte[p.remaining()];
    p.get(b);
    try {
      JsonNode n = MAPPER.readTree(b);
      if (n == null || !n.isObject()) {
        throw new ProtocolException("PROTOCOL", Frame.typeName(f.type())
            + " payload is not a JSON object");
      }
      return n;
    } catch (IOException e) {
      throw new ProtocolException("PROTOCOL", Frame.typeName(f.type())
          + " payload is not valid JSON: " + e.getMessage());
    }
  }

  static JsonNode required(JsonNode n, String field, int type) {
    JsonNode v = n.get(field);
    if (v == null || v.isNull()) {
      throw new ProtocolException("PROTOCOL", Frame.typeName(type) + " lacks field \"" + field
          + "\"");
    }
    return v;
  }

  /** A required UUID field; text that is not a UUID is a PROTOCOL error naming the field. */
  static UUID uuid(JsonNode n, String field, int type) {
    String text = required(n, field, type).asText();
    try {
      return UUID.fromString(text);
    } catch (IllegalArgumentException e) {
      throw new ProtocolException("PROTOCOL", Frame.typeName(type) + " field \"" + field
          + "\" held \"" + (text.length() > 64 ? text.substring(0, 64) + "..." : text)
          + "\", not a UUID");
    }
  }
}
