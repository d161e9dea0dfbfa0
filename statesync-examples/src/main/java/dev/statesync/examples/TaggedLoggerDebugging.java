package dev.statesync.examples;

import dev.statesync.core.RevisionSyncHandle;
import dev.statesync.core.RevisionSyncOptions;
import dev.statesync.core.SnapshotApplier;
import dev.statesync.core.StateSync;
import dev.statesync.core.logging.ConsoleLoggerOptions;
import dev.statesync.core.logging.Logger;
import dev.statesync.core.logging.Loggers;
import dev.statesync.examples.support.InMemorySource;
import dev.statesync.examples.support.Settings;
import java.io.PrintStream;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Recipe: debugging with the tagged logger.
 *
 * <p>One console logger with debug lines on, tagged per window with {@link Loggers#tagLogger},
 * so interleaved lines say which window decided what: {@code [debug] [windowId=editor]
 * [session=s1] snapshot applied {revision=2}}. A second window has an applier that fails: its
 * error is logged with its phase and tags, the engine keeps running, and the next change applies.
 * In production, tag an SLF4J adapter ({@code Slf4jLogger.of(LoggerFactory.getLogger(...))})
 * instead of the console logger; the tags become fields of each entry.
 */
public final class TaggedLoggerDebugging {
  private TaggedLoggerDebugging() {}

  /** Runs the example. */
  public static void main(String[] args) {
    System.exit(run(System.out) ? 0 : 1);
  }

  /** Runs the example, printing to {@code out}; true if both windows end on the source. */
  public static boolean run(PrintStream out) {
    Logger console = Loggers.createConsoleLogger(
        ConsoleLoggerOptions.builder().debug(true).out(out).build());
    InMemorySource<Settings> source = new InMemorySource<>("settings", Settings.defaults());
    boolean[] failNext = {false};
    try (RevisionSyncHandle<Settings> editor = window("editor", source, console,
            SnapshotApplier.ofData(s -> { }));
        RevisionSyncHandle<Settings> preview = window("preview", source, console,
            SnapshotApplier.ofData(s -> {
              if (failNext[0]) {
                failNext[0] = false;
                throw new IllegalStateException("preview pane not ready");
              }
            }))) {
      editor.start().join();
      preview.start().join();
      out.println("-- a change; the preview's applier fails once");
      failNext[0] = true;
      source.write(new Settings("dark", 14), "server");
      out.println("-- the next change applies everywhere");
      source.write(new Settings("dark", 16), "server");
      return editor.localRevision().equals(source.current().revision())
          && preview.localRevision().equals(source.current().revision());
    }
  }

  private static Map<String, String> tags(String windowId) {
    Map<String, String> tags = new LinkedHashMap<>(); // tags print in this order
    tags.put("windowId", windowId);
    tags.put("session", "s1");
    return tags;
  }

  private static RevisionSyncHandle<Settings> window(String id, InMemorySource<Settings> source,
      Logger console, SnapshotApplier<Settings> applier) {
    return StateSync.createRevisionSync(RevisionSyncOptions.<Settings>builder()
        .topic("settings")
        .subscriber(source.subscriber())
        .provider(source.provider())
        .applier(applier)
        .executor(Runnable::run) // every step on the caller's thread: the log order is exact
        .logger(Loggers.tagLogger(console, tags(id)))
        .build());
  }
}
