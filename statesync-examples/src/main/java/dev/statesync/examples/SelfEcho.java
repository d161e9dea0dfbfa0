package dev.statesync.examples;

import dev.statesync.core.RevisionSyncHandle;
import dev.statesync.core.RevisionSyncOptions;
import dev.statesync.core.SnapshotEnvelope;
import dev.statesync.core.StateSync;
import dev.statesync.core.SyncStats;
import dev.statesync.core.apply.StateHolder;
import dev.statesync.core.logging.ConsoleLoggerOptions;
import dev.statesync.core.logging.Logger;
import dev.statesync.core.logging.Loggers;
import dev.statesync.examples.support.InMemorySource;
import dev.statesync.examples.support.Settings;
import java.io.PrintStream;
import java.util.Map;

/**
 * Recipe: a writer drops its own echo without a fetch, by {@code sourceId} or by the revision
 * gate.
 *
 * <p>When a window writes, the source announces the change to everyone, the writer included. The
 * writer already holds the new state (the write response), so the echo must not cost it a fetch.
 * Two ways, shown with one window each:
 *
 * <ul>
 *   <li><b>By sourceId</b> ({@code window-a}, {@code ignoreOwnEvents(true)}): the write carries
 *       the window's id, the source puts it in the invalidation, and the window ignores events
 *       with its own id, even one that arrives before the write response. Only safe if every
 *       write's response is offered, or the window would miss its own change.
 *   <li><b>By the revision gate</b> ({@code window-b}, the default): the window offers its write
 *       response first; the echo then carries a revision that is not newer and is dropped. No
 *       id is needed, but an echo that overtakes the response causes one fetch.
 * </ul>
 */
public final class SelfEcho {
  private SelfEcho() {}

  /** Runs the example; exits 1 if a window fetched for its own write. */
  public static void main(String[] args) {
    System.exit(run(System.out) ? 0 : 1);
  }

  /** Runs the example, printing to {@code out}; true if no echo caused a fetch. */
  public static boolean run(PrintStream out) {
    InMemorySource<Settings> source = new InMemorySource<>("settings", Settings.defaults());
    Logger console =
        Loggers.createConsoleLogger(ConsoleLoggerOptions.builder().debug(true).out(out).build());
    try (RevisionSyncHandle<Settings> a = window(source, "window-a", true, console);
        RevisionSyncHandle<Settings> b = window(source, "window-b", false, console)) {
      a.start().join();
      b.start().join();

      out.println("-- window-a writes; its echo arrives before the write response");
      SnapshotEnvelope<Settings> responseA = source.write(new Settings("dark", 14), "window-a");
      a.offer(responseA).join();

      out.println("-- window-b writes; it offers the write response before the echo arrives");
      SnapshotEnvelope<Settings> responseB = source.store(new Settings("dark", 16));
      b.offer(responseB).join();
      source.announce(responseB.revision(), "window-b");

      SyncStats sa = a.stats();
      SyncStats sb = b.stats();
      out.printf("window-a: %d fetches (start, window-b's write), droppedSelf=%d%n",
          sa.fetches(), sa.droppedSelf());
      out.printf("window-b: %d fetches (start, window-a's write), droppedStale=%d%n",
          sb.fetches(), sb.droppedStale());
      return sa.fetches() == 2 && sa.droppedSelf() == 1 && sb.fetches() == 2
          && sb.droppedStale() == 1
          && a.localRevision().equals(source.current().revision())
          && b.localRevision().equals(source.current().revision());
    }
  }

  private static RevisionSyncHandle<Settings> window(InMemorySource<Settings> source, String id,
      boolean ignoreOwnEvents, Logger console) {
    return StateSync.createRevisionSync(RevisionSyncOptions.<Settings>builder()
        .topic("settings")
        .sourceId(id)
        .ignoreOwnEvents(ignoreOwnEvents)
        .subscriber(source.subscriber())
        .provider(source.provider())
        .applier(StateHolder.<Settings>create().applier())
        .executor(Runnable::run) // every step on the caller's thread: the log order is exact
        .logger(Loggers.tagLogger(console, Map.of("windowId", id)))
        .build());
  }
}
