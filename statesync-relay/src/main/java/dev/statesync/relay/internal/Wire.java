package dev.statesync.relay.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * The relay wire format (relay spec RELAY-11): byte 0 is the type; DELTA and STATE_PART bodies
 * are varints followed by UTF-8 text, every other body is UTF-8 JSON.
 */
public final class Wire {
  static final byte DELTA = 0x01;
  static final byte START = 0x02;
  static final byte END = 0x03;
  static final byte REQUEST = 0x04;
  static final byte STATE = 0x05;
  static final byte CLOSED = 0x06;
  static final byte STATE_PART = 0x07;

  private static final ObjectMapper JSON = new ObjectMapper();

  private Wire() {}

  /** A decoded relay message. */
  public sealed interface Msg permits Delta, Start, End, Request, State, Closed, StatePart {}

  /** Text appended to stream {@code stream} as delta number {@code n}. */
  public record Delta(long stream, long n, String text) implements Msg {}

  /** A new stream of source {@code src}. */
  public record Start(String src, long stream, String id) implements Msg {}

  /** The terminal transition of a stream after {@code deltas} deltas. */
  public record End(long stream, String status, String reason, String error, long deltas)
      implements Msg {}

  /** A request for STATE from {@code origin}, or from every source when null. */
  public record Request(UUID origin) implements Msg {}

  /** The full state of a source's current stream; {@code text} is continued in parts 2..parts. */
  public record State(String src, long stream, String id, String status, String reason,
      String error, String text, long deltas, long startEpoch, long startSeq, int parts)
      implements Msg {}

  /** The source closed. */
  public record Closed(String src) implements Msg {}

  /** Part {@code part} (2..parts) of the text of a STATE. */
  public record StatePart(long stream, int part, String text) implements Msg {}

  /** Encodes {@code msg}. */
  public static byte[] encode(Msg msg) {
    if (msg instanceof Delta d) {
      return binary(DELTA, d.stream(), d.n(), d.text());
    }
    if (msg instanceof StatePart p) {
      return binary(STATE_PART, p.stream(), p.part(), p.text());
    }
    ObjectNode o = JSON.createObjectNode();
    byte type;
    if (msg instanceof Start s) {
      type = START;
      o.put("src", s.src()).put("stream", s.stream()).put("id", s.id());
    } else if (msg instanceof End e) {
      type = END;
      o.put("stream", e.stream()).put("status", e.status()).put("reason", e.reason());
      if (e.error() != null) {
        o.put("error", e.error());
      }
      o.put("deltas", e.deltas());
    } else if (msg instanceof Request r) {
      type = REQUEST;
      if (r.origin() != null) {
        o.put("origin", r.origin().toString());
      }
    } else if (msg instanceof State s) {
      type = STATE;
      o.put("src", s.src()).put("stream", s.stream()).put("id", s.id())
          .put("status", s.status());
      if (s.reason() != null) {
        o.put("reason", s.reason());
      }
      if (s.error() != null) {
        o.put("error", s.error());
      }
      o.put("text", s.text()).put("deltas", s.deltas()).put("startEpoch", s.startEpoch())
          .put("startSeq", s.startSeq()).put("parts", s.parts());
    } else {
      type = CLOSED;
      o.put("src", ((Closed) msg).src());
    }
    try {
      byte[] body = JSON.writeValueAsBytes(o);
      byte[] out = new byte[body.length + 1];
      out[0] = type;
      System.arraycopy(body, 0, out, 1, body.length);
      return out;
    } catch (IOException e) {
      throw new IllegalStateException("cannot encode relay message " + type, e);
    }
  }

