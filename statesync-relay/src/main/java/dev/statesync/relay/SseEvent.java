package dev.statesync.relay;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Instant;
import java.util.Objects;

/**
 * One upstream server-sent event as {@link SseCoordinator} delivers it, identical in every process
 * of the host (RELAY-19).
 *
 * @param type the event type ({@code "message"} when the server sent none)
 * @param data the single JSON value {@code rawData} parses to, else a {@code TextNode} of {@code
 *     rawData}
 * @param rawData the event's data lines joined with {@code "\n"}
 * @param id the stream's last event id at dispatch, {@code ""} when there was none
 * @param timestamp the leader's {@link Instant#now()} at dispatch, carried unchanged to every
 *     process
 */
public record SseEvent(String type, JsonNode data, String rawData, String id, Instant timestamp) {
  /** Checks that no component is null. */
  public SseEvent {
    Objects.requireNonNull(type, "type");
    Objects.requireNonNull(data, "data");
    Objects.requireNonNull(rawData, "rawData");
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(timestamp, "timestamp");
  }
}
