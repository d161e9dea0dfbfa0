package dev.statesync.core;

import dev.statesync.core.testing.VirtualTime;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** A throttler on virtual time that records the time of every fire, for timeline tests. */
final class RecordingThrottler {
  final VirtualTime time = new VirtualTime();
  final List<Long> fireMs = new ArrayList<>();
  final List<Throwable> schedulingFailures = new ArrayList<>();
  final Throttler throttler;

  RecordingThrottler(ThrottlingOptions options) {
    this(options, null);
  }

  RecordingThrottler(ThrottlingOptions options, TaskScheduler scheduler) {
    throttler = Throttler.create(options, () -> fireMs.add(nowMs()),
        scheduler == null ? time : scheduler, time, schedulingFailures::add);
  }

  long nowMs() {
    return TimeUnit.NANOSECONDS.toMillis(time.nanoTime());
  }

  void advanceToMs(long ms) {
    time.advanceTo(TimeUnit.MILLISECONDS.toNanos(ms));
  }

  /** Triggers at each given time (ascending, in ms), running timers due up to each first. */
  void triggerAt(long... times) {
    for (long t : times) {
      advanceToMs(t);
      throttler.trigger();
    }
  }

  /** Triggers at start, start + step, … up to and including end. */
  void triggerEvery(long step, long start, long end) {
    for (long t = start; t <= end; t += step) {
      triggerAt(t);
    }
  }
}
