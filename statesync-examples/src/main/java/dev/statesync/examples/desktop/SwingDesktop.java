package dev.statesync.examples.desktop;

import com.fasterxml.jackson.databind.JsonNode;
import dev.statesync.channel.ChannelOptions;
import dev.statesync.core.Revision;
import dev.statesync.examples.support.ChildProcess;
import dev.statesync.examples.support.ChildProcess.ChildFailedException;
import dev.statesync.examples.support.CommandLoop;
import dev.statesync.examples.support.Reports;
import dev.statesync.examples.support.Settings;
import dev.statesync.examples.support.SettingsBackend;
import dev.statesync.examples.support.TempDir;
import java.awt.AWTException;
import java.awt.GraphicsEnvironment;
import java.awt.Rectangle;
import java.awt.Robot;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import javax.imageio.ImageIO;

/**
 * The desktop example: Swing windows in two processes showing the same settings and the same
 * live stream, kept in step by statesync.
 *
 * <p>This process hosts the source of truth ({@link SettingsBackend}, HTTP + SSE) and two windows,
 * {@code Editor} and {@code Preview}; a second JVM (this class, started with {@code window}) shows
 * a third, {@code Monitor}. Each process has one handle ({@code createHttpRevisionSync} in
 * host-coordinated mode: one SSE connection and one GET per change for both processes) applying
 * into a {@code StateHolder} on the event dispatch thread ({@code DispatchedApplier.on(
 * SwingUtilities::invokeLater, ...)}), and every window of the process listens to it. A change
 * applied in any window goes to the backend; the writer offers the response and shows it at once;
 * the other process follows the backend's invalidation. {@code Generate} in the Editor streams a
 * text with a {@code StreamSource}; the Monitor mirrors it with a {@code StreamMirror}.
 *
 * <p>Arguments: none to open the windows and play with them (close the Editor and Preview to
 * quit); {@code --scenario} to play a script (two changes from different processes, a stream),
 * print what every window shows and exit 0 only if all of them agree with the backend;
 * {@code --screenshot <file.png>} to capture the windows at the end of the script (needs a
 * display, for example Xvfb: see {@code statesync-examples/scripts/screenshot.sh}). Without a
 * display, {@code --scenario} runs the same panels without frames.
 */
public final class SwingDesktop {
  private static final Duration WAIT = Duration.ofSeconds(40);
  private static final int WINDOW_WAIT_S = 30;

  private SwingDesktop() {}

