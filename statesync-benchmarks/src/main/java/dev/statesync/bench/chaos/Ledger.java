package dev.statesync.bench.chaos;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * What the workers reported, and the invariants checked as the reports arrive: within one process
 * incarnation, each applied revision of a topic is greater than the one before in the same epoch,
 * and each applied value belongs to its revision. It also follows the channel's hub and times
 * failovers: from the {@code kill -9} of the hub to the first report of a new hub.
 */
final class Ledger {
  /** The latest apply of one topic in one incarnation. */
  record Applied(String epoch, long revision, long nanos) {}

  private final Map<String, Applied> latest = new HashMap<>();
  private final List<String> violations = new ArrayList<>();
  private int violationCount;
  private long applies;
  private final Map<String, Long> appliesByOrigin = new HashMap<>();
  private WorkerProcess hub;
  private long hubEpoch;
  private long pendingKillNanos;
  private long pendingOldEpoch;
  private final List<Long> failoverNanos = new ArrayList<>();

  private static String key(WorkerProcess w, String topic) {
    return w.index + "." + w.incarnation + "/" + topic;
  }

  synchronized void report(WorkerProcess w, String line) {
    String[] a = line.split(" ");
    switch (a[0]) {
      case "applied": {
        String topic = a[1];
        String epoch = a[2];
        long revision = Long.parseUnsignedLong(a[3]);
        long value = Long.parseLong(a[4]);
        long nanos = Long.parseLong(a[6]);
        applies++;
        appliesByOrigin.merge(a[5], 1L, Long::sum);
        if (value != revision) {
          violation(w + " applied value " + value + " as revision " + revision + " of " + topic);
        }
        Applied before = latest.get(key(w, topic));
        if (before != null && before.epoch().equals(epoch) && revision <= before.revision()) {
          violation(w + " regressed on " + topic + " in epoch " + epoch + ": applied r"
              + revision + " after r" + before.revision());
        }
        latest.put(key(w, topic), new Applied(epoch, revision, nanos));
        break;
      }
      case "status": {
        long epoch = Long.parseLong(a[2]);
        long nanos = Long.parseLong(a[3]);
        if (a[1].equals("HUB")) {
          if (pendingKillNanos != 0 && epoch > pendingOldEpoch) {
            failoverNanos.add(nanos - pendingKillNanos);
            pendingKillNanos = 0;
          }
          if (epoch >= hubEpoch) {
            hub = w;
            hubEpoch = epoch;
          }
        }
        break;
      }
      default:
        break;
    }
  }

  synchronized void violation(String message) {
    violationCount++;
    if (violations.size() < 50) {
      violations.add(message);
    }
  }

  /** The live hub as last reported, or null. */
  synchronized WorkerProcess hub() {
    return hub != null && hub.alive() ? hub : null;
  }

  /** Marks the start of a failover: the hub is about to be killed. */
  synchronized void hubKilled(long nanos) {
    pendingKillNanos = nanos;
    pendingOldEpoch = hubEpoch;
    hub = null;
  }

  synchronized Applied latest(WorkerProcess w, String topic) {
    return latest.get(key(w, topic));
  }

  synchronized long applies() {
    return applies;
  }

  synchronized Map<String, Long> appliesByOrigin() {
    return new HashMap<>(appliesByOrigin);
  }

  synchronized List<Long> failoverNanos() {
    return new ArrayList<>(failoverNanos);
  }

  synchronized int violationCount() {
    return violationCount;
  }

  synchronized List<String> violations() {
    return new ArrayList<>(violations);
  }
}
