package dev.statesync.examples;

import dev.statesync.core.ApplyOrigin;
import dev.statesync.core.InvalidationEvent;
import dev.statesync.core.InvalidationSink;
import dev.statesync.core.InvalidationSubscriber;
import dev.statesync.core.Revision;
import dev.statesync.core.RevisionSyncHandle;
import dev.statesync.core.RevisionSyncOptions;
import dev.statesync.core.SnapshotEnvelope;
import dev.statesync.core.SnapshotProvider;
import dev.statesync.core.StateSync;
import dev.statesync.core.apply.StateHolder;
import dev.statesync.core.SyncStats;
import dev.statesync.core.json.ProtocolCodec;
import dev.statesync.core.logging.ConsoleLoggerOptions;
import dev.statesync.core.logging.Logger;
import dev.statesync.core.logging.Loggers;
import java.io.PrintStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executor;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;

/**
 * Syncs one topic between three "windows" in one JVM and prints their tagged debug logs.
 *
 * <p>Shows: the initial fetch; a write in one window reaching the others through an invalidation
 * (a hint) and a fetch (the truth); the writer dropping its own echo without a fetch because it
 * offered its write response; a burst of 100 writes coalesced into a few fetches; and a final
 * table of each window's counters. Exits 0 only if every window converged on the source.
 *
 * <p>The source of truth is an in-memory store whose provider takes a few milliseconds and whose
 * invalidations travel as JSON, as they would over SSE or a database listener.
 */
public final class QuickstartDemo {
  /** The settings every window shows. */
  public record Settings(String theme, int fontSize) {}

  /** An in-memory source of truth: a revisioned value and JSON invalidations to subscribers. */
  static final class SourceOfTruth {
    private final ProtocolCodec codec = ProtocolCodec.create();
    private final List<InvalidationSink> sinks = new CopyOnWriteArrayList<>();
    private final Executor delivery = Executors.newSingleThreadExecutor(r -> daemon(r, "demo-bus"));
    private final Executor reads = Executors.newSingleThreadExecutor(r -> daemon(r, "demo-store"));
    private SnapshotEnvelope<Settings> current = SnapshotEnvelope.of(Revision.of(1), new Settings("light", 12));

    synchronized SnapshotEnvelope<Settings> current() {
      return current;
    }

    /** Writes a new value, bumps the revision and publishes an invalidation; returns the write response. */
    SnapshotEnvelope<Settings> write(Settings value, String sourceId) {
      SnapshotEnvelope<Settings> written;
      synchronized (this) {
        written = SnapshotEnvelope.of(current.revision().next(), value);
        current = written;
      }
      String json = codec.encodeEvent(
          InvalidationEvent.of("settings", written.revision()).withSourceId(sourceId));
      delivery.execute(() -> sinks.forEach(s -> s.acceptJson(json)));
      return written;
    }

    /** Waits until every invalidation published so far has been delivered. */
    void awaitDelivered() {
      CompletableFuture.runAsync(() -> { }, delivery).join();
    }

    InvalidationSubscriber subscriber() {
      return InvalidationSubscriber.of(sink -> {
        sinks.add(sink);
        return () -> sinks.remove(sink);
      });
    }

    /** A provider that takes 5 ms, like a small HTTP GET. */
    SnapshotProvider<Settings> provider() {
      return () -> CompletableFuture.supplyAsync(() -> {
        pause(5);
        return current();
      }, reads);
    }
  }

  /** One window: a handle and the settings it shows. */
  record Window(String id, RevisionSyncHandle<Settings> sync, StateHolder<Settings> shown) {}

  private QuickstartDemo() {}

  /** Runs the demo; exits 1 if a window did not converge. */
  public static void main(String[] args) {
    System.exit(run(System.out) ? 0 : 1);
  }

