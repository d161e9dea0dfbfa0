package dev.statesync.relay.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.nio.ByteBuffer;
import java.util.Arrays;
import net.jqwik.api.Assume;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;


/** AC-RELAY-23: the binary relay messages round-trip, and unknown types are ignored. */
class WireProperties {
  @Property
  void deltaRoundTripsWithAnyVarints(@ForAll long stream, @ForAll long n, @ForAll String text) {
    String clean = new TextSanitizer().accept(text);
    Wire.Delta d = new Wire.Delta(stream, n, clean);
    assertEquals(d, Wire.decode(ByteBuffer.wrap(Wire.encode(d))));
  }

  @Property
  void statePartRoundTripsWithAnyVarints(@ForAll long stream, @ForAll int part,
      @ForAll String text) {
    String clean = new TextSanitizer().accept(text);
    Wire.StatePart p = new Wire.StatePart(stream, part, clean);
    assertEquals(p, Wire.decode(ByteBuffer.wrap(Wire.encode(p))));
  }

  @Property
  void unknownTypeBytesAreIgnored(@ForAll byte type, @ForAll byte[] body) {
    Assume.that(type < 1 || type > 7);
    byte[] payload = new byte[body.length + 1];
    payload[0] = type;
    System.arraycopy(body, 0, payload, 1, body.length);
    assertNull(Wire.decode(ByteBuffer.wrap(payload)), Arrays.toString(payload));
  }

  @Property
  void utf8LengthMatchesTheEncoder(@ForAll String text) {
    String clean = new TextSanitizer().accept(text);
    assertEquals(clean.getBytes(java.nio.charset.StandardCharsets.UTF_8).length,
        Wire.utf8Length(clean));
  }
}
