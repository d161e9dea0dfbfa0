package dev.statesync.examples;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class QuickstartDemoTest {
  @Test
  void everyWindowConvergesAndLogsWithItsTag() {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    boolean converged = QuickstartDemo.run(new PrintStream(bytes, true, StandardCharsets.UTF_8));
    String out = bytes.toString(StandardCharsets.UTF_8);

    assertTrue(converged, out);
    assertTrue(out.contains("[debug] [windowId=settings] snapshot applied {revision=2, origin=OFFER}"), out);
    assertTrue(out.contains("[debug] [windowId=reader] snapshot applied {revision=2}"), out);
    // The writer's own echo may arrive before or after its offer; either way it costs no fetch.
    assertTrue(out.contains("[debug] [windowId=settings] event skipped (not newer) {revision=2}")
        || out.contains("[debug] [windowId=settings] event skipped (own source) {revision=2}"), out);
    assertFalse(out.contains("[debug] [windowId=settings] event triggered refresh {revision=2}"), out);
    assertTrue(out.lines().anyMatch(l -> l.equals("converged")), out);
  }
}