  /** Runs the example; see the class comment for the arguments. */
  public static void main(String[] args) {
    if (args.length > 0 && args[0].equals("window")) {
      window(URI.create(args[1]), URI.create(args[2]), args[3], Integer.parseInt(args[4]),
          Boolean.parseBoolean(args[5]));
      return;
    }
    boolean scenario = false;
    Path screenshot = null;
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--scenario" -> scenario = true;
        case "--screenshot" -> {
          if (i + 1 == args.length) {
            usage("--screenshot needs a file name");
          }
          screenshot = Path.of(args[++i]).toAbsolutePath();
          scenario = true;
        }
        default -> usage("unknown argument " + args[i]);
      }
    }
    boolean display = !GraphicsEnvironment.isHeadless();
    if (!display && (!scenario || screenshot != null)) {
      usage("no display: set DISPLAY (or run under Xvfb), or use --scenario alone");
    }
    System.exit(run(System.out, display, scenario, screenshot) ? 0 : 1);
  }

  private static void usage(String problem) {
    System.err.println(problem + "\nusage: SwingDesktop [--scenario] [--screenshot file.png]");
    System.exit(2);
  }

  /**
   * Runs the example, printing to {@code out}.
   *
   * @param frames whether to show the windows on the display (false: the same panels, no frames)
   * @param scenario whether to play the script and return; false waits until the user closed
   *     this process's windows
   * @param screenshot where to write a PNG of the windows at the end of the script, or null
   * @return true if every window showed the backend's settings and the stream's whole text
   */
  public static boolean run(PrintStream out, boolean frames, boolean scenario, Path screenshot) {
    try (TempDir tmp = TempDir.create("ss-desktop-");
        SettingsBackend backend = SettingsBackend.start(Settings.defaults())) {
      ChannelOptions channel = ChannelOptions.builder().runtimeDir(tmp.runtimeDir()).build();
      long pid = ProcessHandle.current().pid();
      String coordination = "desktop-" + tmp.path().getFileName();
      DesktopProcess here = new DesktopProcess("desktop-1", backend.snapshotUri(),
          backend.eventsUri(), channel, coordination,
          List.of("Editor · JVM 1 (pid " + pid + ")", "Preview · JVM 1 (pid " + pid + ")"),
          true, frames, DesktopProcess.GAP);
      ChildProcess other = null;
      try {
        here.start();
        List<String> jvmArgs = new ArrayList<>(List.of("-Dstatesync.runtimeDir="
            + tmp.runtimeDir()));
        if (!frames) {
          jvmArgs.add("-Djava.awt.headless=true");
        }
        other = ChildProcess.start("desktop-2", SwingDesktop.class, jvmArgs,
            List.of("window", backend.snapshotUri().toString(), backend.eventsUri().toString(),
                coordination, String.valueOf(DesktopProcess.GAP + 2 * (DesktopProcess.WIDTH
                    + DesktopProcess.GAP)), String.valueOf(frames)), out::println);
        other.awaitReport("ready", WAIT);
        if (!scenario) {
          out.println("Three windows in two JVMs show the settings of " + backend.baseUri()
              + ". Apply a change in any of them; press Generate in the Editor.");
          out.println("Close the Editor and the Preview to quit.");
          here.awaitFramesClosed();
          return true;
        }
        return new Script(out, backend, here, other).play(screenshot);
      } catch (ChildFailedException | IllegalStateException e) {
        out.println("FAILED: " + e.getMessage());
        return false;
      } finally {
        if (other != null) {
          other.close();
        }
        here.close();
      }
    }
  }

  /** The scripted scenario, driving the windows through their controls as a user would. */
  private record Script(PrintStream out, SettingsBackend backend, DesktopProcess here,
      ChildProcess other) {
    boolean play(Path screenshot) {
      SettingsPanel editor = here.panels().get(0);
      List<String> wrong = new ArrayList<>();

      out.println("== 1. Editor and Preview (JVM 1) and Monitor (JVM 2) open");
      check(wrong);
      int streams = backend.eventStreamsOpened();
      out.println("   the two processes hold " + streams + " SSE connection to the backend");
      if (streams != 1) {
        wrong.add(streams + " SSE connections");
      }

      out.println("== 2. The Editor applies solarized, 16 pt");
      DesktopProcess.onEdt(() -> {
        editor.choose(new Settings("solarized", 16));
        return null;
      });
      here.awaitLastWrite(WAIT);
      check(wrong);

      out.println("== 3. The Monitor (JVM 2) applies dark, 20 pt");
      other.request("apply dark 20", WAIT);
      check(wrong);

      out.println("== 4. The Editor streams a text; the others show it as it is produced");
      DesktopProcess.onEdt(() -> {
        editor.pressGenerate();
        return null;
      });
      List<String> texts = new ArrayList<>(here.awaitStream(WAIT));
      other.request("stream", WAIT).path("texts").forEach(t -> texts.add(t.asText()));
      List<String> names = List.of("Editor", "Preview", "Monitor");
      for (int i = 0; i < texts.size(); i++) {
        boolean same = texts.get(i).equals(DesktopProcess.STREAM_TEXT);
        out.printf("   %-8s %s%n", names.get(i), same ? "shows the whole text"
            : "shows \"" + texts.get(i) + "\"");
        if (!same) {
          wrong.add(names.get(i) + " stream");
        }
      }

      out.println("   the backend served " + backend.snapshotReads() + " snapshot reads for 2"
          + " processes, 3 revisions");
      if (screenshot != null) {
        capture(screenshot);
        out.println("screenshot: " + screenshot);
      }
      out.println(wrong.isEmpty() ? "converged" : "NOT converged: " + String.join(", ", wrong));
      return wrong.isEmpty();
    }

    /** Prints what each window shows; adds those that differ from the backend to wrong. */
    private void check(List<String> wrong) {
      var truth = backend.current();
      String expected = SettingsPanel.shownText(truth);
      String style = truth.data().toString();
      List<String> lines = new ArrayList<>();
      List<String> styles = new ArrayList<>();
      here.awaitShown(truth.revision(), WAIT).forEach(lines::add);
      here.panels().forEach(p -> styles.add(DesktopProcess.onEdt(p::sampleStyle)));
      JsonNode o = other.request("await " + truth.revision() + " " + WINDOW_WAIT_S, WAIT);
      o.path("shown").forEach(n -> lines.add(n.asText()));
      o.path("styles").forEach(n -> styles.add(n.asText()));
      List<String> names = List.of("Editor", "Preview", "Monitor");
      for (int i = 0; i < lines.size(); i++) {
        out.printf("   %-8s %s (drawn %s)%n", names.get(i), lines.get(i), styles.get(i));
        if (!lines.get(i).equals(expected) || !styles.get(i).equals(style)) {
          wrong.add(names.get(i) + " at \"" + lines.get(i) + "\"");
        }
      }
    }

    private void capture(Path file) {
      here.paintNow();
      other.request("paint", WAIT);
      int width = 3 * DesktopProcess.WIDTH + 4 * DesktopProcess.GAP;
      int height = DesktopProcess.HEIGHT + 2 * DesktopProcess.GAP;
      try {
        BufferedImage image = new Robot().createScreenCapture(new Rectangle(0, 0, width, height));
        Files.createDirectories(file.getParent());
        ImageIO.write(image, "png", file.toFile());
      } catch (AWTException e) {
        throw new IllegalStateException("cannot capture the screen: " + e.getMessage(), e);
      } catch (IOException e) {
        throw new UncheckedIOException("cannot write " + file, e);
      }
    }
  }

  /** The second process: one window, the Monitor, driven by the parent's commands. */
  private static void window(URI settingsUri, URI eventsUri, String coordination, int x,
      boolean frames) {
    Reports reports = new Reports(System.out);
    ChannelOptions channel = ChannelOptions.builder().build(); // -Dstatesync.runtimeDir
    long pid = ProcessHandle.current().pid();
    try (DesktopProcess me = new DesktopProcess("desktop-2", settingsUri, eventsUri, channel,
        coordination, List.of("Monitor · JVM 2 (pid " + pid + ")"), false, frames, x)) {
      me.start();
      reports.send(reports.of("ready"));
      SettingsPanel monitor = me.panels().get(0);
      CommandLoop.serve(reports, (verb, args, answer) -> {
        switch (verb) {
          case "await" -> {
            me.awaitShown(Revision.parse(args[0]), Duration.ofSeconds(Long.parseLong(args[1])))
                .forEach(answer.putArray("shown")::add);
            var styles = answer.putArray("styles");
            me.panels().forEach(p -> styles.add(DesktopProcess.onEdt(p::sampleStyle)));
          }
          case "apply" -> {
            DesktopProcess.onEdt(() -> {
              monitor.choose(new Settings(args[0], Integer.parseInt(args[1])));
              return null;
            });
            answer.put("revision",
                me.awaitLastWrite(Duration.ofSeconds(WINDOW_WAIT_S)).revision().toString());
          }
          case "stream" -> me.awaitStream(Duration.ofSeconds(WINDOW_WAIT_S))
              .forEach(answer.putArray("texts")::add);
          case "paint" -> me.paintNow();
          default -> throw new IllegalArgumentException("unknown command " + verb);
        }
      });
    }
  }
}
