package dev.statesync.core;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.statesync.core.testing.VirtualTime;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;

/** CP-6 and CORE-51 (a)-(c) for arbitrary trigger times and valid options, on virtual time. */
class ThrottlerProperties {

  /** One trigger or fire, in the order it happened, with its virtual time in ms. */
  private record Event(boolean fire, long ms) {}

  @Property
  void everyTriggerIsFollowedByAFireWithinTheBound(
      @ForAll("options") ThrottlingOptions options,
      @ForAll @Size(min = 1, max = 30) List<@IntRange(min = 0, max = 300) Integer> gaps) {
    List<Event> events = run(options, gaps);
    long bound = options.maxDelayMs();
    for (int i = 0; i < events.size(); i++) {
      Event e = events.get(i);
      if (e.fire()) {
        continue;
      }
      Event next = nextFire(events, i);
      assertTrue(next != null, "trigger at " + e.ms() + " never fired; " + options + " " + events);
      assertTrue(next.ms() - e.ms() <= bound, "trigger at " + e.ms() + " fired at " + next.ms()
          + ", over B=" + bound + "; " + options + " " + events);
    }
  }

  @Property
  void firesAreAtLeastTheThrottleWindowApart(
      @ForAll("options") ThrottlingOptions options,
      @ForAll @Size(min = 1, max = 30) List<@IntRange(min = 0, max = 300) Integer> gaps) {
    long previous = Long.MIN_VALUE;
    for (Event e : run(options, gaps)) {
      if (e.fire()) {
        assertTrue(previous == Long.MIN_VALUE || e.ms() - previous >= options.throttleMs(),
            "fires at " + previous + " and " + e.ms() + "; " + options);
        previous = e.ms();
      }
    }
  }

  @Property
  void noTriggerIsLeftUncoveredAndFiresNeverOutnumberTriggers(
      @ForAll("options") ThrottlingOptions options,
      @ForAll @Size(min = 1, max = 30) List<@IntRange(min = 0, max = 300) Integer> gaps) {
    List<Event> events = run(options, gaps);
    // A trigger may still be in the debounce stage when an earlier one fires, so a fire covers a
    // prefix of the triggers: never more fires than triggers so far, and the last event a fire.
    int triggers = 0;
    int fires = 0;
    for (Event e : events) {
      if (e.fire()) {
        fires++;
        assertTrue(fires <= triggers, "a fire with no trigger to cover: " + options + " " + events);
      } else {
        triggers++;
      }
    }
    assertTrue(events.get(events.size() - 1).fire(),
        "triggers left without a later fire: " + options + " " + events);
  }

  @Provide
  Arbitrary<ThrottlingOptions> options() {
    Arbitrary<Integer> debounce = Arbitraries.oneOf(Arbitraries.just(0),
        Arbitraries.integers().between(1, 200));
    Arbitrary<Integer> throttle = Arbitraries.oneOf(Arbitraries.just(0),
        Arbitraries.integers().between(1, 200));
    Arbitrary<Integer> extraWait = Arbitraries.integers().between(-1, 400); // -1: M unset
    Arbitrary<Integer> edges = Arbitraries.integers().between(0, 2); // both, leading, trailing
    return Combinators.combine(debounce, throttle, extraWait, edges).as((d, t, m, e) -> {
      ThrottlingOptions.Builder b = ThrottlingOptions.builder().debounceMs(d).throttleMs(t)
          .leading(e != 2).trailing(e != 1);
      if (d > 0 && m >= 0) {
        b.maxWaitMs(d + m);
      }
      return b.build();
    });
  }

  private static List<Event> run(ThrottlingOptions options, List<Integer> gaps) {
    VirtualTime time = new VirtualTime();
    List<Event> events = new ArrayList<>();
    Throttler throttler = Throttler.create(options, () -> events.add(new Event(true, ms(time))),
        time, time, e -> {
          throw new AssertionError("VirtualTime never fails to schedule", e);
        });
    long at = 0;
    for (int gap : gaps) {
      at += gap;
      time.advanceMs(at - ms(time));
      events.add(new Event(false, at));
      throttler.trigger();
    }
    time.advanceMs(options.maxDelayMs() + 1);
    assertFalse(throttler.hasPending(), "still pending after B: " + options + " " + events);
    assertTrue(time.pendingTasks() == 0, "a timer left behind: " + options);
    return events;
  }

  private static Event nextFire(List<Event> events, int from) {
    for (int i = from + 1; i < events.size(); i++) {
      if (events.get(i).fire()) {
        return events.get(i);
      }
    }
    return null;
  }

  private static long ms(VirtualTime time) {
    return TimeUnit.NANOSECONDS.toMillis(time.nanoTime());
  }
}
