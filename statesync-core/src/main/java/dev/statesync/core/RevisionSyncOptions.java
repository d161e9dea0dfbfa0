package dev.statesync.core;

import dev.statesync.core.json.ProtocolCodec;
import dev.statesync.core.logging.Logger;
import dev.statesync.core.logging.Loggers;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.concurrent.Executor;
import java.util.concurrent.ForkJoinPool;
import java.util.function.Consumer;
import java.util.function.Predicate;
import java.util.random.RandomGenerator;

/**
 * The validated configuration of one revision sync handle. Build it with {@link #builder()};
 * {@link Builder#build()} checks every option and names the bad one. Immutable.
 *
 * @param <T> the type of the snapshot data
 */
public final class RevisionSyncOptions<T> {
  private final String topic;
  private final InvalidationSubscriber subscriber;
  private final SnapshotProvider<T> provider;
  private final SnapshotApplier<T> applier;
  private final Predicate<InvalidationEvent> shouldRefresh;
  private final boolean ignoreOwnEvents;
  private final String sourceId;
  private final Logger logger;
  private final Consumer<SyncErrorContext> onError;
  private final ThrottlingOptions throttling;
  private final RetryPolicy retry;
  private final long snapshotTimeoutMs; // 0: disabled
  private final int rearmLimit;
  private final long periodicRefreshMs; // 0: disabled
  private final Revision initialRevision;
  private final Epoch initialEpoch;
  private final long closeTimeoutMs;
  private final ProtocolCodec codec;
  private final Executor executor;
  private final TimeSource timeSource;
  private final TaskScheduler scheduler;
  private final RandomGenerator random;

  private RevisionSyncOptions(Builder<T> b) {
    this.topic = b.topic;
    this.subscriber = b.subscriber;
    this.provider = b.provider;
    this.applier = b.applier;
    this.shouldRefresh = b.shouldRefresh;
    this.ignoreOwnEvents = b.ignoreOwnEvents;
    this.sourceId = b.sourceId;
    this.logger = b.logger;
    this.onError = b.onError;
    this.throttling = b.throttling;
    this.retry = b.retry;
    this.snapshotTimeoutMs = b.snapshotTimeoutMs;
    this.rearmLimit = b.rearmLimit;
    this.periodicRefreshMs = b.periodicRefreshMs;
    this.initialRevision = b.initialRevision;
    this.initialEpoch = b.initialEpoch;
    this.closeTimeoutMs = b.closeTimeoutMs;
    this.codec = b.codec != null ? b.codec : ProtocolCodec.create();
    this.executor = b.executor;
    this.timeSource = b.timeSource;
    this.scheduler = b.scheduler;
    this.random = b.random != null ? b.random : new SplittableRandom();
  }

  /** Returns a builder with every default set and no required option. */
  public static <T> Builder<T> builder() {
    return new Builder<>();
  }

  /** Returns the topic. */
  public String topic() {
    return topic;
  }

  /** Returns the subscriber. */
  public InvalidationSubscriber subscriber() {
    return subscriber;
  }

  /** Returns the provider. */
  public SnapshotProvider<T> provider() {
    return provider;
  }

  /** Returns the applier. */
  public SnapshotApplier<T> applier() {
    return applier;
  }

  /** Returns the event filter (accept all by default). */
  public Predicate<InvalidationEvent> shouldRefresh() {
    return shouldRefresh;
  }

  /** Returns whether events carrying this handle's source id are dropped. */
  public boolean ignoreOwnEvents() {
    return ignoreOwnEvents;
  }

  /** Returns the source id (default {@link StateSync#processInstanceId()}). */
  public String sourceId() {
    return sourceId;
  }

  /** Returns the logger. */
  public Logger logger() {
    return logger;
  }

  /** Returns the error callback, if set. */
  public Optional<Consumer<SyncErrorContext>> onError() {
    return Optional.ofNullable(onError);
  }

  /** Returns the throttling of event demand. */
  public ThrottlingOptions throttling() {
    return throttling;
  }

  /** Returns the retry policy. */
  public RetryPolicy retry() {
    return retry;
  }

  /** Returns the snapshot timeout, or empty when disabled. */
  public Optional<Duration> snapshotTimeout() {
    return snapshotTimeoutMs == 0 ? Optional.empty() : Optional.of(Duration.ofMillis(snapshotTimeoutMs));
  }

  /** Returns how many delayed re-arms chase an unreached target before giving up. */
  public int rearmLimit() {
    return rearmLimit;
  }

  /** Returns the periodic refresh interval, or empty when disabled. */
  public Optional<Duration> periodicRefresh() {
    return periodicRefreshMs == 0 ? Optional.empty() : Optional.of(Duration.ofMillis(periodicRefreshMs));
  }

  /** Returns the seeded revision, if any. */
  public Optional<Revision> initialRevision() {
    return Optional.ofNullable(initialRevision);
  }

