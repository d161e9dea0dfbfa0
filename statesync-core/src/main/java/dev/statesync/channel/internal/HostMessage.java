package dev.statesync.channel.internal;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.statesync.core.Epoch;
import dev.statesync.core.ProtocolException;
import dev.statesync.core.Revision;
import dev.statesync.core.SnapshotEnvelope;
import dev.statesync.core.Topics;
import dev.statesync.core.json.ProtocolCodec;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

/**
 * The host coordinator's channel messages (RELAY-32), with an HTTP-neutral body: the snapshot
 * envelope as JSON, the topic, and an opaque source key ({@code "key"}) where the HTTP design
 * has a URI.
 * <ul>
 *   <li>{@code {"t":"env","topic":..,"body":{envelope}}}
 *   <li>{@code {"t":"big","topic":..,"revision":"n","epoch":..?}}
 *   <li>{@code {"t":"want","topics":[{"topic":..,"key":..}]}}
 *   <li>{@code {"t":"snap","topic":..,"key":..}}
 * </ul>
 */
public sealed interface HostMessage {
  /** A snapshot envelope for a topic. */
  record Env(String topic, CachedEnvelope envelope) implements HostMessage {}

  /** The envelope of a topic exceeds the channel's message size: fetch it directly. */
  record Big(String topic, Revision revision, Epoch epoch) implements HostMessage {}

  /** The sender has handles on these topics. */
  record Want(List<Wanted> topics) implements HostMessage {}

  /** The sender asks the leader for the current envelope of a topic. */
  record Snap(String topic, String key) implements HostMessage {}

  /** One wanted topic and the key its provider is created from. */
  record Wanted(String topic, String key) {}

  /** A message of a type this version does not know; ignored, for forward compatibility. */
  record Unknown(String type) implements HostMessage {}

  ObjectMapper MAPPER = new ObjectMapper();

  /**
   * Reads a message.
   *
   * @throws IllegalArgumentException naming what is wrong when the bytes are not a valid message
   */
  static HostMessage parse(byte[] bytes, ProtocolCodec codec) {
    JsonNode n;
    try {
      n = MAPPER.readTree(bytes);
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException("not JSON: " + e.getOriginalMessage());
    } catch (IOException e) {
      throw new IllegalArgumentException("not JSON: " + e.getMessage());
    }
    if (n == null || !n.isObject()) {
      throw new IllegalArgumentException("not a JSON object");
    }
    String type = text(n, "t");
    switch (type) {
      case "env": {
        String topic = topic(n);
        JsonNode body = n.get("body");
        if (body == null || !body.isObject()) {
          throw new IllegalArgumentException("env: \"body\" must be a JSON object");
        }
        SnapshotEnvelope<JsonNode> env;
        try {
          env = codec.decodeSnapshot(body, JsonNode.class);
        } catch (ProtocolException e) {
          throw new IllegalArgumentException("env: \"body\" is not a snapshot envelope: "
              + e.getMessage());
        }
        return new Env(topic, new CachedEnvelope(body.toString(), env.revision(),
            env.epoch().orElse(null)));
      }
      case "big": {
        String topic = topic(n);
        Revision revision = Revision.tryParse(text(n, "revision")).orElseThrow(
            () -> new IllegalArgumentException("big: \"revision\" is not a canonical revision"));
        JsonNode e = n.get("epoch");
        Epoch epoch = e != null && e.isTextual() && Epoch.isValid(e.asText())
            ? Epoch.of(e.asText()) : null;
        return new Big(topic, revision, epoch);
      }
      case "want": {
        JsonNode topics = n.get("topics");
        if (topics == null || !topics.isArray()) {
          throw new IllegalArgumentException("want: \"topics\" must be an array");
        }
        List<Wanted> list = new ArrayList<>();
        for (JsonNode w : topics) {
          if (!w.isObject()) {
            throw new IllegalArgumentException("want: each topic must be an object");
          }
          list.add(new Wanted(topic(w), text(w, "key")));
        }
        return new Want(List.copyOf(list));
      }
      case "snap":
        return new Snap(topic(n), text(n, "key"));
      default:
        return new Unknown(type);
    }
  }

  private static String text(JsonNode n, String field) {
    JsonNode v = n.get(field);
    if (v == null || !v.isTextual()) {
      throw new IllegalArgumentException("\"" + field + "\" must be a string");
    }
    return v.asText();
  }

  private static String topic(JsonNode n) {
    String topic = text(n, "topic");
    if (!Topics.isValid(topic)) {
      throw new IllegalArgumentException("\"topic\" is not a valid topic");
    }
    return topic;
  }

  /** Encodes an {@code env}; {@code envelopeJson} is a JSON object written by a codec. */
  static byte[] env(String topic, String envelopeJson) {
    try {
      return ("{\"t\":\"env\",\"topic\":" + MAPPER.writeValueAsString(topic) + ",\"body\":"
          + envelopeJson + "}").getBytes(StandardCharsets.UTF_8);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot encode a topic", e);
    }
  }

  /** Encodes a {@code big}. */
  static byte[] big(String topic, CachedEnvelope e) {
    ObjectNode n = MAPPER.createObjectNode().put("t", "big").put("topic", topic)
        .put("revision", e.revision().toString());
    if (e.epoch() != null) {
      n.put("epoch", e.epoch().value());
    }
    return bytes(n);
  }

  /** Encodes a {@code want}. */
  static byte[] want(Collection<Wanted> topics) {
    ObjectNode n = MAPPER.createObjectNode().put("t", "want");
    ArrayNode a = n.putArray("topics");
    for (Wanted w : topics) {
      a.addObject().put("topic", w.topic()).put("key", w.key());
    }
    return bytes(n);
  }

  /** Encodes a {@code snap}. */
  static byte[] snap(String topic, String key) {
    return bytes(MAPPER.createObjectNode().put("t", "snap").put("topic", topic).put("key", key));
  }

  private static byte[] bytes(JsonNode n) {
    try {
      return MAPPER.writeValueAsBytes(n);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot encode a host message", e);
    }
  }
}
