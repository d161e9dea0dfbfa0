package dev.statesync.core.engine;

import dev.statesync.core.ApplyOrigin;
import dev.statesync.core.ApplyOutcome;
import dev.statesync.core.Epoch;
import dev.statesync.core.InvalidationEvent;
import dev.statesync.core.InvalidationSink;
import dev.statesync.core.RetryPolicy;
import dev.statesync.core.Revision;
import dev.statesync.core.RevisionSyncHandle;
import dev.statesync.core.RevisionSyncOptions;
import dev.statesync.core.SnapshotEnvelope;
import dev.statesync.core.StateSync;
import dev.statesync.core.SyncStatus;
import dev.statesync.core.ThrottlingOptions;
import dev.statesync.core.logging.Logger;
import dev.statesync.core.logging.Loggers;
import dev.statesync.core.testing.VirtualTime;
import java.io.IOException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * A deterministic virtual-time simulation of one handle driven by a random program (spec §12,
 * properties). It records every violation of CP-1, CP-2, CP-3 and CP-5 as it runs; CP-4 is checked
 * by {@link #quiesce()}.
 */
final class EngineSimulation {
  /** One program step: an operation code and two free parameters. */
  record Step(int op, int a, int b) {
    @Override
    public String toString() {
      return OPS[op % OPS.length] + "(" + a + "," + b + ")";
    }
  }

  static final String[] OPS = {
      "mutate", "resetEpoch", "deliver", "duplicate", "drop", "resync", "completeCurrent",
      "completeStale", "failFetch", "timeOut", "offer", "hydrate", "refresh", "advance", "stop",
      "finishApply",
      // Repeated entries weight the program towards progress, so most runs get past STARTING.
      "mutate", "deliver", "deliver", "completeCurrent", "completeCurrent", "completeCurrent",
      "completeStale", "finishApply", "finishApply", "advance"};

  static final long SNAPSHOT_TIMEOUT_MS = 1000;
  static final int REARM_LIMIT = 3;
  static final String ME = "me";

  private record Fetch(CompletableFuture<SnapshotEnvelope<String>> future,
      SnapshotEnvelope<String> readAtCall) {}

  final VirtualTime time = new VirtualTime();
  final RevisionSyncHandle<String> handle;
  final ThrottlingOptions throttling;
  final RetryPolicy retry;
  final List<String> cp1 = new ArrayList<>();
  final List<String> cp2 = new ArrayList<>();
  final List<String> cp3 = new ArrayList<>();
  final List<String> cp5 = new ArrayList<>();
  final List<CompletableFuture<?>> futures = new ArrayList<>();

  // The source of truth.
  private int epochCounter;
  private Epoch epoch = Epoch.of("e0");
  private Revision revision = Revision.of(1);
  private final List<SnapshotEnvelope<String>> history = new ArrayList<>();
  private final List<InvalidationEvent> pendingEvents = new ArrayList<>();

  // Role doubles.
  private volatile InvalidationSink sink;
  private final Deque<Fetch> fetches = new ArrayDeque<>();
  private int getSnapshotCalls;
  int appliesSeen;
  private final Deque<CompletableFuture<Void>> pendingApplies = new ArrayDeque<>();
  private final boolean asyncApplier;
  private boolean inApply;
  private boolean autoMode;
  private boolean stopReturned;
  private SnapshotEnvelope<String> lastApplied;
  private final List<String> trace = new ArrayList<>();

  EngineSimulation(long seed) {
    SplittableRandom r = new SplittableRandom(seed);
    this.asyncApplier = r.nextBoolean();
    this.throttling = switch (r.nextInt(3)) {
      case 0 -> ThrottlingOptions.none();
      case 1 -> ThrottlingOptions.builder().debounceMs(20).build();
      default -> ThrottlingOptions.builder().throttleMs(50).leading(r.nextBoolean()).build();
    };
    this.retry = RetryPolicy.builder().maxAttempts(1 + r.nextInt(2)).initialDelayMs(100)
        .maxDelayMs(1000).jitter(0).build();
    Logger logger = r.nextBoolean() ? Loggers.noopLogger() : new DiscardingDebugLogger();
    history.add(current());
    handle = StateSync.createRevisionSync(RevisionSyncOptions.<String>builder()
        .topic("settings")
        .subscriber(s -> {
          sink = s;
          return CompletableFuture.completedFuture(() -> { });
        })
        .provider(this::getSnapshot)
        .applier((env, ctx) -> apply(env, ctx.epochReset(), ctx.origin()))
        .ignoreOwnEvents(r.nextBoolean())
        .sourceId(ME)
        .logger(logger)
        .throttling(throttling)
        .retry(retry)
        .snapshotTimeoutMs(SNAPSHOT_TIMEOUT_MS)
        .rearmLimit(REARM_LIMIT)
        .executor(Runnable::run)
        .timeSource(time)
        .scheduler(time)
        .random(new SplittableRandom(seed))
        .build());
  }

  /** A logger with debug enabled that keeps nothing, so the debug (serial) event path runs. */
  private static final class DiscardingDebugLogger implements Logger {
    @Override
    public void debug(String message, Map<String, ?> extra) {}

    @Override
    public void warn(String message, Map<String, ?> extra) {}

    @Override
    public void error(String message, Map<String, ?> extra) {}
  }

  private SnapshotEnvelope<String> current() {
    return SnapshotEnvelope.of(revision, epoch + "/" + revision, epoch);
  }

  private InvalidationEvent currentEvent(String sourceId) {
    InvalidationEvent e = InvalidationEvent.of("settings", revision).withEpoch(epoch);
    return sourceId == null ? e : e.withSourceId(sourceId);
  }

  private CompletionStage<SnapshotEnvelope<String>> getSnapshot() {
    getSnapshotCalls++;
    fetches.removeIf(f -> f.future().isDone());
    if (!fetches.isEmpty()) {
      cp2.add("getSnapshot called while another is outstanding " + trace);
    }
    CompletableFuture<SnapshotEnvelope<String>> f = new CompletableFuture<>();
    if (autoMode) {
      f.complete(current());
      return f;
    }
    fetches.add(new Fetch(f, current()));
    return f;
  }

  private CompletionStage<Void> apply(SnapshotEnvelope<String> env, boolean epochReset,
      ApplyOrigin origin) {
    if (inApply) {
      cp2.add("applier entered concurrently " + trace);
    }
    if (stopReturned) {
      cp3.add("applier entered after stop() returned: " + env + " " + trace);
    }
    if (lastApplied != null && !epochReset) {
      boolean sameEpoch = lastApplied.epoch().equals(env.epoch());
      if (!sameEpoch || !env.revision().isNewerThan(lastApplied.revision())) {
        cp1.add("applied " + env + " (" + origin + ") after " + lastApplied + " without reset "
            + trace);
      }
    }
    lastApplied = env;
    appliesSeen++;
    inApply = true;
    CompletableFuture<Void> done = new CompletableFuture<>();
    if (asyncApplier && !autoMode) {
      pendingApplies.add(done);
    } else {
      inApply = false;
      done.complete(null);
    }
    return done;
  }

  /** Ends a running apply; the flag drops first because completion may start the next apply. */
  private void finishOldestApply() {
    CompletableFuture<Void> a = pendingApplies.poll();
    if (a != null) {
      inApply = false;
      a.complete(null);
    }
  }

  void start() {
    futures.add(handle.start());
  }

  void run(List<Step> program) {
    start();
    for (Step s : program) {
      trace.add(s.toString());
      step(s);
    }
  }

  private void step(Step s) {
    switch (OPS[s.op() % OPS.length]) {
      case "mutate" -> {
        revision = revision.next();
        history.add(current());
        pendingEvents.add(currentEvent(s.a() % 3 == 0 ? ME : s.a() % 3 == 1 ? "peer" : null));
      }
      case "resetEpoch" -> {
        epoch = Epoch.of("e" + (++epochCounter));
        revision = Revision.of(s.a() % 2);
        history.add(current());
        pendingEvents.add(currentEvent(null));
      }
      case "deliver", "duplicate", "drop" -> {
        if (pendingEvents.isEmpty()) {
          return;
        }
        int i = s.a() % pendingEvents.size();
        InvalidationEvent e = OPS[s.op() % OPS.length].equals("duplicate")
            ? pendingEvents.get(i) : pendingEvents.remove(i);
        if (!OPS[s.op() % OPS.length].equals("drop") && sink != null) {
          sink.accept(e);
        }
      }
      case "resync" -> {
        if (sink != null) {
          sink.resync();
        }
      }
      case "completeCurrent", "completeStale" -> {
        fetches.removeIf(f -> f.future().isDone());
        Fetch f = fetches.poll();
        if (f != null) {
          f.future().complete(OPS[s.op() % OPS.length].equals("completeStale") ? f.readAtCall() : current());
        }
      }
      case "failFetch" -> {
        fetches.removeIf(f -> f.future().isDone());
        Fetch f = fetches.poll();
        if (f != null) {
          f.future().completeExceptionally(new IOException("simulated"));
        }
      }
      case "timeOut" -> time.advanceMs(SNAPSHOT_TIMEOUT_MS);
      case "offer" -> {
        SnapshotEnvelope<String> env = history.get(s.a() % history.size());
        futures.add(handle.offer(env, s.b() % 2 == 0 ? ApplyOrigin.OFFER : ApplyOrigin.PEER));
      }
      case "hydrate" -> futures.add(handle.hydrate(history.get(s.a() % history.size())));
      case "refresh" -> refresh();
      case "advance" -> time.advanceMs(s.a() % 600);
      case "stop" -> {
        if (s.a() % 4 == 0) {
          stop();
        }
      }
      case "finishApply" -> finishOldestApply();
      default -> throw new AssertionError(s);
    }
  }

  private void refresh() {
    int callsBefore = getSnapshotCalls;
    CompletableFuture<ApplyOutcome> f = handle.refresh();
    futures.add(f);
    List<String> at = List.copyOf(trace);
    f.whenComplete((outcome, err) -> {
      if (outcome != ApplyOutcome.STOPPED && getSnapshotCalls <= callsBefore) {
        cp5.add("refresh completed " + (err != null ? err : outcome)
            + " without a getSnapshot started after the call " + at);
      }
    });
  }

  void stop() {
    handle.stop();
    stopReturned = true;
  }

  /** CP-3's ending: stop, advance time, let running appliers finish; every future is done. */
  void stopAndDrain() {
    stop();
    time.advanceMs(60_000);
    while (!pendingApplies.isEmpty()) {
      finishOldestApply();
    }
    time.advanceMs(60_000);
    for (CompletableFuture<?> f : futures) {
      if (!f.isDone()) {
        cp3.add("a handle future is still pending after stop " + trace);
      }
    }
  }

  /**
   * CP-4: every later fetch returns the current state and the final event (or a resync) is
   * delivered; after B + maxDelay × (rearmLimit + 2) the handle holds the source's state.
   * Returns a description of the divergence, or null.
   */
  String quiesce(boolean viaResync) {
    if (handle.status() == SyncStatus.STOPPED) {
      return null;
    }
    autoMode = true;
    fetches.removeIf(f -> f.future().isDone());
    while (!fetches.isEmpty()) {
      fetches.poll().future().complete(current());
    }
    while (!pendingApplies.isEmpty()) {
      finishOldestApply();
    }
    if (handle.status() != SyncStatus.RUNNING) {
      start();
    }
    if (viaResync) {
      sink.resync();
    } else {
      sink.accept(currentEvent("peer"));
    }
    time.advanceMs(throttling.maxDelayMs() + retry.maxDelayMs() * (REARM_LIMIT + 2));
    if (!handle.localRevision().equals(revision) || !handle.localEpoch().equals(java.util.Optional.of(epoch))) {
      return "handle at (" + handle.localEpoch().orElse(null) + ", " + handle.localRevision()
          + "), source at (" + epoch + ", " + revision + ") after " + trace;
    }
    return null;
  }
}
