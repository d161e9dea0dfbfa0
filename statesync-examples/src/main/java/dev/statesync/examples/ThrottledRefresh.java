package dev.statesync.examples;

import dev.statesync.core.RevisionSyncHandle;
import dev.statesync.core.RevisionSyncOptions;
import dev.statesync.core.SnapshotProvider;
import dev.statesync.core.StateSync;
import dev.statesync.core.ThrottlingOptions;
import dev.statesync.core.apply.StateHolder;
import dev.statesync.core.testing.VirtualTime;
import dev.statesync.examples.support.InMemorySource;
import dev.statesync.examples.support.Settings;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Recipe: throttled refresh. A source changes every 10 ms for one second (100 invalidations);
 * three handles follow it with different {@link ThrottlingOptions}, and the example prints when
 * each one fetched:
 *
 * <ul>
 *   <li>none: every event that finds the handle idle fetches (with an instant provider, all);
 *   <li>{@code throttleMs(250)}: at most one fetch per 250 ms, the first at once (leading) and
 *       one after the last event (trailing), so the final state is never lost;
 *   <li>{@code debounceMs(100).maxWaitMs(300)}: fetch 100 ms after the events stop, but at
 *       least every 300 ms while they keep coming.
 * </ul>
 *
 * Every handle ends on the final revision. Time is a {@link VirtualTime} (the test kit's manual
 * clock), so the timeline printed is exact and the same on every machine.
 */
public final class ThrottledRefresh {
  private ThrottledRefresh() {}

  /** Runs the example; exits 1 if a handle did not end on the final revision. */
  public static void main(String[] args) {
    System.exit(run(System.out) ? 0 : 1);
  }

  /** Runs the example, printing to {@code out}; true if every handle converged. */
  public static boolean run(PrintStream out) {
    VirtualTime time = new VirtualTime();
    InMemorySource<Settings> source = new InMemorySource<>("settings", Settings.defaults());
    Map<String, ThrottlingOptions> configs = new LinkedHashMap<>();
    configs.put("none", ThrottlingOptions.none());
    configs.put("throttleMs(250)", ThrottlingOptions.builder().throttleMs(250).build());
    configs.put("debounceMs(100).maxWaitMs(300)",
        ThrottlingOptions.builder().debounceMs(100).maxWaitMs(300).build());

    Map<String, List<Long>> fetchedAt = new LinkedHashMap<>();
    List<RevisionSyncHandle<Settings>> handles = new ArrayList<>();
    configs.forEach((name, throttling) -> {
      List<Long> times = new ArrayList<>();
      fetchedAt.put(name, times);
      SnapshotProvider<Settings> read = source.provider();
      RevisionSyncHandle<Settings> h = StateSync.createRevisionSync(
          RevisionSyncOptions.<Settings>builder()
              .topic("settings")
              .subscriber(source.subscriber())
              .provider(() -> {
                times.add(TimeUnit.NANOSECONDS.toMillis(time.nanoTime()));
                return read.getSnapshot();
              })
              .applier(StateHolder.<Settings>create().applier())
              .throttling(throttling)
              .executor(Runnable::run)
              .timeSource(time)
              .scheduler(time)
              .build());
      h.start();
      time.runDueTasks();
      times.clear(); // count the fetches caused by the writes, not the initial one
      handles.add(h);
    });

    for (int i = 0; i < 100; i++) {
      source.write(new Settings("dark", 10 + i % 20), "writer");
      time.advanceMs(10);
    }
    time.advanceMs(1_000);

    boolean converged = true;
    for (int i = 0; i < handles.size(); i++) {
      String name = new ArrayList<>(configs.keySet()).get(i);
      List<Long> times = fetchedAt.get(name);
      out.printf("%-31s %3d fetches%s%n", name, times.size(),
          times.size() <= 8 ? ", at ms " + times : "");
      converged &= handles.get(i).localRevision().equals(source.current().revision());
      handles.get(i).close();
    }
    out.println(converged ? "every handle shows revision " + source.current().revision()
        : "a handle is behind revision " + source.current().revision());
    return converged;
  }
}
