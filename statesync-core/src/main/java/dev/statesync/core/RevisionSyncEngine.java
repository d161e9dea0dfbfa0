package dev.statesync.core;

import dev.statesync.core.internal.SerialContext;
import dev.statesync.core.logging.Logger;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Flow;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;

/**
 * The revision sync state machine behind {@link RevisionSyncHandle}.
 *
 * <p>Fields marked "serial" are touched only in the serial context. {@code status} and
 * {@code state} are volatile so accessors and the event hot path read them without a lock;
 * {@code status} changes only under {@code barrier}, which is also held while the gate decides to
 * invoke the applier (the stop barrier).
 */
final class RevisionSyncEngine<T> implements RevisionSyncHandle<T> {

  /** What has been applied: (epoch, revision), or nothing. Immutable, swapped as a whole. */
  private record AppliedState(boolean present, Revision revision, Epoch epoch) {
    static final AppliedState NONE = new AppliedState(false, Revision.ZERO, null);
  }

  private enum StartPhase { NONE, SUBSCRIBING, AWAITING_CYCLE, IN_CYCLE }

  private final RevisionSyncOptions<T> options;
  private final String topic;
  private final Logger log;
  private final TimeSource time;
  private final TaskScheduler scheduler;
  private final SerialContext serial;
  private final NotificationLane notifications;
  private Throttler throttler; // serial; replaced after a failed start, whose cleanup disposes it
  private final EngineCounters counters = new EngineCounters();
  private final Object barrier = new Object();

  private volatile SyncStatus status = SyncStatus.IDLE;
  private volatile AppliedState state;
  private volatile Sink sink; // the live sink of the current start attempt, or null

  // serial: start
  private StartPhase startPhase = StartPhase.NONE;
  private CompletableFuture<Void> startFuture; // guarded by barrier for creation, completed in serial
  private Subscription subscription;
  private boolean unsubscribed;

  // serial: cycles
  // In flight, including delays between attempts. Volatile only so stats() can read inFlight.
  private volatile Cycle cycle;
  private Cancellable scheduledCycle; // a cycle waiting for a retry or re-arm delay
  private boolean pendingForced;
  private boolean pendingEvent;
  private Revision target = Revision.ZERO;
  private int noProgress;
  private int consecutiveFailures;
  private final List<CompletableFuture<ApplyOutcome>> unboundWaiters = new ArrayList<>();
  private Cancellable periodicTimer;

  // serial: apply lane
  private final ArrayDeque<ApplyItem> lane = new ArrayDeque<>();
  private ApplyItem applying;
  private CompletableFuture<Void> applyDone = CompletableFuture.completedFuture(null);

  RevisionSyncEngine(RevisionSyncOptions<T> options) {
    this.options = Objects.requireNonNull(options, "options");
    this.topic = options.topic();
    this.log = options.logger();
    this.time = options.timeSource();
    this.scheduler = options.scheduler();
    this.serial = new SerialContext(options.executor(), this, this::internalFailure);
    this.notifications = new NotificationLane(options.executor(), this,
        t -> serial.execute(() -> log.warn("listener threw", Map.of("error", t))));
    this.throttler = newThrottler();
    this.state = options.initialRevision()
        .map(r -> new AppliedState(true, r, options.initialEpoch().orElse(null)))
        .orElse(AppliedState.NONE);
    if (state.present()) {
      target = state.revision();
      counters.setLatestSeen(state.revision());
    }
  }

  private Throttler newThrottler() {
    return Throttler.create(options.throttling(),
        () -> serial.execute(() -> demand(false, "event")),
        scheduler, time,
        t -> serial.execute(() -> emit(error(SyncPhase.THROTTLE, t))));
  }

  // ---------------------------------------------------------------- lifecycle

  @Override
  public CompletableFuture<Void> start() {
    SyncStatus from;
    CompletableFuture<Void> f;
    synchronized (barrier) {
      switch (status) {
        case STOPPED:
          IllegalStateException e = new IllegalStateException("handle for topic '" + topic + "' is stopped");
          CompletableFuture<Void> failed = new CompletableFuture<>();
          // The error is emitted before the future fails (CORE-26), even from inside the serial context.
          serial.execute(() -> {
            emit(error(SyncPhase.START, e));
            failed.completeExceptionally(e);
          });
          return failed.copy();
        case RUNNING:
          return CompletableFuture.completedFuture(null);
        case STARTING:
          return startFuture.copy();
        default:
          from = status;
          status = SyncStatus.STARTING;
          f = new CompletableFuture<>();
          startFuture = f;
      }
    }
    serial.execute(() -> {
      publishStatus(from, SyncStatus.STARTING);
      subscribe(f);
    });
    return f.copy();
  }

