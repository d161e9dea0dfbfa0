package dev.statesync.persistence;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JavaType;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.util.Objects;

/**
 * Encodes the data of a snapshot as UTF-8 JSON with Jackson. Every Java {@code String}
 * round-trips exactly, including supplementary characters and U+0000; a value that cannot be
 * represented exactly fails with {@link PayloadEncodeException} instead of being altered.
 * Immutable and thread-safe; the mapper passed in is copied and never mutated.
 *
 * @param <T> the data type
 */
public final class JsonCodec<T> {
  private final ObjectMapper mapper;
  private final JavaType type;

  private JsonCodec(ObjectMapper mapper, JavaType type) {
    this.mapper = mapper;
    this.type = type;
  }

  /** Returns a codec for {@code type} with a default mapper. */
  public static <T> JsonCodec<T> of(Class<T> type) {
    return of(type, new ObjectMapper());
  }

  /** Returns a codec for {@code type} with a copy of {@code mapper}. */
  public static <T> JsonCodec<T> of(Class<T> type, ObjectMapper mapper) {
    Objects.requireNonNull(type, "type");
    ObjectMapper m = copy(mapper);
    return new JsonCodec<>(m, m.constructType(type));
  }

  /** Returns a codec for {@code type} with a default mapper. */
  public static <T> JsonCodec<T> of(TypeReference<T> type) {
    return of(type, new ObjectMapper());
  }

  /** Returns a codec for {@code type} with a copy of {@code mapper}. */
  public static <T> JsonCodec<T> of(TypeReference<T> type, ObjectMapper mapper) {
    Objects.requireNonNull(type, "type");
    ObjectMapper m = copy(mapper);
    return new JsonCodec<>(m, m.getTypeFactory().constructType(type));
  }

  /** Returns a codec for {@code type} with a copy of {@code mapper}. */
  public static <T> JsonCodec<T> of(JavaType type, ObjectMapper mapper) {
    Objects.requireNonNull(type, "type");
    return new JsonCodec<>(copy(mapper), type);
  }

  private static ObjectMapper copy(ObjectMapper mapper) {
    return Objects.requireNonNull(mapper, "mapper").copy();
  }

  /** Returns {@code json}. */
  public String name() {
    return "json";
  }

  /** Returns the data type. */
  public JavaType type() {
    return type;
  }

  /**
   * Encodes {@code value} as UTF-8 JSON.
   *
   * @throws PayloadEncodeException with the cause if Jackson cannot serialize it
   */
  public byte[] encode(T value) {
    try {
      return mapper.writeValueAsBytes(value);
    } catch (IOException | RuntimeException e) {
      throw new PayloadEncodeException("cannot encode " + type + " as JSON: " + e.getMessage(), e);
    }
  }

  /**
   * Decodes UTF-8 JSON bytes into the data type.
   *
   * @throws PayloadDecodeException with the cause if the bytes do not bind
   */
  public T decode(byte[] bytes) {
    try {
      return mapper.readValue(bytes, type);
    } catch (IOException | RuntimeException e) {
      throw new PayloadDecodeException("cannot decode " + type + ": " + e.getMessage(), e);
    }
  }

  /**
   * Parses UTF-8 JSON bytes into a tree.
   *
   * @throws PayloadDecodeException with the cause if the bytes are not JSON
   */
  public JsonNode toTree(byte[] bytes) {
    try {
      return mapper.readTree(bytes);
    } catch (IOException | RuntimeException e) {
      throw new PayloadDecodeException("payload is not JSON: " + e.getMessage(), e);
    }
  }

  /**
   * Binds a tree to the data type.
   *
   * @throws PayloadDecodeException with the cause if the tree does not bind
   */
  public T fromTree(JsonNode tree) {
    try {
      return mapper.treeToValue(tree, type);
    } catch (IOException | RuntimeException e) {
      throw new PayloadDecodeException("cannot bind " + type + ": " + e.getMessage(), e);
    }
  }

  /** Returns the tree of {@code value}. */
  public JsonNode valueToTree(T value) {
    try {
      return mapper.valueToTree(value);
    } catch (RuntimeException e) {
      throw new PayloadEncodeException("cannot encode " + type + ": " + e.getMessage(), e);
    }
  }

  /** Returns the UTF-8 JSON of a tree. */
  public byte[] encodeTree(JsonNode tree) {
    try {
      return mapper.writeValueAsBytes(tree);
    } catch (IOException | RuntimeException e) {
      throw new PayloadEncodeException("cannot encode tree: " + e.getMessage(), e);
    }
  }
}