  /** Returns the seeded epoch, if any. */
  public Optional<Epoch> initialEpoch() {
    return Optional.ofNullable(initialEpoch);
  }

  /** Returns how long {@code close()} waits. */
  public Duration closeTimeout() {
    return Duration.ofMillis(closeTimeoutMs);
  }

  /** Returns the codec used by {@link InvalidationSink#acceptJson(String)}. */
  public ProtocolCodec codec() {
    return codec;
  }

  /** Returns the executor of the serial context and the notification lane. */
  public Executor executor() {
    return executor;
  }

  /** Returns the clocks. */
  public TimeSource timeSource() {
    return timeSource;
  }

  /** Returns the scheduler of every timer. */
  public TaskScheduler scheduler() {
    return scheduler;
  }

  /** Returns the source of jitter. */
  public RandomGenerator random() {
    return random;
  }

  long snapshotTimeoutMs() {
    return snapshotTimeoutMs;
  }

  long periodicRefreshMs() {
    return periodicRefreshMs;
  }

  long closeTimeoutMs() {
    return closeTimeoutMs;
  }

  /**
   * Builds {@link RevisionSyncOptions}. {@code topic}, {@code subscriber}, {@code provider} and
   * {@code applier} are required. Not thread-safe.
   *
   * @param <T> the type of the snapshot data
   */
  public static final class Builder<T> {
    private String topic;
    private InvalidationSubscriber subscriber;
    private SnapshotProvider<T> provider;
    private SnapshotApplier<T> applier;
    private Predicate<InvalidationEvent> shouldRefresh = e -> true;
    private boolean ignoreOwnEvents;
    private String sourceId = StateSync.processInstanceId();
    private Logger logger = Loggers.noopLogger();
    private Consumer<SyncErrorContext> onError;
    private ThrottlingOptions throttling = ThrottlingOptions.none();
    private RetryPolicy retry = RetryPolicy.defaults();
    private long snapshotTimeoutMs = 30_000;
    private int rearmLimit = 3;
    private long periodicRefreshMs;
    private Revision initialRevision;
    private Epoch initialEpoch;
    private long closeTimeoutMs = 10_000;
    private ProtocolCodec codec;
    private Executor executor = ForkJoinPool.commonPool();
    private TimeSource timeSource = TimeSource.system();
    private TaskScheduler scheduler = TaskScheduler.shared();
    private RandomGenerator random;

    private Builder() {}

    /** Sets the topic (required; see {@link Topics}). */
    public Builder<T> topic(String topic) {
      this.topic = topic;
      return this;
    }

    /** Sets the subscriber (required). */
    public Builder<T> subscriber(InvalidationSubscriber subscriber) {
      this.subscriber = subscriber;
      return this;
    }

    /** Sets the provider (required). */
    public Builder<T> provider(SnapshotProvider<T> provider) {
      this.provider = provider;
      return this;
    }

    /** Sets the applier (required). */
    public Builder<T> applier(SnapshotApplier<T> applier) {
      this.applier = applier;
      return this;
    }

    /** Sets a filter: events it rejects cause no fetch. A throwing filter drops the event. */
    public Builder<T> shouldRefresh(Predicate<InvalidationEvent> shouldRefresh) {
      this.shouldRefresh = shouldRefresh;
      return this;
    }

    /**
     * Drops events whose source id equals this handle's. Enable it only if the write path calls
     * {@link RevisionSyncHandle#offer} with its write response, or the writer misses its own change.
     */
    public Builder<T> ignoreOwnEvents(boolean ignoreOwnEvents) {
      this.ignoreOwnEvents = ignoreOwnEvents;
      return this;
    }

    /** Sets the source id (non-blank; default {@link StateSync#processInstanceId()}). */
    public Builder<T> sourceId(String sourceId) {
      this.sourceId = sourceId;
      return this;
    }

    /** Sets the logger (default: no-op). */
    public Builder<T> logger(Logger logger) {
      this.logger = logger;
      return this;
    }

    /** Sets a callback for every reported error, run synchronously in the serial context. */
    public Builder<T> onError(Consumer<SyncErrorContext> onError) {
      this.onError = onError;
      return this;
    }

    /** Sets the throttling of event demand (default {@link ThrottlingOptions#none()}). */
    public Builder<T> throttling(ThrottlingOptions throttling) {
      this.throttling = throttling;
      return this;
    }

    /** Sets the retry policy (default {@link RetryPolicy#defaults()}). */
    public Builder<T> retry(RetryPolicy retry) {
      this.retry = retry;
      return this;
    }

    /** Sets how long a {@code getSnapshot} call may take (&gt; 0; default 30 s). */
    public Builder<T> snapshotTimeout(Duration timeout) {
      return snapshotTimeoutMs(Objects.requireNonNull(timeout, "snapshotTimeout").toMillis());
    }