  private void subscribe(CompletableFuture<Void> f) {
    if (status == SyncStatus.STOPPED) {
      return;
    }
    debug("starting");
    startPhase = StartPhase.SUBSCRIBING;
    Sink s = new Sink();
    sink = s;
    CompletionStage<Subscription> stage;
    try {
      stage = options.subscriber().subscribe(s);
      if (stage == null) {
        throw new NullPointerException("subscriber returned null");
      }
    } catch (Throwable t) {
      onSubscribed(s, f, null, t);
      return;
    }
    stage.whenComplete((sub, err) -> serial.execute(() -> onSubscribed(s, f, sub, err)));
  }

  private void onSubscribed(Sink s, CompletableFuture<Void> f, Subscription sub, Throwable err) {
    if (err == null && sub == null) {
      err = new NullPointerException("subscriber returned null");
    }
    if (err != null) {
      Throwable cause = unwrap(err);
      s.inert = true;
      emit(error(SyncPhase.SUBSCRIBE, cause));
      startPhase = StartPhase.NONE;
      if (status != SyncStatus.STOPPED) {
        setStatus(SyncStatus.FAILED);
        f.completeExceptionally(cause);
      }
      return;
    }
    if (status == SyncStatus.STOPPED) {
      // stop() arrived while subscribe was pending: the subscription must not leak (E2).
      s.inert = true;
      subscription = sub;
      unsubscribeOnce();
      return;
    }
    subscription = sub;
    unsubscribed = false;
    debug("subscribed");
    startPhase = StartPhase.AWAITING_CYCLE;
    demand(true, "start");
  }

  @Override
  public void stop() {
    SyncStatus from;
    synchronized (barrier) {
      if (status == SyncStatus.STOPPED) {
        return;
      }
      from = status;
      status = SyncStatus.STOPPED;
    }
    Sink s = sink;
    if (s != null) {
      s.inert = true;
    }
    serial.execute(() -> finishStop(from));
  }

  private void finishStop(SyncStatus from) {
    throttler.dispose();
    cancelTimers();
    if (cycle != null) {
      cycle.cancelProvider();
      cycle.cancelTimeout();
      cycle.waiters.forEach(w -> w.complete(ApplyOutcome.STOPPED));
      cycle = null;
    }
    if (startPhase != StartPhase.SUBSCRIBING) {
      unsubscribeOnce();
    }
    unboundWaiters.forEach(w -> w.complete(ApplyOutcome.STOPPED));
    unboundWaiters.clear();
    for (ApplyItem item : lane) {
      item.resolve(ApplyOutcome.STOPPED);
    }
    lane.clear();
    if (startFuture != null && !startFuture.isDone()) {
      startFuture.completeExceptionally(
          new CancellationException("handle for topic '" + topic + "' was stopped while starting"));
    }
    startPhase = StartPhase.NONE;
    publishStatus(from, SyncStatus.STOPPED);
    notifications.complete();
    debug("stopped");
  }

  private void unsubscribeOnce() {
    Subscription sub = subscription;
    if (sub == null || unsubscribed) {
      return;
    }
    unsubscribed = true;
    subscription = null;
    try {
      sub.unsubscribe();
    } catch (Throwable t) {
      log.warn("unsubscribe failed", Map.of("error", t));
      emit(error(SyncPhase.SUBSCRIBE, t));
    }
  }

  @Override
  public CompletableFuture<Void> closeAsync() {
    stop();
    CompletableFuture<Void> done = new CompletableFuture<>();
    // Runs after stop's own serial task, so unsubscribe() has already returned.
    serial.execute(() -> applyDone
        .thenCompose(ignored -> notifications.drained())
        .whenComplete((ignored, err) -> done.complete(null)));
    return done.copy();
  }

