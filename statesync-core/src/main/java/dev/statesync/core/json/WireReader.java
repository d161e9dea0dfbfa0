package dev.statesync.core.json;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.ObjectReader;
import com.fasterxml.jackson.databind.util.TokenBuffer;
import dev.statesync.core.Epoch;
import dev.statesync.core.InvalidationEvent;
import dev.statesync.core.ProtocolException;
import dev.statesync.core.Revision;
import dev.statesync.core.SnapshotEnvelope;
import dev.statesync.core.Topics;
import java.io.IOException;
import java.math.BigDecimal;
import java.math.BigInteger;

/**
 * Decodes the two wire shapes from a streaming parser in one pass. Members may come in any order,
 * so each one is captured first and validated after the closing brace; a malformed document
 * therefore fails as malformed even when an earlier member was also invalid.
 */
final class WireReader {
  private static final int MAX_QUOTED = 80;

  private WireReader() {}

  static InvalidationEvent readEvent(WireInput input) {
    Members m = new Members();
    scan(input, m, false);
    String topic = requireTopic(input, m);
    Revision revision = requireRevision(input, m);
    InvalidationEvent event = InvalidationEvent.of(topic, revision);
    if (m.sourceId != null) {
      event = event.withSourceId(m.sourceId);
    }
    if (m.hasTimestamp) {
      event = event.withTimestampMs(m.timestampMs);
    }
    if (m.epoch != null) {
      event = event.withEpoch(m.epoch);
    }
    return event;
  }

  static <T> SnapshotEnvelope<T> readSnapshot(WireInput input, ObjectReader dataReader) {
    Members m = new Members();
    scan(input, m, true);
    Revision revision = requireRevision(input, m);
    if (m.dataToken == null) {
      throw fail("missing required member \"data\"", "data", input, m);
    }
    T data = null;
    if (m.dataToken != JsonToken.VALUE_NULL) {
      try (JsonParser p = m.data.asParser()) {
        data = dataReader.readValue(p);
      } catch (IOException | RuntimeException e) {
        throw new ProtocolException(
            "member \"data\" does not bind to " + dataReader.getValueType() + ": "
                + messageOf(e),
            "data", input.raw(), m.rawRevision, e);
      }
    }
    return SnapshotEnvelope.of(revision, data, m.epoch);
  }

  /** What the scan found; a null token means the member was absent. */
  private static final class Members {
    JsonToken topicToken;
    String topic;
    JsonToken revisionToken;
    String rawRevision;
    String sourceId;
    boolean hasTimestamp;
    long timestampMs;
    Epoch epoch;
    JsonToken dataToken;
    TokenBuffer data;
  }

  private static void scan(WireInput input, Members m, boolean snapshot) {
    try (JsonParser p = input.open()) {
      JsonToken first = p.nextToken();
      if (first != JsonToken.START_OBJECT) {
        throw fail("expected one JSON object, found " + describe(first), null, input, m);
      }
      JsonToken t;
      while ((t = p.nextToken()) == JsonToken.FIELD_NAME) {
        String name = p.currentName();
        JsonToken value = p.nextToken();
        readMember(p, name, value, m, snapshot);
        p.skipChildren();
      }
      if (t != JsonToken.END_OBJECT) {
        throw fail("the JSON object is not closed", null, input, m);
      }
      JsonToken trailing = p.nextToken();
      if (trailing != null) {
        throw fail(
            "trailing content after the JSON object: " + describe(trailing), null, input, m);
      }
    } catch (JsonProcessingException e) {
      throw new ProtocolException(
          "malformed JSON: " + e.getOriginalMessage(), null, input.raw(), m.rawRevision, e);
    } catch (ProtocolException e) {
      throw e;
    } catch (IOException | RuntimeException e) {
      // Jackson reports some limits and number conversions as unchecked exceptions; a decoder
      // must answer every input with a ProtocolException.
      throw new ProtocolException(
          "unreadable JSON: " + messageOf(e), null, input.raw(), m.rawRevision, e);
    }
  }

  private static void readMember(
      JsonParser p, String name, JsonToken value, Members m, boolean snapshot) throws IOException {
    switch (name) {
      case "revision":
        m.revisionToken = value;
        if (value == JsonToken.VALUE_STRING || value.isNumeric()) {
          m.rawRevision = p.getText();
        }
        break;
      case "epoch":
        m.epoch = value == JsonToken.VALUE_STRING && Epoch.isValid(p.getText())
            ? Epoch.of(p.getText())
            : null;
        break;
      default:
        if (snapshot) {
          readSnapshotMember(p, name, value, m);
        } else {
          readEventMember(p, name, value, m);
        }
    }
  }

