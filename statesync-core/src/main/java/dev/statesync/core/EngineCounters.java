package dev.statesync.core;

import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A handle's counters. Written from the serial context and (for event receipt and stale drops)
 * from transport threads on the hot path, so every field is atomic or volatile; increments do not
 * allocate.
 */
final class EngineCounters {
  final AtomicLong fetches = new AtomicLong();
  final AtomicLong fetchFailures = new AtomicLong();
  final AtomicLong applies = new AtomicLong();
  final AtomicLong applyFailures = new AtomicLong();
  final AtomicLong coalesced = new AtomicLong();
  final AtomicLong droppedStale = new AtomicLong();
  final AtomicLong droppedSelf = new AtomicLong();
  final AtomicLong droppedByFilter = new AtomicLong();
  /** Events received other than those counted in {@link #fastStaleDrops}. */
  final AtomicLong eventsReceived = new AtomicLong();
  /**
   * Stale events dropped on the lock-free hot path. Each one is both received and dropped, so
   * one increment serves both counters: {@code eventsReceived} and {@code droppedStale} as
   * reported each add this value.
   */
  private final AtomicLong fastStaleDrops = new AtomicLong();
  /** Written with release semantics: a stats reader needs no ordering beyond the value itself. */
  private final AtomicLong lastEventAtMillis = new AtomicLong(Long.MIN_VALUE);
  final AtomicLong protocolErrors = new AtomicLong();
  final AtomicLong errors = new AtomicLong();
  final AtomicLong retries = new AtomicLong();
  final AtomicLong rearms = new AtomicLong();
  final AtomicLong epochResets = new AtomicLong();
  /** The greatest event revision seen in the local epoch, as unsigned bits. */
  private final AtomicLong latestSeen = new AtomicLong();
  volatile long lastAppliedAt = Long.MIN_VALUE;
  volatile long lastErrorAt = Long.MIN_VALUE;
  volatile SyncPhase lastErrorPhase;

  /** Counts a stale event dropped on the hot path as received and as dropped. */
  void fastStaleDrop() {
    fastStaleDrops.incrementAndGet();
  }

  /** Records the receipt time of an event (CORE-36 step 5); no fence beyond a release store. */
  void eventAt(long millis) {
    lastEventAtMillis.lazySet(millis);
  }

  /** Raises latestSeen to {@code revision} if it is greater (unsigned). Lock-free. */
  void advanceLatestSeen(Revision revision) {
    long bits = revision.unsignedBits();
    long current;
    do {
      current = latestSeen.get();
      if (Long.compareUnsigned(bits, current) <= 0) {
        return;
      }
    } while (!latestSeen.compareAndSet(current, bits));
  }

  /** Sets latestSeen after an epoch reset, when the old epoch's revisions no longer compare. */
  void setLatestSeen(Revision revision) {
    latestSeen.set(revision.unsignedBits());
  }

  SyncStats snapshot(boolean hasState, Revision local, boolean inFlight, long droppedNotifications) {
    long fast = fastStaleDrops.get();
    Revision seen = Revision.ofUnsignedBits(latestSeen.get());
    if (local.compareTo(seen) > 0) {
      seen = local;
    }
    long lag = hasState
        ? saturatingUnsignedDifference(seen.unsignedBits(), local.unsignedBits())
        : 0;
    return new SyncStats(fetches.get(), fetchFailures.get(), applies.get(), applyFailures.get(),
        coalesced.get(), droppedStale.get() + fast, droppedSelf.get(), droppedByFilter.get(),
        eventsReceived.get() + fast, protocolErrors.get(), errors.get(), retries.get(),
        rearms.get(), epochResets.get(), droppedNotifications, time(lastEventAtMillis.get()),
        time(lastAppliedAt),
        time(lastErrorAt), Optional.ofNullable(lastErrorPhase), local, seen, inFlight, lag);
  }

  private static long saturatingUnsignedDifference(long a, long b) {
    if (Long.compareUnsigned(a, b) <= 0) {
      return 0;
    }
    long d = a - b;
    return d < 0 ? Long.MAX_VALUE : d; // lag beyond 2^63 - 1 saturates
  }

  private static OptionalLong time(long value) {
    return value == Long.MIN_VALUE ? OptionalLong.empty() : OptionalLong.of(value);
  }
}
