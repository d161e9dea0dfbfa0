package dev.statesync.core.json;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import dev.statesync.core.Topics;
import java.io.IOException;
import java.util.Optional;

/** Reads the top-level {@code topic} member of a raw event and stops there. */
final class TopicPeek {
  /** Opens a parser over the raw input. */
  interface ParserSource {
    JsonParser open() throws IOException;
  }

  private TopicPeek() {}

  /** Returns the valid topic named by the input's first top-level {@code topic} member. */
  static Optional<String> peek(ParserSource source) {
    try (JsonParser p = source.open()) {
      if (p.nextToken() != JsonToken.START_OBJECT) {
        return Optional.empty();
      }
      while (p.nextToken() == JsonToken.FIELD_NAME) {
        boolean isTopic = "topic".equals(p.currentName());
        JsonToken value = p.nextToken();
        if (isTopic) {
          if (value != JsonToken.VALUE_STRING) {
            return Optional.empty();
          }
          String topic = p.getText();
          return Topics.isValid(topic) ? Optional.of(topic) : Optional.empty();
        }
        p.skipChildren();
      }
      return Optional.empty();
    } catch (IOException | RuntimeException e) {
      // A peek is a hint for routing; whatever is wrong with the input is reported by the full
      // decode that follows when the topic is not known to be someone else's.
      return Optional.empty();
    }
  }
}