    /** Sets how long a {@code getSnapshot} call may take, in ms (&gt; 0; default 30,000). */
    public Builder<T> snapshotTimeoutMs(long ms) {
      if (ms <= 0) {
        throw new IllegalArgumentException("snapshotTimeout must be > 0 ms, was " + ms);
      }
      this.snapshotTimeoutMs = ms;
      return this;
    }

    /** Lets {@code getSnapshot} calls take forever. */
    public Builder<T> noSnapshotTimeout() {
      this.snapshotTimeoutMs = 0;
      return this;
    }

    /** Sets how many delayed re-arms chase a target the provider lags behind (≥ 0; default 3). */
    public Builder<T> rearmLimit(int rearmLimit) {
      this.rearmLimit = rearmLimit;
      return this;
    }

    /** Sets a periodic forced refresh while RUNNING (≥ 1 s; default disabled). */
    public Builder<T> periodicRefresh(Duration interval) {
      return periodicRefreshMs(Objects.requireNonNull(interval, "periodicRefresh").toMillis());
    }

    /** Sets a periodic forced refresh while RUNNING, in ms (≥ 1,000). */
    public Builder<T> periodicRefreshMs(long ms) {
      if (ms < 1000) {
        throw new IllegalArgumentException("periodicRefresh must be >= 1000 ms, was " + ms);
      }
      this.periodicRefreshMs = ms;
      return this;
    }

    /** Starts the handle in the state {@code revision} (no epoch), as though it had applied it. */
    public Builder<T> initialRevision(Revision revision) {
      return initialRevision(revision, null);
    }

    /** Starts the handle in the state ({@code epoch}, {@code revision}); {@code epoch} may be null. */
    public Builder<T> initialRevision(Revision revision, Epoch epoch) {
      this.initialRevision = Objects.requireNonNull(revision, "initialRevision");
      this.initialEpoch = epoch;
      return this;
    }

    /** Sets how long {@code close()} waits (&gt; 0; default 10 s). */
    public Builder<T> closeTimeout(Duration timeout) {
      return closeTimeoutMs(Objects.requireNonNull(timeout, "closeTimeout").toMillis());
    }

    /** Sets how long {@code close()} waits, in ms (&gt; 0; default 10,000). */
    public Builder<T> closeTimeoutMs(long ms) {
      if (ms <= 0) {
        throw new IllegalArgumentException("closeTimeout must be > 0 ms, was " + ms);
      }
      this.closeTimeoutMs = ms;
      return this;
    }

    /** Sets the codec used to decode JSON events (default {@link ProtocolCodec#create()}). */
    public Builder<T> codec(ProtocolCodec codec) {
      this.codec = codec;
      return this;
    }

    /** Sets the executor of the serial context and notifications (default: common pool). */
    public Builder<T> executor(Executor executor) {
      this.executor = executor;
      return this;
    }

    /** Sets the clocks (default {@link TimeSource#system()}). */
    public Builder<T> timeSource(TimeSource timeSource) {
      this.timeSource = timeSource;
      return this;
    }

    /** Sets the scheduler (default {@link TaskScheduler#shared()}). */
    public Builder<T> scheduler(TaskScheduler scheduler) {
      this.scheduler = scheduler;
      return this;
    }

    /** Sets the source of jitter (default: a new {@link SplittableRandom}). */
    public Builder<T> random(RandomGenerator random) {
      this.random = random;
      return this;
    }

    /**
     * Validates and builds.
     *
     * @throws NullPointerException naming a missing option
     * @throws IllegalArgumentException naming an invalid option and its allowed range
     */
    public RevisionSyncOptions<T> build() {
      Objects.requireNonNull(topic, "topic");
      if (!Topics.isValid(topic)) {
        throw new IllegalArgumentException("topic: " + Topics.problem(topic));
      }
      Objects.requireNonNull(subscriber, "subscriber");
      Objects.requireNonNull(provider, "provider");
      Objects.requireNonNull(applier, "applier");
      Objects.requireNonNull(shouldRefresh, "shouldRefresh");
      Objects.requireNonNull(sourceId, "sourceId");
      if (sourceId.isBlank()) {
        throw new IllegalArgumentException("sourceId must not be blank");
      }
      Objects.requireNonNull(logger, "logger");
      Objects.requireNonNull(throttling, "throttling");
      Objects.requireNonNull(retry, "retry");
      if (rearmLimit < 0) {
        throw new IllegalArgumentException("rearmLimit must be >= 0, was " + rearmLimit);
      }
      Objects.requireNonNull(executor, "executor");
      Objects.requireNonNull(timeSource, "timeSource");
      Objects.requireNonNull(scheduler, "scheduler");
      return new RevisionSyncOptions<>(this);
    }
  }
}
