package dev.statesync.examples.desktop;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.GraphicsEnvironment;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/**
 * Plays the desktop example's script with a real second JVM: in frames when this JVM has a
 * display (under Xvfb, for example), else with the same Swing panels on the event dispatch
 * thread without frames. Either way it reads what the Swing components show.
 */
class SwingDesktopTest {
  @Test
  void threeWindowsInTwoJvmsShowTheSameSettingsAndTheSameStream() {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    boolean frames = !GraphicsEnvironment.isHeadless();
    boolean ok = SwingDesktop.run(new PrintStream(bytes, true, StandardCharsets.UTF_8), frames,
        true, null);
    String out = bytes.toString(StandardCharsets.UTF_8);

    assertTrue(ok, out);
    for (String window : new String[] {"Editor  ", "Preview ", "Monitor "}) {
      assertTrue(out.contains("   " + window + " solarized, 16 pt, revision 2 (drawn solarized/16)"),
          out);
      assertTrue(out.contains("   " + window + " dark, 20 pt, revision 3 (drawn dark/20)"), out);
      assertTrue(out.contains("   " + window + " shows the whole text"), out);
    }
    assertTrue(out.lines().anyMatch("converged"::equals), out);
  }
}
