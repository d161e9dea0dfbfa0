package dev.statesync.examples;

import dev.statesync.channel.ChannelOptions;
import dev.statesync.examples.support.ChildProcess;
import dev.statesync.examples.support.CommandLoop;
import dev.statesync.examples.support.Reports;
import dev.statesync.examples.support.TempDir;
import dev.statesync.relay.MirrorOptions;
import dev.statesync.relay.StreamMirror;
import dev.statesync.relay.StreamSource;
import dev.statesync.relay.StreamState;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.SubmissionPublisher;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Recipe: presentation mode and a background progress widget, as live stream mirrors.
 *
 * <p>A producer JVM (this class, started with {@code producer}) generates a text, as a model
 * answering a prompt would, and broadcasts it with a {@link StreamSource}. This process shows it
 * twice, with no request of its own: a presentation view that prints the whole text as it grows,
 * and a progress widget that prints only a word count and the status. Both are
 * {@link StreamMirror}s of the same channel; they end with the source's exact text.
 */
public final class LiveStreamWidgets {
  static final String TEXT = "Mirrors show the same text as the source, word by word, "
      + "without asking for it";
  private static final Duration WAIT = Duration.ofSeconds(40);

  private LiveStreamWidgets() {}

  /** Runs the example, or the producer when the first argument is {@code producer}. */
  public static void main(String[] args) {
    if (args.length > 0 && args[0].equals("producer")) {
      producer(Path.of(args[1]));
      return;
    }
    System.exit(run(System.out) ? 0 : 1);
  }

  /** Runs the example, printing to {@code out}; true if both mirrors end with the text. */
  public static boolean run(PrintStream out) {
    try (TempDir tmp = TempDir.create("ss-stream-")) {
      MirrorOptions options = MirrorOptions.builder()
          .channelOptions(ChannelOptions.builder().runtimeDir(tmp.runtimeDir()).build()).build();
      try (StreamMirror presentation = new StreamMirror("answer", options);
          StreamMirror progress = new StreamMirror("answer", options);
          ChildProcess producer = ChildProcess.start("producer", LiveStreamWidgets.class,
              List.of(), List.of("producer", tmp.runtimeDir().toString()), out::println)) {
        // A mirror also reports changes that do not alter what these widgets show (the source
        // closing after it finished, for example); each widget prints only what it displays.
        AtomicReference<String> shownText = new AtomicReference<>("");
        presentation.onChange(s -> {
          if (!s.text().equals(shownText.getAndSet(s.text()))) {
            out.println("[presentation] " + s.text());
          }
        });
        AtomicReference<String> shownProgress = new AtomicReference<>("");
        progress.onChange(s -> {
          String line = String.format("[progress] %2d words, %s", words(s),
              s.status().name().toLowerCase());
          if (s.streamId() != null && !line.equals(shownProgress.getAndSet(line))) {
            out.println(line);
          }
        });
        producer.awaitReport("ready", WAIT);
        producer.request("generate", WAIT);
        StreamState shown = presentation.awaitTerminal().get(WAIT.toSeconds(), TimeUnit.SECONDS);
        StreamState counted = progress.awaitTerminal().get(WAIT.toSeconds(), TimeUnit.SECONDS);
        out.println("presentation and progress widget end " + shown.status() + " with the "
            + "producer's text: " + (TEXT.equals(shown.text()) && TEXT.equals(counted.text())));
        return shown.done() && TEXT.equals(shown.text()) && TEXT.equals(counted.text());
      } catch (Exception e) {
        out.println("FAILED: " + e);
        return false;
      }
    }
  }

  private static int words(StreamState s) {
    return s.text().isBlank() ? 0 : s.text().strip().split("\\s+").length;
  }

  private static void producer(Path runtimeDir) {
    Reports reports = new Reports(System.out);
    try (StreamSource source = new StreamSource()) {
      source.broadcast("answer", ChannelOptions.builder().runtimeDir(runtimeDir).build());
      reports.send(reports.of("ready"));
      CommandLoop.serve(reports, (verb, args, answer) -> {
        // A generator publishing one word every 50 ms: the pace of production, not a wait.
        SubmissionPublisher<String> tokens = new SubmissionPublisher<>();
        CompletableFuture<?> fed = source.feed(tokens);
        String[] words = TEXT.split(" ");
        for (int i = 0; i < words.length; i++) {
          TimeUnit.MILLISECONDS.sleep(50);
          tokens.submit((i == 0 ? "" : " ") + words[i]);
        }
        tokens.close();
        fed.get(WAIT.toSeconds(), TimeUnit.SECONDS);
      });
    }
  }
}