  private static void readEventMember(JsonParser p, String name, JsonToken value, Members m)
      throws IOException {
    switch (name) {
      case "topic":
        m.topicToken = value;
        m.topic = value == JsonToken.VALUE_STRING ? p.getText() : null;
        break;
      case "sourceId":
        m.sourceId = value == JsonToken.VALUE_STRING ? p.getText() : null;
        break;
      case "timestampMs":
        m.hasTimestamp = false;
        if (value.isNumeric()) {
          readTimestamp(p, m);
        }
        break;
      default:
        break;
    }
  }

  private static void readSnapshotMember(JsonParser p, String name, JsonToken value, Members m)
      throws IOException {
    if (name.equals("data")) {
      m.dataToken = value;
      m.data = null;
      if (value != JsonToken.VALUE_NULL) {
        // Buffered, not bound in place: binding waits until the revision is known to be valid,
        // and the buffer keeps numbers exact for the data mapper.
        TokenBuffer buffer = new TokenBuffer(p);
        buffer.copyCurrentStructure(p);
        m.data = buffer;
      }
    }
  }

  /**
   * Keeps the timestamp only if it truncates (toward zero) to a {@code long}. The integer digits
   * are counted before converting, so that a value like {@code 1e999999999} is rejected without
   * materialising it.
   */
  private static void readTimestamp(JsonParser p, Members m) throws IOException {
    if (p.currentToken() == JsonToken.VALUE_NUMBER_INT) {
      if (p.getNumberType() == JsonParser.NumberType.INT
          || p.getNumberType() == JsonParser.NumberType.LONG) {
        m.timestampMs = p.getLongValue();
        m.hasTimestamp = true;
      }
      return;
    }
    BigDecimal decimal;
    try {
      decimal = p.getDecimalValue();
    } catch (NumberFormatException | ArithmeticException e) {
      return; // NaN or an infinity from a tree: not a long
    }
    if (decimal.signum() == 0) {
      m.timestampMs = 0L;
      m.hasTimestamp = true;
      return;
    }
    long integerDigits = (long) decimal.precision() - decimal.scale();
    if (integerDigits <= 0) {
      m.timestampMs = 0L;
      m.hasTimestamp = true;
      return;
    }
    if (integerDigits > 19) {
      return;
    }
    BigInteger truncated = decimal.toBigInteger();
    if (truncated.bitLength() <= 63) {
      m.timestampMs = truncated.longValue();
      m.hasTimestamp = true;
    }
  }

  private static String requireTopic(WireInput input, Members m) {
    if (m.topicToken == null) {
      throw fail("missing required member \"topic\"", "topic", input, m);
    }
    if (m.topic == null) {
      throw fail(
          "member \"topic\" must be a JSON string, was " + describe(m.topicToken),
          "topic", input, m);
    }
    try {
      return Topics.validate(m.topic);
    } catch (IllegalArgumentException e) {
      throw new ProtocolException(
          "member \"topic\" is invalid (\"" + quote(m.topic) + "\"): " + e.getMessage(),
          "topic", input.raw(), m.rawRevision, e);
    }
  }

  private static Revision requireRevision(WireInput input, Members m) {
    if (m.revisionToken == null) {
      throw fail("missing required member \"revision\"", "revision", input, m);
    }
    if (m.revisionToken != JsonToken.VALUE_STRING) {
      throw fail(
          "member \"revision\" must be a JSON string, was " + describe(m.revisionToken)
              + (m.rawRevision != null ? " " + quote(m.rawRevision) : ""),
          "revision", input, m);
    }
    return Revision.tryParse(m.rawRevision)
        .orElseThrow(
            () -> fail(
                "member \"revision\" is not a canonical revision (1-20 ASCII digits, no sign or"
                    + " leading zero, at most 18446744073709551615): \""
                    + quote(m.rawRevision) + "\"",
                "revision", input, m));
  }

  private static ProtocolException fail(String message, String field, WireInput input, Members m) {
    return new ProtocolException(message, field, input.raw(), m.rawRevision, null);
  }

  private static String describe(JsonToken token) {
    if (token == null) {
      return "end of input";
    }
    switch (token) {
      case START_OBJECT:
        return "an object";
      case START_ARRAY:
        return "an array";
      case VALUE_STRING:
        return "a string";
      case VALUE_NUMBER_INT:
      case VALUE_NUMBER_FLOAT:
        return "a number";
      case VALUE_TRUE:
      case VALUE_FALSE:
        return "a boolean";
      case VALUE_NULL:
        return "null";
      default:
        return token.toString();
    }
  }

  private static String quote(String text) {
    return text.length() <= MAX_QUOTED ? text : text.substring(0, MAX_QUOTED) + "...";
  }

  private static String messageOf(Throwable e) {
    if (e instanceof JsonProcessingException) {
      return ((JsonProcessingException) e).getOriginalMessage();
    }
    return e.getMessage() != null ? e.getMessage() : e.getClass().getSimpleName();
  }
}
