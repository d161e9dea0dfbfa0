package dev.statesync.core.json;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.ObjectWriter;
import dev.statesync.core.InvalidationEvent;
import dev.statesync.core.SnapshotEnvelope;
import java.io.IOException;

/** Writes the two wire shapes, members in protocol order, absent optionals omitted. */
final class WireWriter {
  private WireWriter() {}

  static void writeEvent(JsonGenerator gen, InvalidationEvent event) throws IOException {
    gen.writeStartObject();
    gen.writeStringField("topic", event.topic());
    gen.writeStringField("revision", event.revision().toString());
    if (event.sourceId().isPresent()) {
      gen.writeStringField("sourceId", event.sourceId().get());
    }
    if (event.timestampMs().isPresent()) {
      gen.writeNumberField("timestampMs", event.timestampMs().getAsLong());
    }
    if (event.epoch().isPresent()) {
      gen.writeStringField("epoch", event.epoch().get().value());
    }
    gen.writeEndObject();
  }

  static void writeSnapshot(JsonGenerator gen, SnapshotEnvelope<?> envelope, ObjectWriter data)
      throws IOException {
    gen.writeStartObject();
    gen.writeStringField("revision", envelope.revision().toString());
    gen.writeFieldName("data");
    if (envelope.data() == null) {
      gen.writeNull();
    } else {
      data.writeValue(gen, envelope.data());
    }
    if (envelope.epoch().isPresent()) {
      gen.writeStringField("epoch", envelope.epoch().get().value());
    }
    gen.writeEndObject();
  }
}
