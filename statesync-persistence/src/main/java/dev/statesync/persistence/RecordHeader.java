package dev.statesync.persistence;

import dev.statesync.core.Epoch;
import dev.statesync.core.Revision;
import dev.statesync.core.Topics;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * The self-describing header of a stored record (format version 1). Immutable.
 *
 * @param key the storage key (topic rules)
 * @param topic the topic of the snapshot
 * @param revision the snapshot revision
 * @param epoch the snapshot epoch, if any
 * @param schemaVersion the data schema version, at least 1
 * @param savedAt wall-clock epoch milliseconds when the record was first encoded
 * @param ttlMs the lifetime configured by the writer, positive when present
 * @param codec the payload codec name, {@code json}
 * @param compression the compression name: {@code none}, {@code gzip} or {@code deflate}
 *     (a decoder reports other names as unsupported)
 * @param payloadBytes the payload length in bytes before compression
 * @param writerId the writing applier's instance id, for diagnostics
 */
public record RecordHeader(
    String key,
    String topic,
    Revision revision,
    Optional<Epoch> epoch,
    int schemaVersion,
    long savedAt,
    OptionalLong ttlMs,
    String codec,
    String compression,
    long payloadBytes,
    Optional<String> writerId) {

  /**
   * Validates the header.
   *
   * @throws NullPointerException naming a null component
   * @throws IllegalArgumentException if the key or topic breaks the topic rules, the schema
   *     version is below 1, the TTL is not positive or {@code payloadBytes} is negative
   */
  public RecordHeader {
    Topics.validate(Objects.requireNonNull(key, "key"));
    Topics.validate(Objects.requireNonNull(topic, "topic"));
    Objects.requireNonNull(revision, "revision");
    Objects.requireNonNull(epoch, "epoch");
    Objects.requireNonNull(ttlMs, "ttlMs");
    Objects.requireNonNull(codec, "codec");
    Objects.requireNonNull(compression, "compression");
    Objects.requireNonNull(writerId, "writerId");
    if (schemaVersion < 1) {
      throw new IllegalArgumentException("schemaVersion must be >= 1, was " + schemaVersion);
    }
    if (ttlMs.isPresent() && ttlMs.getAsLong() <= 0) {
      throw new IllegalArgumentException("ttlMs must be > 0, was " + ttlMs.getAsLong());
    }
    if (payloadBytes < 0) {
      throw new IllegalArgumentException("payloadBytes must be >= 0, was " + payloadBytes);
    }
  }

  /** Returns a copy with another schema version. */
  public RecordHeader withSchemaVersion(int version) {
    return new RecordHeader(key, topic, revision, epoch, version, savedAt, ttlMs, codec,
        compression, payloadBytes, writerId);
  }

  /** Returns a copy with another compression name and uncompressed payload length. */
  public RecordHeader withPayload(String compressionName, long uncompressedBytes) {
    return new RecordHeader(key, topic, revision, epoch, schemaVersion, savedAt, ttlMs, codec,
        compressionName, uncompressedBytes, writerId);
  }
}
