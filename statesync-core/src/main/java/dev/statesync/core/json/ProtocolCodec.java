package dev.statesync.core.json;

import com.fasterxml.jackson.core.type.TypeReference;
import dev.statesync.core.SnapshotEnvelope;

/** Placeholder replaced by the codec implementation. */
public final class ProtocolCodec {
  public static ProtocolCodec create() {
    return new ProtocolCodec();
  }

  public <T> SnapshotEnvelope<T> decodeSnapshot(String json, Class<T> type) {
    throw new UnsupportedOperationException();
  }

  public <T> SnapshotEnvelope<T> decodeSnapshot(String json, TypeReference<T> type) {
    throw new UnsupportedOperationException();
  }
}
