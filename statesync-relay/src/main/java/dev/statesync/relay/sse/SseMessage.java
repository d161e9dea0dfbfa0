package dev.statesync.relay.sse;

import java.util.Objects;

/**
 * One dispatched {@code text/event-stream} message, as {@link SseParser} emits it.
 *
 * @param type the {@code event} field of the message, or {@code "message"} when it had none
 * @param data the {@code data} lines joined with {@code "\n"}, without a trailing newline; never
 *     empty of lines (a message with no {@code data} field is never emitted), but may be {@code ""}
 *     when the only data line was empty
 * @param lastEventId the stream's last event id at dispatch: the value of the most recent
 *     accepted {@code id} field in this or an earlier message, or {@code ""} when there was none
 * @param hasId whether this message itself carried an accepted {@code id} field
 */
public record SseMessage(String type, String data, String lastEventId, boolean hasId) {
  /**
   * Creates a message.
   *
   * @throws NullPointerException if {@code type}, {@code data} or {@code lastEventId} is null
   */
  public SseMessage {
    Objects.requireNonNull(type, "type");
    Objects.requireNonNull(data, "data");
    Objects.requireNonNull(lastEventId, "lastEventId");
  }
}
