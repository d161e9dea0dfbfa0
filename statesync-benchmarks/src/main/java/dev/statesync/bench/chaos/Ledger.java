package dev.statesync.bench.chaos;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * What the workers reported, and the invariants checked as the reports arrive: within one process
 * incarnation, each applied revision of a topic is greater than the one before in the same epoch,
 * and each applied value belongs to its revision. It also follows the leaders and times their
 * failovers: the sync channel's hub ({@link #HUB}), from the {@code kill -9} of the hub to the
 * first report of a new hub, and the host leader of each source's upstream
 * ({@link #upstream(SourceKind)}), from the {@code kill -9} of the leader to the first report of
 * another process leading.
 */
final class Ledger {
  /** The role of the sync channel's hub. */
  static final String HUB = "hub";

  /** The latest apply of one topic in one incarnation. */
  record Applied(String epoch, long revision, long nanos) {}

  /** The latest reported write of a topic. */
  record Write(long revision, long nanos) {}

  /** A leader role: who holds it, and the failover in progress. */
  private static final class Role {
    WorkerProcess holder;
    long epoch;
    /** When the holder reported its leadership, or when it was killed: older reports are stale. */
    long holderNanos;
    long pendingKillNanos;
    long pendingOldEpoch;
    WorkerProcess killed;
    final List<Long> failoverNanos = new ArrayList<>();
  }

  private final Map<String, Applied> latest = new HashMap<>();
  private final List<String> violations = new ArrayList<>();
  private int violationCount;
  private long applies;
  private final Map<String, Long> appliesByOrigin = new HashMap<>();
  private final Map<String, Role> roles = new HashMap<>();
  private final Map<String, Write> lastWrites = new HashMap<>();
  /** Kills of the stream source: its pid, and when. */
  private final Map<Long, Long> streamerKills = new HashMap<>();
  /** Mirrors (incarnation key and source pid) that already showed a killed source's end. */
  private final java.util.Set<String> lostSeen = new java.util.HashSet<>();
  private final List<Long> streamEndNanos = new ArrayList<>();
  private final java.util.Set<String> streamsSeen = new java.util.HashSet<>();
  private long errorsOfLiveSources;
  private final Map<WorkerProcess, String> streamLists = new HashMap<>();
  /** Each mirror's shown stream and status, as last reported. */
  private final Map<WorkerProcess, String[]> shown = new HashMap<>();
  /** (mirror, stream) pairs showing a stream as STREAMING when its source was killed. */
  private final Map<String, WorkerProcess> awaitingEnd = new HashMap<>();
  private long awaitedEnds;
  private long seenEnds;
  private final Map<WorkerProcess, Long> streamListSeq = new HashMap<>();

  /** The role of the host leader of {@code source}'s upstream. */
  static String upstream(SourceKind source) {
    return "upstream-" + source.id;
  }

  private static String key(WorkerProcess w, String topic) {
    return w.index + "." + w.incarnation + "/" + topic;
  }

  private Role role(String name) {
    return roles.computeIfAbsent(name, n -> new Role());
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
          Role hub = role(HUB);
          if (hub.pendingKillNanos != 0 && epoch > hub.pendingOldEpoch) {
            hub.failoverNanos.add(nanos - hub.pendingKillNanos);
            hub.pendingKillNanos = 0;
          }
          if (epoch >= hub.epoch) {
            hub.holder = w;
            hub.epoch = epoch;
          }
        }
        break;
      }
      case "lead": {
        Role up = role(upstream(SourceKind.ofId(a[1])));
        long nanos = Long.parseLong(a[2]);
        if (up.pendingKillNanos != 0 && w != up.killed && nanos > up.pendingKillNanos) {
          up.failoverNanos.add(nanos - up.pendingKillNanos);
          up.pendingKillNanos = 0;
        }
        // Leadership is a lock held until death: the latest report names the live leader. A
        // report pumped late from a process killed since then is older than its kill.
        if (nanos > up.holderNanos) {
          up.holder = w;
          up.holderNanos = nanos;
        }
        break;
      }
      case "mirror": {
        String streamId = a[1];
        streamsSeen.add(streamId);
        long nanos = Long.parseLong(a[3]);
        shown.put(w, new String[] {streamId, a[2]});
        if (ChaosStreams.terminal(a[2])
            && awaitingEnd.remove(w.index + "." + w.incarnation + "/" + streamId) != null) {
          seenEnds++;
        }
        if (a[2].equals("ERROR")) {
          long pid = Long.parseLong(streamId.substring(3, streamId.indexOf('-')));
          Long killed = streamerKills.get(pid);
          if (killed == null) {
            errorsOfLiveSources++;
          } else if (nanos > killed && lostSeen.add(w.index + "." + w.incarnation + "/" + pid)) {
            streamEndNanos.add(nanos - killed);
          }
        }
        break;
      }
      case "mirror-bad":
        violation(w + " showed text that is not a prefix of stream " + a[1] + "'s (length "
            + a[2] + ")");
        break;
      case "mirror-streams":
        streamLists.put(w, line);
        streamListSeq.merge(w, 1L, Long::sum);
        break;
      case "wrote": {
        long revision = Long.parseUnsignedLong(a[2]);
        Write before = lastWrites.get(a[1]);
        if (before == null || revision > before.revision()) {
          lastWrites.put(a[1], new Write(revision, Long.parseLong(a[3])));
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

  /** The live holder of {@code role} as last reported, or null. */
  synchronized WorkerProcess holder(String role) {
    WorkerProcess h = role(role).holder;
    return h != null && h.alive() ? h : null;
  }

  /**
   * Marks the start of a failover if {@code victim} holds {@code role}: it is about to be killed.
   * Returns whether it held it.
   */
  synchronized boolean killing(String role, WorkerProcess victim, long nanos) {
    Role r = role(role);
    if (r.holder != victim || !victim.alive()) {
      return false;
    }
    r.pendingKillNanos = nanos;
    r.pendingOldEpoch = r.epoch;
    r.killed = victim;
    r.holder = null;
    r.holderNanos = Math.max(r.holderNanos, nanos);
    return true;
  }

  /** Records that the stream source in process {@code pid} is about to be killed. */
  synchronized void streamerKilled(long pid, long nanos) {
    streamerKills.put(pid, nanos);
    for (Map.Entry<WorkerProcess, String[]> e : shown.entrySet()) {
      WorkerProcess m = e.getKey();
      String[] s = e.getValue();
      if (m.killedNanos == 0 && m.alive() && s[1].equals("STREAMING")
          && s[0].startsWith(ChaosStreams.sourceId(pid) + "-")) {
        awaitingEnd.put(m.index + "." + m.incarnation + "/" + s[0], m);
        awaitedEnds++;
      }
    }
  }

  /**
   * Records as violations the mirrors, still running, that showed a stream STREAMING when its
   * source was killed and never showed it ended; returns how many of those were awaited and
   * seen, as {@code {awaited, seen}}.
   */
  synchronized long[] checkStreamEnds() {
    for (Map.Entry<String, WorkerProcess> e : awaitingEnd.entrySet()) {
      if (e.getValue().killedNanos == 0) {
        violation("mirror " + e.getKey() + " never showed the end of a stream whose source was "
            + "killed");
      }
    }
    return new long[] {awaitedEnds, seenEnds};
  }

  /** How many stream lists {@code w} answered so far. */
  synchronized long streamListCount(WorkerProcess w) {
    return streamListSeq.getOrDefault(w, 0L);
  }

  /** The last stream list {@code w} answered, or null. */
  synchronized String streamList(WorkerProcess w) {
    return streamLists.get(w);
  }

  /** From each kill of the stream source to each mirror showing its stream ended. */
  synchronized List<Long> streamEndNanos() {
    return new ArrayList<>(streamEndNanos);
  }

  synchronized int streamsSeen() {
    return streamsSeen.size();
  }

  /** Streams a mirror showed as ERROR although their source had not been killed. */
  synchronized long errorsOfLiveSources() {
    return errorsOfLiveSources;
  }

  /** The latest reported write of {@code topic}, or null. */
  synchronized Write lastWrite(String topic) {
    return lastWrites.get(topic);
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

  synchronized List<Long> failoverNanos(String role) {
    return new ArrayList<>(role(role).failoverNanos);
  }

  synchronized int violationCount() {
    return violationCount;
  }

  synchronized List<String> violations() {
    return new ArrayList<>(violations);
  }
}
