package dev.statesync.bench.chaos;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Counts, about every 100 ms, the worker processes that hold an upstream connection to each
 * source, as the source itself sees them: the truth server's open event streams, PostgreSQL's
 * {@code LISTEN} connections in {@code pg_stat_activity}. A source may still list the connection
 * of a process that was killed (until it notices), so a listed process counts only if the
 * controller had not killed it before the sample was complete. In host-coordinated mode the
 * leader is an OS lock that a new leader gets only after the old one died, so two live holders
 * in one sample are a violation there; in direct mode every worker holds its own.
 */
final class UpstreamWatch {
  /** What was seen of one source. */
  static final class Figures {
    long samples;
    int maxLive;
    long withoutHolder;
    long overlaps;
    long failedSamples;
  }

  private final Map<Long, WorkerProcess> byPid = new ConcurrentHashMap<>();
  private final Map<SourceKind, Callable<Set<Long>>> sources = new EnumMap<>(SourceKind.class);
  private final Map<SourceKind, Figures> figures = new EnumMap<>(SourceKind.class);
  private final boolean hostCoordinated;
  private final Ledger ledger;
  private volatile boolean running = true;
  private Thread thread;

  UpstreamWatch(boolean hostCoordinated, Ledger ledger) {
    this.hostCoordinated = hostCoordinated;
    this.ledger = ledger;
  }

  /** Watches {@code source}, whose holders {@code pids} lists. */
  void watch(SourceKind source, Callable<Set<Long>> pids) {
    sources.put(source, pids);
    figures.put(source, new Figures());
  }

  /** Registers a started worker, so that its pid is recognised. */
  void started(WorkerProcess w) {
    byPid.put(w.pid, w);
  }

  void start() {
    thread = new Thread(() -> {
      while (running) {
        for (Map.Entry<SourceKind, Callable<Set<Long>>> e : sources.entrySet()) {
          sample(e.getKey(), e.getValue());
        }
        java.util.concurrent.locks.LockSupport.parkNanos(100_000_000L);
      }
    }, "chaos-upstream-watch");
    thread.setDaemon(true);
    thread.start();
  }

  /** Stops sampling (before the controller kills the workers at the end). */
  void stop() throws InterruptedException {
    running = false;
    if (thread != null) {
      thread.join(30_000);
    }
  }

  private void sample(SourceKind source, Callable<Set<Long>> pids) {
    Figures f;
    synchronized (this) {
      f = figures.get(source);
    }
    Set<Long> listed;
    try {
      listed = pids.call();
    } catch (Exception e) {
      synchronized (this) {
        f.failedSamples++;
      }
      return;
    }
    long complete = System.nanoTime();
    List<WorkerProcess> live = new ArrayList<>();
    for (long pid : listed) {
      WorkerProcess w = byPid.get(pid);
      long killed = w == null ? 0 : w.killedNanos;
      if (w != null && (killed == 0 || killed > complete)) {
        live.add(w);
      }
    }
    synchronized (this) {
      f.samples++;
      f.maxLive = Math.max(f.maxLive, live.size());
      if (live.isEmpty()) {
        f.withoutHolder++;
      }
      if (hostCoordinated && live.size() > 1) {
        f.overlaps++;
        ledger.violation(live.size() + " live processes held an upstream connection to "
            + source.id + " at once: " + live);
      }
    }
  }

  synchronized Map<SourceKind, Figures> figures() {
    return new EnumMap<>(figures);
  }
}