  /**
   * Decodes a payload; returns null for an empty payload or an unknown type.
   *
   * @throws IllegalArgumentException if a known type has a malformed body
   */
  public static Msg decode(ByteBuffer payload) {
    if (!payload.hasRemaining()) {
      return null;
    }
    byte type = payload.get();
    try {
      switch (type) {
        case DELTA:
          return new Delta(varint(payload), varint(payload), utf8(payload));
        case STATE_PART:
          return new StatePart(varint(payload), (int) varint(payload), utf8(payload));
        case START: {
          JsonNode o = json(payload);
          return new Start(o.path("src").asText(""), o.path("stream").asLong(),
              o.path("id").asText(""));
        }
        case END: {
          JsonNode o = json(payload);
          return new End(o.path("stream").asLong(), o.path("status").asText(""),
              text(o, "reason"), text(o, "error"), o.path("deltas").asLong());
        }
        case REQUEST: {
          String origin = text(json(payload), "origin");
          return new Request(origin == null ? null : UUID.fromString(origin));
        }
        case STATE: {
          JsonNode o = json(payload);
          return new State(o.path("src").asText(""), o.path("stream").asLong(),
              o.path("id").asText(""), o.path("status").asText(""), text(o, "reason"),
              text(o, "error"), o.path("text").asText(""), o.path("deltas").asLong(),
              o.path("startEpoch").asLong(), o.path("startSeq").asLong(),
              Math.max(1, o.path("parts").asInt(1)));
        }
        case CLOSED:
          return new Closed(json(payload).path("src").asText(""));
        default:
          return null;
      }
    } catch (IOException | RuntimeException e) {
      throw new IllegalArgumentException("malformed relay message of type " + type, e);
    }
  }

  private static String text(JsonNode o, String field) {
    JsonNode n = o.get(field);
    return n == null || n.isNull() ? null : n.asText();
  }

  private static JsonNode json(ByteBuffer b) throws IOException {
    byte[] bytes = new byte[b.remaining()];
    b.get(bytes);
    return JSON.readTree(bytes);
  }

  private static String utf8(ByteBuffer b) {
    return StandardCharsets.UTF_8.decode(b).toString();
  }

  private static byte[] binary(byte type, long a, long b, String text) {
    byte[] t = text.getBytes(StandardCharsets.UTF_8);
    ByteArrayOutputStream out = new ByteArrayOutputStream(t.length + 21);
    out.write(type);
    writeVarint(out, a);
    writeVarint(out, b);
    out.write(t, 0, t.length);
    return out.toByteArray();
  }

  private static void writeVarint(ByteArrayOutputStream out, long v) {
    while ((v & ~0x7FL) != 0) {
      out.write((int) ((v & 0x7F) | 0x80));
      v >>>= 7;
    }
    out.write((int) v);
  }

  private static long varint(ByteBuffer b) {
    long v = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      byte x = b.get();
      v |= (long) (x & 0x7F) << shift;
      if ((x & 0x80) == 0) {
        return v;
      }
    }
    throw new IllegalArgumentException("varint longer than 10 bytes");
  }

  /** The number of bytes {@code text} (well-formed UTF-16) takes in UTF-8. */
  public static int utf8Length(String text) {
    int bytes = 0;
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      if (c < 0x80) {
        bytes++;
      } else if (c < 0x800) {
        bytes += 2;
      } else if (Character.isHighSurrogate(c)) {
        bytes += 4;
        i++;
      } else {
        bytes += 3;
      }
    }
    return bytes;
  }

  /**
   * Splits {@code text} into pieces of at most {@code maxBytes} UTF-8 bytes, only at code point
   * boundaries, so every piece is well-formed.
   */
  public static List<String> splitUtf8(String text, int maxBytes) {
    List<String> out = new ArrayList<>();
    int start = 0;
    int bytes = 0;
    int i = 0;
    while (i < text.length()) {
      int cp = text.codePointAt(i);
      int len = cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
      if (bytes + len > maxBytes && i > start) {
        out.add(text.substring(start, i));
        start = i;
        bytes = 0;
      }
      bytes += len;
      i += Character.charCount(cp);
    }
    if (start < text.length() || out.isEmpty()) {
      out.add(text.substring(start));
    }
    return out;
  }
}