  /** Runs the demo, printing to {@code out}; returns true if every window converged. */
  static boolean run(PrintStream out) {
    Logger verbose = Loggers.createConsoleLogger(
        ConsoleLoggerOptions.builder().debug(true).out(out).build());
    Logger quiet = Loggers.createConsoleLogger(ConsoleLoggerOptions.builder().out(out).build());
    AtomicReference<Logger> console = new AtomicReference<>(verbose);
    Logger switchable = new Logger() {
      @Override
      public void debug(String message, Map<String, ?> extra) {
        console.get().debug(message, extra);
      }

      @Override
      public void warn(String message, Map<String, ?> extra) {
        console.get().warn(message, extra);
      }

      @Override
      public void error(String message, Map<String, ?> extra) {
        console.get().error(message, extra);
      }

      @Override
      public boolean isDebugEnabled() {
        return console.get().isDebugEnabled();
      }
    };
    SourceOfTruth source = new SourceOfTruth();
    List<Window> windows = new ArrayList<>();
    for (String id : List.of("main", "settings", "reader")) {
      StateHolder<Settings> shown = StateHolder.create();
      RevisionSyncHandle<Settings> sync = StateSync.createRevisionSync(
          RevisionSyncOptions.<Settings>builder()
              .topic("settings")
              .sourceId(id)
              .ignoreOwnEvents(true) // safe: every write below offers its write response
              .subscriber(source.subscriber())
              .provider(source.provider())
              .applier(shown.applier())
              .logger(Loggers.tagLogger(switchable, Map.of("windowId", id)))
              .build());
      windows.add(new Window(id, sync, shown));
    }

    headline(out, "1. Three windows start and fetch the current settings");
    windows.forEach(w -> w.sync().start().join());

    headline(out, "2. 'settings' writes; it offers its write response, the others fetch");
    Window writer = windows.get(1);
    SnapshotEnvelope<Settings> response = source.write(new Settings("dark", 14), writer.id());
    writer.sync().offer(response, ApplyOrigin.OFFER).join();
    awaitConverged(windows, source);

    headline(out, "3. A burst of 100 writes from 'main' is coalesced (debug lines muted)");
    console.set(quiet);
    long[] before = windows.stream().mapToLong(w -> w.sync().stats().fetches()).toArray();
    Window main = windows.get(0);
    for (int i = 0; i < 100; i++) {
      SnapshotEnvelope<Settings> r = source.write(new Settings("dark", 10 + i % 10), main.id());
      main.sync().offer(r);
    }
    boolean converged = awaitConverged(windows, source);
    source.awaitDelivered();
    console.set(verbose);
    for (int i = 0; i < windows.size(); i++) {
      Window w = windows.get(i);
      out.printf("   %-8s fetched %d time(s) for 100 writes%n", w.id(),
          w.sync().stats().fetches() - before[i]);
    }

    headline(out, "4. Result");
    out.printf("%-9s %9s %7s %7s %12s %11s%n",
        "window", "revision", "applies", "fetches", "droppedStale", "droppedSelf");
    for (Window w : windows) {
      SyncStats s = w.sync().stats();
      out.printf("%-9s %9s %7d %7d %12d %11d%n", w.id(), s.localRevision(), s.applies(),
          s.fetches(), s.droppedStale(), s.droppedSelf());
    }
    windows.forEach(w -> w.sync().close());
    out.println(converged ? "converged" : "NOT converged: a window is behind the source");
    return converged;
  }

  private static boolean awaitConverged(List<Window> windows, SourceOfTruth source) {
    return awaitCondition(Duration.ofSeconds(10), () -> windows.stream().allMatch(w ->
        w.sync().localRevision().equals(source.current().revision())
            && source.current().data().equals(w.shown().get())));
  }

  private static boolean awaitCondition(Duration timeout, BooleanSupplier condition) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        return false;
      }
      pause(2);
    }
    return true;
  }

  private static void headline(PrintStream out, String text) {
    out.println();
    out.println("== " + text);
  }

  private static void pause(long ms) {
    try {
      TimeUnit.MILLISECONDS.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private static Thread daemon(Runnable r, String name) {
    Thread t = new Thread(r, name);
    t.setDaemon(true);
    return t;
  }
}
