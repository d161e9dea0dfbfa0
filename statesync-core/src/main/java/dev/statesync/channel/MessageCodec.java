package dev.statesync.channel;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Objects;

/**
 * Converts typed messages to and from bytes for {@link BroadcastChannel#post(Object,
 * MessageCodec)} and {@link BroadcastChannel#subscribe(MessageCodec, java.util.function.Consumer)}.
 * Implementations must be thread-safe. A {@code decode} that throws makes the channel skip that
 * listener for that message, log WARN and count a decode failure.
 *
 * @param <T> the message type
 */
public interface MessageCodec<T> {
  /** Encodes a value; may throw an unchecked exception, which {@code post} propagates. */
  byte[] encode(T value);

  /** Decodes bytes; throws an unchecked exception when they are not a valid {@code T}. */
  T decode(byte[] bytes);

  /** A codec for strings as UTF-8. */
  static MessageCodec<String> utf8() {
    return new MessageCodec<>() {
      @Override
      public byte[] encode(String value) {
        return value.getBytes(StandardCharsets.UTF_8);
      }

      @Override
      public String decode(byte[] bytes) {
        return new String(bytes, StandardCharsets.UTF_8);
      }
    };
  }

  /** A JSON codec for {@code type} using a default Jackson {@link ObjectMapper}. */
  static <T> MessageCodec<T> json(Class<T> type) {
    Objects.requireNonNull(type, "type");
    ObjectMapper mapper = new ObjectMapper();
    return new MessageCodec<>() {
      @Override
      public byte[] encode(T value) {
        try {
          return mapper.writeValueAsBytes(value);
        } catch (IOException e) {
          throw new UncheckedIOException(e);
        }
      }

      @Override
      public T decode(byte[] bytes) {
        try {
          return mapper.readValue(bytes, type);
        } catch (IOException e) {
          throw new UncheckedIOException(e);
        }
      }
    };
  }

  /** A JSON codec for a generic type using the given mapper. */
  static <T> MessageCodec<T> json(TypeReference<T> type, ObjectMapper mapper) {
    Objects.requireNonNull(type, "type");
    Objects.requireNonNull(mapper, "mapper");
    return new MessageCodec<>() {
      @Override
      public byte[] encode(T value) {
        try {
          return mapper.writeValueAsBytes(value);
        } catch (IOException e) {
          throw new UncheckedIOException(e);
        }
      }

      @Override
      public T decode(byte[] bytes) {
        try {
          return mapper.readValue(bytes, type);
        } catch (IOException e) {
          throw new UncheckedIOException(e);
        }
      }
    };
  }
}
