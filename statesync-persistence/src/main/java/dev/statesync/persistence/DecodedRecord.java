package dev.statesync.persistence;

import java.util.Objects;

/**
 * A verified record: its header and its decompressed payload (codec bytes).
 *
 * @param header the verified header
 * @param payload the decompressed payload; the caller owns the array
 */
public record DecodedRecord(RecordHeader header, byte[] payload) {
  /** @throws NullPointerException naming a null component */
  public DecodedRecord {
    Objects.requireNonNull(header, "header");
    Objects.requireNonNull(payload, "payload");
  }
}
