package dev.statesync.persistence;

import dev.statesync.core.Epoch;
import dev.statesync.core.Revision;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import java.util.OptionalLong;

/** Test fixtures for records. */
final class Records {
  private Records() {}

  static RecordHeader header(String key, long revision, String epoch, int schemaVersion) {
    return new RecordHeader(key, "topic", Revision.of(revision),
        Optional.ofNullable(epoch).map(Epoch::of), schemaVersion, 1_000L, OptionalLong.empty(),
        "json", "none", 0, Optional.of("writer"));
  }

  static byte[] record(String key, long revision, String epoch, int schemaVersion) {
    return RecordFormat.encode(header(key, revision, epoch, schemaVersion),
        "{\"v\":1}".getBytes(StandardCharsets.UTF_8), Compression.NONE);
  }

  static Revision revisionOf(byte[] record, String key) {
    return RecordFormat.readHeader(record, key).revision();
  }
}
