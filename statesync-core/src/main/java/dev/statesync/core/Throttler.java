package dev.statesync.core;

import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * Shapes a stream of triggers into fires, as configured by {@link ThrottlingOptions}: an optional
 * debounce stage (D with maximum wait M_eff) whose emissions feed an optional throttle stage
 * (window T, leading and trailing fires). With D = T = 0 it is a pass-through.
 *
 * <p><b>Guarantees.</b>
 *
 * <ul>
 *   <li>Every trigger at time t is followed by a fire at some f with t ≤ f ≤ t + B, where B is
 *       {@link ThrottlingOptions#maxDelayMs()}; a continuous stream of triggers cannot starve it.
 *   <li>With T &gt; 0, consecutive fires are at least T apart (except {@link #flush()} and the
 *       scheduling-failure fallback, which fire at once).
 *   <li>A fire covers every trigger since the previous fire; no trigger is dropped without a later
 *       fire, also when trailing is off: the held input then fires one window later unless a
 *       leading fire for a new input comes first.
 *   <li>Only {@link TimeSource#nanoTime()} is read, so wall-clock jumps have no effect.
 *   <li>A timer due at the same instant as a trigger is handled first; the trigger also catches up
 *       on any timer that is overdue but has not run yet.
 * </ul>
 *
 * <p><b>Threads.</b> All methods are thread-safe and may be called from any thread, including from
 * {@code onFire}. {@code onFire} runs on the thread of a {@link #trigger()} or {@link #flush()}
 * call (always, in pass-through) or on the scheduler's thread when a timer fires. It never
 * overlaps itself: a fire that becomes due while {@code onFire} runs is run by that same thread
 * right after, without recursion. No lock is held while {@code onFire} runs. It should be short,
 * typically handing work to a serial context. If it throws, the remaining due fires still run and
 * the first exception is then rethrown to the caller (or the scheduler thread).
 *
 * <p>The scheduler must run tasks only after {@code schedule} returns, never inside it (both
 * {@link TaskScheduler#shared()} and {@code VirtualTime} do so), because timers are scheduled while
 * internal state is locked.
 *
 * <p><b>After {@link #dispose()}</b>, timers are cancelled, pending input is dropped, triggers and
 * flushes are ignored and {@code onFire} is not called again, apart from an invocation already
 * running on another thread.
 */
public final class Throttler {
  // Keeps deadline arithmetic (now + duration) far from overflow; about 146 years.
  private static final long MAX_DURATION_NANOS = Long.MAX_VALUE >> 2;

  private final Runnable onFire;
  private final TaskScheduler scheduler;
  private final TimeSource time;
  private final Consumer<Throwable> onSchedulingFailure;
  private final boolean passThrough;
  private final long debounceNanos;
  private final long maxWaitNanos;
  private final long throttleNanos;
  private final boolean leading;
  private final boolean trailing;

  private final Object lock = new Object();
  // Fires decided by the state machine and not yet run; drained by one thread at a time.
  private final AtomicLong firesDue = new AtomicLong();
  private final AtomicBoolean firing = new AtomicBoolean();
  private volatile boolean disposed;

  // Stage 1 (debounce), guarded by lock.
  private boolean burstActive;
  private long burstStart;
  private long lastTrigger;

  // Stage 2 (throttle), guarded by lock.
  private boolean windowOpened;
  private long windowEnd;
  private boolean held; // input waiting for a window end or a deferred fire
  private boolean deferred; // trailing off: held input fires at deferredAt
  private long deferredAt;

  // The single timer, set for the earliest deadline; guarded by lock.
  private Cancellable timer;
  private long timerDeadline;
  private long timerGeneration;

  private Throttler(ThrottlingOptions options, Runnable onFire, TaskScheduler scheduler,
      TimeSource time, Consumer<Throwable> onSchedulingFailure) {
    this.onFire = onFire;
    this.scheduler = scheduler;
    this.time = time;
    this.onSchedulingFailure = onSchedulingFailure;
    this.passThrough = options.isPassThrough();
    this.debounceNanos = toNanos(options.debounceMs());
    this.maxWaitNanos = toNanos(options.effectiveMaxWaitMs());
    this.throttleNanos = toNanos(options.throttleMs());
    this.leading = options.leading();
    this.trailing = options.trailing();
  }

  /**
   * Creates a throttler. Nothing is scheduled until the first trigger.
   *
   * @param options the debounce and throttle configuration
   * @param onFire called once per fire; see the class documentation for threads
   * @param scheduler runs the debounce and window timers
   * @param time the clock; only {@link TimeSource#nanoTime()} is read
   * @param onSchedulingFailure receives any exception thrown by {@code scheduler}, after the
   *     throttler has fired at once in place of the timer it could not schedule; it runs on the
   *     thread that tried to schedule, with no lock held
   * @return a new throttler with nothing pending
   * @throws NullPointerException if any argument is null
   */
  public static Throttler create(ThrottlingOptions options, Runnable onFire,
      TaskScheduler scheduler, TimeSource time, Consumer<Throwable> onSchedulingFailure) {
    return new Throttler(Objects.requireNonNull(options, "options"),
        Objects.requireNonNull(onFire, "onFire"), Objects.requireNonNull(scheduler, "scheduler"),
        Objects.requireNonNull(time, "time"),
        Objects.requireNonNull(onSchedulingFailure, "onSchedulingFailure"));
  }

  /**
   * Records one trigger. In pass-through mode {@code onFire} runs inside this call; otherwise the
   * trigger is held by the debounce or throttle stage and fires now or later as configured.
   * Ignored after {@link #dispose()}.
   */
  public void trigger() {
    if (disposed) {
      return;
    }
    if (passThrough) {
      firesDue.incrementAndGet();
      drainFires();
      return;
    }
    RuntimeException failure;
    synchronized (lock) {
      if (disposed) {
        return;
      }
      long now = time.nanoTime();
      catchUp(now);
      if (debounceNanos > 0) {
        if (!burstActive) {
          burstActive = true;
          burstStart = now;
        }
        lastTrigger = now;
      } else {
        throttleInput(now);
      }
      failure = armTimer(now);
    }
    drainFires();
    report(failure);
  }

  /**
   * Returns true while a debounce burst is active or the throttle stage holds input, that is,
   * while a fire is still owed for some trigger. Always false in pass-through mode and after
   * {@link #dispose()}.
   */
  public boolean hasPending() {
    synchronized (lock) {
      return burstActive || held;
    }
  }

  /**
   * Fires now if input is pending, ending any burst and clearing held input; otherwise does
   * nothing. This fire opens a new throttle window but may come sooner than T after the previous
   * one. Ignored after {@link #dispose()}.
   */
  public void flush() {
    RuntimeException failure;
    synchronized (lock) {
      if (disposed) {
        return;
      }
      long now = time.nanoTime();
      catchUp(now);
      if (burstActive || held) {
        burstActive = false;
        fire(now);
      }
      failure = armTimer(now);
    }
    drainFires();
    report(failure);
  }

  /**
   * Cancels the timer and drops pending input and fires not yet started. Later triggers and
   * flushes are ignored. Idempotent and safe to call from {@code onFire}.
   */
  public void dispose() {
    Cancellable toCancel;
    synchronized (lock) {
      disposed = true;
      firesDue.set(0);
      burstActive = false;
      held = false;
      deferred = false;
      toCancel = timer;
      timer = null;
      timerGeneration++;
    }
    if (toCancel != null) {
      toCancel.cancel();
    }
  }

  @Override
  public String toString() {
    synchronized (lock) {
      return "Throttler{pending=" + (burstActive || held) + ", disposed=" + disposed + '}';
    }
  }

  private void onTimer(long generation) {
    RuntimeException failure;
    synchronized (lock) {
      if (disposed) {
        return;
      }
      if (generation == timerGeneration) {
        timer = null;
      }
      long now = time.nanoTime();
      catchUp(now);
      failure = armTimer(now);
    }
    drainFires();
    report(failure);
  }

  /**
   * Handles, in deadline order, every deadline that has passed by {@code now}. On a tie the
   * throttle stage goes first, so held input fires at its window end before a new emission arrives.
   */
  private void catchUp(long now) {
    while (true) {
      boolean stage2Due = held && reached(stage2Deadline(), now);
      boolean stage1Due = burstActive && reached(emissionDeadline(), now);
      if (stage2Due && (!stage1Due || stage2Deadline() - emissionDeadline() <= 0)) {
        onStage2Deadline(now);
      } else if (stage1Due) {
        burstActive = false;
        if (throttleNanos > 0) {
          throttleInput(now);
        } else {
          fire(now);
        }
      } else {
        return;
      }
    }
  }

  private void throttleInput(long now) {
    if (windowOpened && now - windowEnd < 0) {
      held = true; // coalesced with any other held input
    } else if (leading) {
      fire(now);
    } else {
      // Anchored at the input, not at a fire, so a steady stream cannot keep pushing it back.
      windowOpened = true;
      windowEnd = now + throttleNanos;
      held = true;
    }
  }

  private void onStage2Deadline(long now) {
    if (deferred || trailing) {
      fire(now);
    } else {
      // Trailing off: keep the input one more window rather than lose it.
      deferred = true;
      deferredAt = windowEnd + throttleNanos;
    }
  }

  private long stage2Deadline() {
    return deferred ? deferredAt : windowEnd;
  }

  private long emissionDeadline() {
    long quiet = lastTrigger + debounceNanos;
    long max = burstStart + maxWaitNanos;
    return quiet - max <= 0 ? quiet : max;
  }

  private void fire(long now) {
    held = false;
    deferred = false;
    if (throttleNanos > 0) {
      windowOpened = true;
      windowEnd = now + throttleNanos;
    }
    firesDue.incrementAndGet();
  }

  /**
   * Makes sure a timer runs at or before the earliest deadline. An existing timer that is due no
   * later is kept: when it runs early it finds nothing due and re-arms, which avoids a cancel and
   * a schedule on every trigger of a burst. If the scheduler throws, fires at once instead.
   *
   * @return the scheduler's exception, to report once the lock is released, or null
   */
  private RuntimeException armTimer(long now) {
    boolean stage1 = burstActive;
    boolean stage2 = held;
    if (!stage1 && !stage2) {
      cancelTimer();
      return null;
    }
    long deadline;
    if (stage1 && stage2) {
      long a = emissionDeadline();
      long b = stage2Deadline();
      deadline = a - b <= 0 ? a : b;
    } else {
      deadline = stage1 ? emissionDeadline() : stage2Deadline();
    }
    if (timer != null && timerDeadline - deadline <= 0) {
      return null;
    }
    cancelTimer();
    long generation = ++timerGeneration;
    try {
      timer = scheduler.schedule(() -> onTimer(generation), Math.max(0, deadline - now),
          TimeUnit.NANOSECONDS);
      timerDeadline = deadline;
      return null;
    } catch (RuntimeException e) {
      burstActive = false;
      fire(now);
      return e;
    }
  }

  private void cancelTimer() {
    if (timer != null) {
      timer.cancel();
      timer = null;
    }
  }

  private void report(RuntimeException failure) {
    if (failure != null) {
      onSchedulingFailure.accept(failure);
    }
  }

  /**
   * Runs the fires that are due, one at a time. Whoever wins the flag runs them all; a thread that
   * loses returns at once because the winner re-checks the count before it lets go.
   */
  private void drainFires() {
    Throwable failure = null;
    while (firesDue.get() > 0) {
      if (!firing.compareAndSet(false, true)) {
        break;
      }
      try {
        // Never below zero: dispose() may reset the count between the check and the decrement.
        while (!disposed && firesDue.getAndUpdate(n -> n > 0 ? n - 1 : 0) > 0) {
          try {
            onFire.run();
          } catch (RuntimeException | Error e) {
            if (failure == null) {
              failure = e;
            } else {
              failure.addSuppressed(e);
            }
          }
        }
      } finally {
        firing.set(false);
      }
      if (disposed) {
        break;
      }
    }
    if (failure instanceof RuntimeException) {
      throw (RuntimeException) failure;
    }
    if (failure instanceof Error) {
      throw (Error) failure;
    }
  }

  private static boolean reached(long deadline, long now) {
    return deadline - now <= 0;
  }

  private static long toNanos(long millis) {
    return Math.min(TimeUnit.MILLISECONDS.toNanos(millis), MAX_DURATION_NANOS);
  }
}
