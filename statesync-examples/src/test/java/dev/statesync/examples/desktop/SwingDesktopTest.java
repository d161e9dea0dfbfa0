package dev.statesync.examples.desktop;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.statesync.channel.ChannelOptions;
import dev.statesync.core.Revision;
import dev.statesync.examples.support.Settings;
import dev.statesync.examples.support.SettingsBackend;
import dev.statesync.examples.support.TempDir;
import java.time.Duration;
import java.util.List;

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
    assertTrue(out.contains("   the two processes hold 1 SSE connection to the backend"), out);
    for (String window : new String[] {"Editor  ", "Preview ", "Monitor "}) {
      assertTrue(out.contains("   " + window + " solarized, 16 pt, revision 2 (drawn solarized/16)"),
          out);
      assertTrue(out.contains("   " + window + " dark, 20 pt, revision 3 (drawn dark/20)"), out);
      assertTrue(out.contains("   " + window + " shows the whole text"), out);
    }
    assertTrue(out.lines().anyMatch("converged"::equals), out);
  }

  @Test
  void aWriteThatFailsIsShownInEveryWindowAndChangesNothing() {
    try (TempDir tmp = TempDir.create("ss-desktop-test-");
        SettingsBackend backend = SettingsBackend.start(Settings.defaults())) {
      ChannelOptions channel = ChannelOptions.builder().runtimeDir(tmp.runtimeDir()).build();
      try (DesktopProcess p = new DesktopProcess("desktop-1", backend.snapshotUri(),
          backend.eventsUri(), channel, "desktop-failing-write", List.of("Editor", "Preview"),
          true, false, 0)) {
        p.start();
        p.awaitShown(Revision.of(1), Duration.ofSeconds(30));
        backend.close(); // the backend is gone: the write cannot be stored

        DesktopProcess.onEdt(() -> {
          p.panels().get(0).choose(new Settings("dark", 20));
          return null;
        });
        IllegalStateException failed = assertThrows(IllegalStateException.class,
            () -> p.awaitLastWrite(Duration.ofSeconds(30)));

        assertTrue(failed.getMessage().startsWith("desktop-1: the write failed: "),
            failed.getMessage());
        // The panels' update was queued before the write's failure was reported.
        List<String> status = DesktopProcess.onEdt(() -> p.panels().stream()
            .map(SettingsPanel::statusText).toList());
        assertTrue(status.stream().allMatch(t -> t.startsWith("write failed: ")),
            status.toString());
        assertEquals(List.of("light/12", "light/12"), DesktopProcess.onEdt(() -> p.panels()
            .stream().map(SettingsPanel::sampleStyle).toList()));
      }
    }
  }
}
