package dev.statesync.examples;

import dev.statesync.channel.ChannelOptions;
import dev.statesync.examples.support.TempDir;
import dev.statesync.relay.MirrorOptions;
import dev.statesync.relay.StreamMirror;
import dev.statesync.relay.StreamSource;
import dev.statesync.relay.StreamState;
import java.io.PrintStream;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * Recipe: per-session channel names. Two users' sessions ({@code alice}, {@code bob}) stream at
 * the same time on one host. Each session's source and mirrors use the channel
 * {@code "answer-" + sessionId}, so a session's windows see only their own session's text: the
 * name is the whole isolation, nothing else needs filtering.
 *
 * <p>(The sources and mirrors share one JVM here for brevity; across processes the code is the
 * same, as in {@link LiveStreamWidgets}.)
 */
public final class PerSessionChannels {
  private static final Duration WAIT = Duration.ofSeconds(30);

  private PerSessionChannels() {}

  /** Runs the example; exits 1 if a session saw another session's text. */
  public static void main(String[] args) {
    System.exit(run(System.out) ? 0 : 1);
  }

  /** The channel of one session's answer. */
  static String channelFor(String sessionId) {
    return "answer-" + sessionId;
  }

  /** Runs the example, printing to {@code out}; true if each session saw only its own text. */
  public static boolean run(PrintStream out) {
    try (TempDir tmp = TempDir.create("ss-sessions-")) {
      ChannelOptions channel = ChannelOptions.builder().runtimeDir(tmp.runtimeDir()).build();
      MirrorOptions mirrorOptions = MirrorOptions.builder().channelOptions(channel).build();
      try (StreamSource alice = new StreamSource("alice", null);
          StreamSource bob = new StreamSource("bob", null);
          StreamMirror aliceWindow = new StreamMirror(channelFor("alice"), mirrorOptions);
          StreamMirror bobWindow = new StreamMirror(channelFor("bob"), mirrorOptions)) {
        alice.broadcast(channelFor("alice"), channel);
        bob.broadcast(channelFor("bob"), channel);

        alice.start();
        bob.start();
        for (String word : "the weather in Lyon is mild".split(" ")) {
          alice.append(word + " ");
          bob.append(word.toUpperCase() + " ");
        }
        alice.complete();
        bob.complete();

        StreamState a = aliceWindow.awaitTerminal().get(WAIT.toSeconds(), TimeUnit.SECONDS);
        StreamState b = bobWindow.awaitTerminal().get(WAIT.toSeconds(), TimeUnit.SECONDS);
        out.printf("alice's window (%s): %s%n", channelFor("alice"), a.text().strip());
        out.printf("bob's window   (%s): %s%n", channelFor("bob"), b.text().strip());
        boolean isolated = a.text().equals(alice.text()) && b.text().equals(bob.text())
            && a.sourceId().equals("alice") && b.sourceId().equals("bob")
            && aliceWindow.streams().size() == 1 && bobWindow.streams().size() == 1;
        out.println(isolated ? "each session saw only its own stream"
            : "a session saw another session's stream");
        return isolated;
      } catch (Exception e) {
        out.println("FAILED: " + e);
        return false;
      }
    }
  }
}