  @Override
  public void close() {
    CompletableFuture<Void> done = closeAsync();
    if (SerialContext.isDrainingFor(this)) {
      return; // waiting here, inside our own role code or listener, would deadlock
    }
    try {
      done.get(options.closeTimeoutMs(), TimeUnit.MILLISECONDS);
    } catch (TimeoutException e) {
      serial.execute(() -> log.warn("close timed out", Map.of("error", e)));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (ExecutionException e) {
      // closeAsync never fails.
    }
  }

  // ---------------------------------------------------------------- refresh, offer, hydrate

  @Override
  public CompletableFuture<ApplyOutcome> refresh() {
    if (status == SyncStatus.STOPPED) {
      return CompletableFuture.completedFuture(ApplyOutcome.STOPPED);
    }
    CompletableFuture<ApplyOutcome> f = new CompletableFuture<>();
    serial.execute(() -> {
      if (status == SyncStatus.STOPPED) {
        f.complete(ApplyOutcome.STOPPED);
        return;
      }
      unboundWaiters.add(f);
      demand(true, "manual");
    });
    return f.copy();
  }

  @Override
  public CompletableFuture<ApplyOutcome> offer(SnapshotEnvelope<T> snapshot) {
    return offer(snapshot, ApplyOrigin.OFFER);
  }

  @Override
  public CompletableFuture<ApplyOutcome> offer(SnapshotEnvelope<T> snapshot, ApplyOrigin origin) {
    Objects.requireNonNull(snapshot, "snapshot");
    Objects.requireNonNull(origin, "origin");
    if (origin == ApplyOrigin.CACHE) {
      throw new IllegalArgumentException("origin CACHE is reserved for hydrate(); use hydrate(snapshot)");
    }
    return enqueueExternal(snapshot, origin);
  }

  @Override
  public CompletableFuture<ApplyOutcome> hydrate(SnapshotEnvelope<T> snapshot) {
    Objects.requireNonNull(snapshot, "snapshot");
    return enqueueExternal(snapshot, ApplyOrigin.CACHE);
  }

  private CompletableFuture<ApplyOutcome> enqueueExternal(SnapshotEnvelope<T> snapshot, ApplyOrigin origin) {
    if (status == SyncStatus.STOPPED) {
      return CompletableFuture.completedFuture(ApplyOutcome.STOPPED);
    }
    CompletableFuture<ApplyOutcome> f = new CompletableFuture<>();
    serial.execute(() -> {
      if (status == SyncStatus.STOPPED) {
        f.complete(ApplyOutcome.STOPPED);
        return;
      }
      enqueue(new ApplyItem(snapshot, origin, f, null));
    });
    return f.copy();
  }

  // ---------------------------------------------------------------- events

  /** The sink of one start attempt. Never throws; inert once its attempt failed or stopped. */
  private final class Sink implements InvalidationSink {
    volatile boolean inert;

    @Override
    public void accept(InvalidationEvent event) {
      if (inert || status == SyncStatus.STOPPED) {
        return;
      }
      try {
        if (event == null) {
          serial.execute(() -> emit(error(SyncPhase.INVALIDATION,
              new NullPointerException("event"))));
          return;
        }
        onEvent(event, null);
      } catch (Throwable t) {
        reportEventFailure(event, t);
      }
    }

    @Override
    public void acceptJson(String json) {
      acceptRaw(json, options.codec()::peekTopic, options.codec()::decodeEvent, json);
    }

    @Override
    public void acceptJson(byte[] json) {
      acceptRaw(json, options.codec()::peekTopic, options.codec()::decodeEvent, null);
    }

    /** CORE-36 step 3 for raw JSON of either form; {@code rawText} is the input when it is text. */
    private <J> void acceptRaw(J json, Function<J, Optional<String>> peek,
        Function<J, InvalidationEvent> decode, String rawText) {
      if (inert || status == SyncStatus.STOPPED) {
        return;
      }
      try {
        if (json == null) {
          serial.execute(() -> emit(error(SyncPhase.INVALIDATION, new NullPointerException("json"))));
          return;
        }
        Optional<String> peeked = peek.apply(json);
        if (peeked.isPresent() && !peeked.get().equals(topic)) {
          ignoreOtherTopic(peeked.get());
          return;
        }
        InvalidationEvent event;
        try {
          event = decode.apply(json);
        } catch (ProtocolException e) {
          reportProtocol(e, rawText != null ? rawText : e.rawInput().orElse(null));
          return;
        }
        onEvent(event, rawText);
      } catch (Throwable t) {
        reportEventFailure(null, t);
      }
    }

    @Override
    public void resync() {
      if (inert || status == SyncStatus.STOPPED) {
        return;
      }
      serial.execute(() -> {
        if (!inert) {
          demand(true, "resync");
        }
      });
    }

    private void ignoreOtherTopic(String eventTopic) {
      if (log.isDebugEnabled()) {
        serial.execute(() -> debug("event ignored (other topic)", "eventTopic", eventTopic));
      }
    }

    private void reportProtocol(ProtocolException e, String raw) {
      serial.execute(() -> emit(new SyncErrorContext(SyncPhase.PROTOCOL, topic, e,
          raw != null ? raw : e.rawInput().orElse(null), localRevision(), state.epoch(),
          e.rawRevision().orElse(null), null, null, null, null, null, null)));
    }

    private void onEvent(InvalidationEvent event, String raw) {
      if (!event.topic().equals(topic)) {
        ignoreOtherTopic(event.topic());
        return;
      }
      if (log.isDebugEnabled()) {
        // Debug entries must come from the serial context, in order: no lock-free fast path.
        serial.execute(() -> {
          if (!inert) {
            handleEvent(event, raw, true);
          }
        });
        return;
      }
      // Hot path: the stale drop is a volatile read and a compare, with no lock and no allocation.
      AppliedState s = state;
      counters.eventAt(time.currentTimeMillis());
      Epoch eventEpoch = event.epochOrNull();
      if (eventEpoch == null || eventEpoch.equals(s.epoch())) {
        counters.advanceLatestSeen(event.revision());
      }
      boolean epochDemand = s.present() && eventEpoch != null && !eventEpoch.equals(s.epoch());
      if (!epochDemand && event.revision().compareTo(s.revision()) <= 0) {
        counters.fastStaleDrop(); // counts it as received and as dropped
        return;
      }
      counters.eventsReceived.incrementAndGet();
      serial.execute(() -> {
        if (!inert) {
          handleEvent(event, raw, false);
        }
      });
    }

    private void reportEventFailure(InvalidationEvent event, Throwable t) {
      serial.execute(() -> emit(invalidationError(event, t)));
    }
  }

  /** CORE-36 steps 5 to 10, in the serial context. */
  private void handleEvent(InvalidationEvent event, String raw, boolean countReceipt) {
    if (status == SyncStatus.STOPPED) {
      return;
    }
    try {
      AppliedState s = state;
      Epoch eventEpoch = event.epochOrNull();
      if (countReceipt) {
        counters.eventsReceived.incrementAndGet();
        counters.eventAt(time.currentTimeMillis());
        if (eventEpoch == null || eventEpoch.equals(s.epoch())) {
          counters.advanceLatestSeen(event.revision());
        }
      }
      boolean epochDemand = s.present() && eventEpoch != null && !eventEpoch.equals(s.epoch());
      if (!epochDemand) {
        if (event.revision().compareTo(s.revision()) <= 0) {
          counters.droppedStale.incrementAndGet();
          debug("event skipped (not newer)", "revision", event.revision());
          return;
        }
        if (options.ignoreOwnEvents() && options.sourceId().equals(event.sourceIdOrNull())) {
          counters.droppedSelf.incrementAndGet();
          debug("event skipped (own source)", "revision", event.revision());
          return;
        }
      }
      boolean wanted;
      try {
        wanted = options.shouldRefresh().test(event);
      } catch (Throwable t) {
        emit(invalidationError(event, t));
        return;
      }
      if (!wanted) {
        counters.droppedByFilter.incrementAndGet();
        debug("event skipped (filter)", "revision", event.revision());
        return;
      }
      if (epochDemand) {
        demand(true, "epoch");
        return;
      }
      if (event.revision().compareTo(target) > 0) {
        target = event.revision();
      }
      debug("event triggered refresh", "revision", event.revision());
      throttler.trigger();
    } catch (Throwable t) {
      emit(invalidationError(event, t));
    }
  }

  // ---------------------------------------------------------------- demand and cycles

  /** CORE-38: a forced or event demand arrives. Serial. */
  private void demand(boolean forced, String reason) {
    if (status == SyncStatus.STOPPED) {
      return;
    }
    if (cycle != null || startPhase == StartPhase.SUBSCRIBING) {
      if (forced) {
        pendingForced = true;
      } else {
        pendingEvent = true;
      }
      counters.coalesced.incrementAndGet();
      debug("refresh coalesced");
      return;
    }
    if (scheduledCycle != null) {
      if (!forced) {
        return; // joins the scheduled cycle
      }
      scheduledCycle.cancel();
      scheduledCycle = null;
    }
    startCycle(reason);
  }

  private void startCycle(String reason) {
    Cycle c = new Cycle(reason);
    if (startPhase == StartPhase.AWAITING_CYCLE) {
      c.initial = true;
      startPhase = StartPhase.IN_CYCLE;
    }
    cycle = c;
    pendingForced = false;
    pendingEvent = false;
    c.targetAtStart = target;
    c.waiters.addAll(unboundWaiters);
    unboundWaiters.clear();
    debug("refresh started", "reason", reason);
    runAttempt(c);
  }

  private void scheduleCycle(String reason, long delayMs) {
    try {
      scheduledCycle = scheduler.schedule(() -> serial.execute(() -> {
        if (scheduledCycle != null && status != SyncStatus.STOPPED) {
          scheduledCycle = null;
          startCycle(reason);
        }
      }), delayMs, TimeUnit.MILLISECONDS);
    } catch (Throwable t) {
      scheduledCycle = null;
      emit(error(SyncPhase.REFRESH, t));
    }
  }

  private void runAttempt(Cycle c) {
    c.attempt++;
    counters.fetches.incrementAndGet();
    Object token = new Object();
    c.token = token;
    CompletionStage<SnapshotEnvelope<T>> stage;
    try {
      stage = options.provider().getSnapshot();
      if (stage == null) {
        throw new NullPointerException("provider returned null");
      }
    } catch (Throwable t) {
      onFetched(c, token, null, t);
      return;
    }
    c.stage = stage;
    long timeoutMs = options.snapshotTimeoutMs();
    if (timeoutMs > 0) {
      try {
        c.timeout = scheduler.schedule(() -> serial.execute(() -> onTimeout(c, token, timeoutMs)),
            timeoutMs, TimeUnit.MILLISECONDS);
      } catch (Throwable t) {
        emit(error(SyncPhase.REFRESH, t));
      }
    }
    stage.whenComplete((env, err) -> serial.execute(() -> onFetched(c, token, env, err)));
  }

  private void onTimeout(Cycle c, Object token, long timeoutMs) {
    if (cycle != c || c.token != token) {
      return;
    }
    c.cancelProvider();
    c.token = null; // a late result is ignored
    counters.fetchFailures.incrementAndGet();
    attemptFailed(c, SyncPhase.GET_SNAPSHOT,
        new TimeoutException("getSnapshot did not complete within " + timeoutMs + " ms"), null);
  }

  private void onFetched(Cycle c, Object token, SnapshotEnvelope<T> env, Throwable err) {
    if (cycle != c || c.token != token || status == SyncStatus.STOPPED) {
      return; // superseded, timed out, or stopped: the result is discarded
    }
    c.cancelTimeout();
    c.token = null;
    c.stage = null;
    if (err != null) {
      Throwable cause = unwrap(err);
      counters.fetchFailures.incrementAndGet();
      if (cause instanceof ProtocolException) {
        attemptFailed(c, SyncPhase.PROTOCOL, cause, null);
      } else if (cause instanceof NullPointerException && "provider returned null".equals(cause.getMessage())) {
        attemptFailed(c, SyncPhase.REFRESH, cause, null);
      } else {
        attemptFailed(c, SyncPhase.GET_SNAPSHOT, cause, null);
      }
      return;
    }
    if (env == null) {
      counters.fetchFailures.incrementAndGet();
      attemptFailed(c, SyncPhase.REFRESH, new NullPointerException("provider returned null"), null);
      return;
    }
    enqueue(new ApplyItem(env, ApplyOrigin.PROVIDER, null, c));
  }

  /** One attempt of {@code c} failed: retry within the cycle, or end it (CORE-42, CORE-44). */
  private void attemptFailed(Cycle c, SyncPhase phase, Throwable error, SnapshotEnvelope<T> env) {
    boolean retry = status != SyncStatus.STOPPED
        && c.attempt < options.retry().maxAttempts()
        && retryIf(phase, error);
    if (retry) {
      long delay = options.retry().delayMs(c.attempt, options.random());
      counters.retries.incrementAndGet();
      emit(attemptError(phase, error, env, c.attempt, true, delay));
      try {
        c.retryTimer = scheduler.schedule(() -> serial.execute(() -> {
          if (cycle == c && status != SyncStatus.STOPPED) {
            c.retryTimer = null;
            debug("refresh started", "reason", "retry");
            runAttempt(c);
          }
        }), delay, TimeUnit.MILLISECONDS);
      } catch (Throwable t) {
        emit(error(SyncPhase.REFRESH, t));
        cycleFailed(c, phase, error, env);
      }
      return;
    }
    cycleFailed(c, phase, error, env);
  }

  private boolean retryIf(SyncPhase phase, Throwable error) {
    try {
      return options.retry().retryIf().test(phase, error);
    } catch (Throwable t) {
      log.warn("retryIf threw", Map.of("phase", phase.wireName(), "error", t));
      return false;
    }
  }

  private void cycleFailed(Cycle c, SyncPhase phase, Throwable error, SnapshotEnvelope<T> env) {
    cycle = null;
    boolean demandPending = pendingForced || pendingEvent;
    consecutiveFailures++;
    boolean retryCycle = demandPending && !c.initial;
    Long delay = retryCycle ? options.retry().delayMs(consecutiveFailures, options.random()) : null;
    emit(attemptError(phase, error, env, c.attempt, retryCycle, delay));
    c.waiters.forEach(w -> w.completeExceptionally(error));
    if (c.initial) {
      failStart(error);
      return;
    }
    if (retryCycle) {
      counters.retries.incrementAndGet();
      scheduleCycle("retry", delay);
    }
  }

  private void failStart(Throwable error) {
    Sink s = sink;
    if (s != null) {
      s.inert = true;
    }
    unsubscribeOnce();
    // Disposing drops pending throttle timers; a disposed throttler ignores every later trigger,
    // so a start() after FAILED (CORE-29g) needs a fresh one.
    throttler.dispose();
    throttler = newThrottler();
    cancelTimers();
    pendingForced = false;
    pendingEvent = false;
    startPhase = StartPhase.NONE;
    if (setStatus(SyncStatus.FAILED)) {
      startFuture.completeExceptionally(error);
    }
  }

  private void cycleSucceeded(Cycle c, ApplyOutcome outcome) {
    cycle = null;
    consecutiveFailures = 0;
    c.waiters.forEach(w -> w.complete(outcome));
    if (c.initial) {
      startPhase = StartPhase.NONE;
      if (setStatus(SyncStatus.RUNNING)) {
        debug("started", "revision", localRevision());
        startFuture.complete(null);
        schedulePeriodic();
      }
    }
    if (status == SyncStatus.STOPPED) {
      return;
    }
    if (pendingForced) {
      startCycle("queued");
      return;
    }
    Revision local = localRevision();
    if (target.compareTo(local) > 0 && !throttler.hasPending()) {
      counters.rearms.incrementAndGet();
      if (outcome == ApplyOutcome.APPLIED || target.compareTo(c.targetAtStart) > 0) {
        noProgress = 0;
        startCycle("rearm");
        return;
      }
      noProgress++;
      if (noProgress <= options.rearmLimit()) {
        scheduleCycle("rearm", options.retry().delayMs(noProgress, options.random()));
        return;
      }
      counters.rearms.decrementAndGet(); // giving up is not a re-arm
      Revision unreached = target;
      target = local;
      noProgress = 0;
      emit(new SyncErrorContext(SyncPhase.REFRESH, topic,
          new TargetRevisionNotReachedException(unreached, local), null, local, state.epoch(),
          unreached.toString(), null, null, null, null, null, null));
      return;
    }
    pendingEvent = false; // satisfied by this cycle
  }

  private void schedulePeriodic() {
    long interval = options.periodicRefreshMs();
    if (interval == 0 || status != SyncStatus.RUNNING) {
      return;
    }
    long delay = Math.round(interval * (0.9 + 0.2 * options.random().nextDouble()));
    try {
      periodicTimer = scheduler.schedule(() -> serial.execute(() -> {
        if (status == SyncStatus.RUNNING) {
          periodicTimer = null;
          demand(true, "periodic");
          schedulePeriodic();
        }
      }), delay, TimeUnit.MILLISECONDS);
    } catch (Throwable t) {
      emit(error(SyncPhase.REFRESH, t));
    }
  }

  private void cancelTimers() {
    if (scheduledCycle != null) {
      scheduledCycle.cancel();
      scheduledCycle = null;
    }
    if (periodicTimer != null) {
      periodicTimer.cancel();
      periodicTimer = null;
    }
    if (cycle != null) {
      cycle.cancelTimeout();
      if (cycle.retryTimer != null) {
        cycle.retryTimer.cancel();
        cycle.retryTimer = null;
      }
    }
  }

  // ---------------------------------------------------------------- apply lane and gate

  private void enqueue(ApplyItem item) {
    lane.add(item);
    pumpLane();
  }

  private void pumpLane() {
    ApplyItem item;
    while (applying == null && (item = lane.poll()) != null) {
      gateAndApply(item);
    }
  }

  /** CORE-40 / CORE-34: decide at the head of the lane, then call the applier outside the lock. */
  private void gateAndApply(ApplyItem item) {
    SnapshotEnvelope<T> env = item.snapshot;
    AppliedState s;
    boolean epochReset = false;
    ApplyOutcome skip = null;
    synchronized (barrier) {
      s = state;
      if (status == SyncStatus.STOPPED) {
        skip = ApplyOutcome.STOPPED;
      } else if (!s.present()) {
        // The first snapshot of an unseeded handle applies even at revision 0.
      } else if (!Objects.equals(env.epochOrNull(), s.epoch())) {
        if (item.origin == ApplyOrigin.PROVIDER) {
          epochReset = true;
        } else if (item.origin == ApplyOrigin.CACHE) {
          skip = ApplyOutcome.NOT_NEWER;
        } else {
          skip = ApplyOutcome.REFRESH_REQUESTED;
        }
      } else if (!env.revision().isNewerThan(s.revision())) {
        skip = ApplyOutcome.NOT_NEWER;
      }
      if (skip == null) {
        applying = item;
      }
    }
    if (item.origin != ApplyOrigin.PROVIDER && (env.epochOrNull() == null
        ? s.epoch() == null : env.epochOrNull().equals(s.epoch()))) {
      counters.advanceLatestSeen(env.revision()); // offers advance latestSeen, never the target
    }
    if (skip != null) {
      if (skip == ApplyOutcome.NOT_NEWER) {
        counters.droppedStale.incrementAndGet();
        debug("snapshot skipped (not newer)", "revision", env.revision(), "localRevision", s.revision());
      }
      item.resolve(skip);
      if (skip == ApplyOutcome.REFRESH_REQUESTED) {
        demand(true, "epoch");
      }
      if (item.cycle != null && skip == ApplyOutcome.NOT_NEWER) {
        cycleSucceeded(item.cycle, ApplyOutcome.NOT_NEWER);
      }
      return;
    }
    if (epochReset) {
      counters.epochResets.incrementAndGet();
      debug("epoch changed", "from", s.epoch(), "to", env.epochOrNull());
    }
    ApplyContext ctx = new ApplyContext(topic, item.origin,
        s.present() ? Optional.of(s.revision()) : Optional.empty(),
        Optional.ofNullable(s.epoch()), epochReset);
    CompletableFuture<Void> done = new CompletableFuture<>();
    applyDone = done;
    boolean reset = epochReset;
    CompletionStage<Void> stage;
    try {
      stage = options.applier().apply(env, ctx);
      if (stage == null) {
        throw new NullPointerException("applier returned null");
      }
    } catch (Throwable t) {
      onApplied(item, reset, done, t);
      return;
    }
    stage.whenComplete((ignored, err) -> serial.execute(() -> onApplied(item, reset, done, err)));
  }

  private void onApplied(ApplyItem item, boolean epochReset, CompletableFuture<Void> done, Throwable err) {
    applying = null;
    SnapshotEnvelope<T> env = item.snapshot;
    if (err != null) {
      Throwable cause = unwrap(err);
      counters.applyFailures.incrementAndGet();
      done.complete(null);
      if (item.cycle != null) {
        if (status != SyncStatus.STOPPED) {
          attemptFailed(item.cycle, SyncPhase.APPLY, cause, env);
        }
      } else {
        emit(attemptError(SyncPhase.APPLY, cause, env, 1, false, null));
        item.future.completeExceptionally(cause);
      }
      pumpLane();
      return;
    }
    // Recorded even after stop, so localRevision matches what the applier received (CORE-27).
    state = new AppliedState(true, env.revision(), env.epochOrNull());
    counters.applies.incrementAndGet();
    counters.lastAppliedAt = time.currentTimeMillis();
    if (epochReset) {
      target = env.revision();
      counters.setLatestSeen(env.revision());
    } else {
      counters.advanceLatestSeen(env.revision());
    }
    if (log.isDebugEnabled()) {
      Map<String, Object> extra = new LinkedHashMap<>();
      extra.put("revision", env.revision());
      if (env.epochOrNull() != null) {
        extra.put("epoch", env.epochOrNull());
      }
      if (item.origin != ApplyOrigin.PROVIDER) {
        extra.put("origin", item.origin);
      }
      log.debug("snapshot applied", extra);
    }
    if (status != SyncStatus.STOPPED) {
      notifications.publish(new SyncChange.SnapshotApplied(
          env.revision(), env.epoch(), item.origin, epochReset));
    }
    done.complete(null);
    if (item.cycle != null) {
      if (status != SyncStatus.STOPPED) {
        cycleSucceeded(item.cycle, ApplyOutcome.APPLIED);
      }
    } else {
      item.future.complete(ApplyOutcome.APPLIED);
    }
    pumpLane();
  }

  // ---------------------------------------------------------------- errors and logging

  private SyncErrorContext error(SyncPhase phase, Throwable t) {
    AppliedState s = state;
    return new SyncErrorContext(phase, topic, t, null, s.revision(), s.epoch(),
        null, null, null, null, null, null, null);
  }

  private SyncErrorContext invalidationError(InvalidationEvent event, Throwable t) {
    AppliedState s = state;
    return new SyncErrorContext(SyncPhase.INVALIDATION, topic, t,
        event == null ? null : event.toString(), s.revision(), s.epoch(),
        event == null ? null : event.revision().toString(), null, null,
        event == null ? null : event.sourceIdOrNull(), null, null, null);
  }

  private SyncErrorContext attemptError(SyncPhase phase, Throwable t, SnapshotEnvelope<T> env,
      int attempt, boolean willRetry, Long nextDelayMs) {
    AppliedState s = state;
    String sourceEvent = null;
    String snapshotRevision = env == null ? null : env.revision().toString();
    Integer attemptField = attempt;
    if (phase == SyncPhase.PROTOCOL && t instanceof ProtocolException p) {
      sourceEvent = p.rawInput().orElse(null);
      snapshotRevision = p.rawRevision().orElse(null);
    }
    if (phase == SyncPhase.REFRESH) {
      attemptField = null;
    }
    return new SyncErrorContext(phase, topic, t, sourceEvent, s.revision(), s.epoch(),
        null, snapshotRevision, env == null ? null : env.epochOrNull(), null,
        attemptField, willRetry, willRetry ? nextDelayMs : null);
  }

  /** CORE-60: count, log, call onError, publish. Serial. */
  private void emit(SyncErrorContext ctx) {
    counters.errors.incrementAndGet();
    if (ctx.phase() == SyncPhase.PROTOCOL) {
      counters.protocolErrors.incrementAndGet();
    }
    counters.lastErrorAt = time.currentTimeMillis();
    counters.lastErrorPhase = ctx.phase();
    Map<String, Object> extra = new LinkedHashMap<>();
    extra.put("phase", ctx.phase().wireName());
    extra.put("topic", ctx.topic());
    extra.put("error", ctx.error());
    extra.put("localRevision", ctx.localRevision());
    putIfPresent(extra, "sourceEvent", ctx.sourceEvent() == null ? null
        : ctx.sourceEvent().length() <= 200 ? ctx.sourceEvent() : ctx.sourceEvent().substring(0, 200));
    putIfPresent(extra, "localEpoch", ctx.localEpoch());
    putIfPresent(extra, "eventRevision", ctx.eventRevision());
    putIfPresent(extra, "snapshotRevision", ctx.snapshotRevision());
    putIfPresent(extra, "snapshotEpoch", ctx.snapshotEpoch());
    putIfPresent(extra, "sourceId", ctx.sourceId());
    putIfPresent(extra, "attempt", ctx.attempt());
    putIfPresent(extra, "willRetry", ctx.willRetry());
    putIfPresent(extra, "nextDelayMs", ctx.nextDelayMs());
    String message = ctx.phase().wireName() + " error";
    if (ctx.phase() == SyncPhase.PROTOCOL || Boolean.TRUE.equals(ctx.willRetry())) {
      log.warn(message, extra);
    } else {
      log.error(message, extra);
    }
    options.onError().ifPresent(onError -> {
      try {
        onError.accept(ctx);
      } catch (Throwable t) {
        Map<String, Object> e = new LinkedHashMap<>();
        e.put("phase", ctx.phase().wireName());
        e.put("error", t);
        log.error("onError callback threw", e);
      }
    });
    notifications.publish(new SyncChange.ErrorReported(ctx));
  }

  private static void putIfPresent(Map<String, Object> map, String key, Object value) {
    if (value != null) {
      map.put(key, value);
    }
  }

  private void debug(String message) {
    if (log.isDebugEnabled()) {
      log.debug(message, Map.of());
    }
  }

  private void debug(String message, String k1, Object v1) {
    if (log.isDebugEnabled()) {
      Map<String, Object> extra = new LinkedHashMap<>();
      extra.put(k1, v1);
      log.debug(message, extra);
    }
  }

  private void debug(String message, String k1, Object v1, String k2, Object v2) {
    if (log.isDebugEnabled()) {
      Map<String, Object> extra = new LinkedHashMap<>();
      extra.put(k1, v1);
      extra.put(k2, v2);
      log.debug(message, extra);
    }
  }

  private void internalFailure(Throwable t) {
    // A bug in the engine itself: keep the serial context alive and make it visible.
    try {
      emit(error(SyncPhase.REFRESH, t));
    } catch (Throwable ignored) {
      // The logger or onError failed too; nothing is left to report to.
    }
  }

  // ---------------------------------------------------------------- status and observation

  /** Changes the status under the barrier unless stopped; publishes the change. Serial. */
  private boolean setStatus(SyncStatus to) {
    SyncStatus from;
    synchronized (barrier) {
      if (status == SyncStatus.STOPPED) {
        return false;
      }
      from = status;
      status = to;
    }
    publishStatus(from, to);
    return true;
  }

  private void publishStatus(SyncStatus from, SyncStatus to) {
    if (from != to) {
      notifications.publish(new SyncChange.StatusChanged(from, to));
    }
  }

  @Override
  public Revision localRevision() {
    return state.revision();
  }

  @Override
  public Optional<Epoch> localEpoch() {
    return Optional.ofNullable(state.epoch());
  }

  @Override
  public SyncStatus status() {
    return status;
  }

  @Override
  public SyncStats stats() {
    AppliedState s = state;
    return counters.snapshot(s.present(), s.revision(), cycle != null,
        notifications.droppedNotifications());
  }

  @Override
  public String topic() {
    return topic;
  }

  @Override
  public String sourceId() {
    return options.sourceId();
  }

  @Override
  public Subscription addListener(SyncListener listener) {
    return notifications.addListener(listener);
  }

  @Override
  public Flow.Publisher<SyncChange> changes() {
    return notifications;
  }

  @Override
  public String toString() {
    return "RevisionSyncHandle{topic=" + topic + ", status=" + status + ", revision="
        + localRevision() + localEpoch().map(e -> ", epoch=" + e).orElse("") + '}';
  }

  private static Throwable unwrap(Throwable t) {
    while ((t instanceof CompletionException || t instanceof ExecutionException) && t.getCause() != null) {
      t = t.getCause();
    }
    return t;
  }

  // ---------------------------------------------------------------- small serial-confined types

  /** One refresh cycle: attempts, then the gate. Serial-confined. */
  private final class Cycle {
    final String reason;
    final List<CompletableFuture<ApplyOutcome>> waiters = new ArrayList<>();
    boolean initial;
    Revision targetAtStart;
    int attempt;
    Object token; // identifies the outstanding attempt; null when none is outstanding
    CompletionStage<SnapshotEnvelope<T>> stage;
    Cancellable timeout;
    Cancellable retryTimer;

    Cycle(String reason) {
      this.reason = reason;
    }

    void cancelTimeout() {
      if (timeout != null) {
        timeout.cancel();
        timeout = null;
      }
    }

    void cancelProvider() {
      CompletionStage<SnapshotEnvelope<T>> s = stage;
      stage = null;
      token = null;
      if (s != null) {
        try {
          s.toCompletableFuture().cancel(true);
        } catch (Throwable ignored) {
          // Best effort: a stage that cannot be cancelled is simply ignored when it completes.
        }
      }
    }

    @Override
    public String toString() {
      return "Cycle{" + reason + ", attempt=" + attempt + '}';
    }
  }

  /** One entry of the apply lane: a fetched snapshot (cycle set) or an offer/hydration (future set). */
  private final class ApplyItem {
    final SnapshotEnvelope<T> snapshot;
    final ApplyOrigin origin;
    final CompletableFuture<ApplyOutcome> future;
    final Cycle cycle;

    ApplyItem(SnapshotEnvelope<T> snapshot, ApplyOrigin origin,
        CompletableFuture<ApplyOutcome> future, Cycle cycle) {
      this.snapshot = Objects.requireNonNull(snapshot, "snapshot");
      this.origin = origin;
      this.future = future;
      this.cycle = cycle;
    }

    void resolve(ApplyOutcome outcome) {
      if (future != null) {
        future.complete(outcome);
      }
    }
  }
}
