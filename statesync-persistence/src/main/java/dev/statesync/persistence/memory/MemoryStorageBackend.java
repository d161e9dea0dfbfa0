package dev.statesync.persistence.memory;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import dev.statesync.core.TaskScheduler;
import dev.statesync.core.TimeSource;
import dev.statesync.core.Topics;
import dev.statesync.persistence.Limits;
import dev.statesync.persistence.RecordFormat;
import dev.statesync.persistence.RecordHeader;
import dev.statesync.persistence.RecordTooLargeException;
import dev.statesync.persistence.StorageBackend;
import dev.statesync.persistence.WriteMode;
import dev.statesync.persistence.WriteResult;
import dev.statesync.persistence.WriteStatus;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import java.util.function.UnaryOperator;

/**
 * An in-memory {@link StorageBackend} on a Caffeine cache of record bytes, with size bounds,
 * backend eviction on an injected clock, and failure injection and inspection for tests. One
 * instance may be shared by several appliers to simulate processes that share a file.
 *
 * <p><b>Threads.</b> Thread-safe. Operations complete on the calling thread, or, with a
 * {@code latency}, on the scheduler's thread. MONOTONIC writes decide and replace in one
 * {@code asMap().compute} step. After {@link #close()}, every operation throws
 * {@link IllegalStateException}; the inspection methods keep working.
 */
public final class MemoryStorageBackend implements StorageBackend {
  /**
   * One write as the backend saw it.
   *
   * @param incoming the header of the record offered
   * @param result what the write did
   */
  public record WriteEvent(RecordHeader incoming, WriteResult result) {}

  private final Cache<String, byte[]> cache;
  private final Map<String, byte[]> map;
  private final Limits limits;
  private final TaskScheduler scheduler;
  private final long latencyNanos;
  private final Map<String, List<WriteEvent>> history = new ConcurrentHashMap<>();
  private final Failure writes = new Failure();
  private final Failure reads = new Failure();
  private final Failure deletes = new Failure();
  private volatile boolean closed;

  private MemoryStorageBackend(Builder b) {
    Caffeine<Object, Object> c = Caffeine.newBuilder().executor(b.executor);
    if (b.maximumEntries >= 0) {
      c.maximumSize(b.maximumEntries);
    }
    if (b.maximumBytes >= 0) {
      c.maximumWeight(b.maximumBytes).weigher((String k, byte[] v) -> v.length);
    }
    if (b.expireAfterWrite != null) {
      c.expireAfterWrite(b.expireAfterWrite);
    }
    TimeSource time = b.timeSource;
    c.ticker(time::nanoTime);
    this.cache = c.build();
    this.map = cache.asMap();
    this.limits = b.limits;
    this.scheduler = b.scheduler;
    this.latencyNanos = b.latency.toNanos();
  }

  /** Returns a builder with no bounds, no expiry and no latency. */
  public static Builder builder() {
    return new Builder();
  }

  /** Returns {@code memory}. */
  @Override
  public String name() {
    return "memory";
  }

  @Override
  public CompletionStage<Optional<byte[]>> read(String key) {
    check(key);
    return complete(() -> {
      reads.maybeFail();
      byte[] v = map.get(key);
      return Optional.ofNullable(v == null ? null : v.clone());
    });
  }

  @Override
  public CompletionStage<WriteResult> write(String key, byte[] record, WriteMode mode) {
    check(key);
    Objects.requireNonNull(record, "record");
    Objects.requireNonNull(mode, "mode");
    byte[] bytes = record.clone();
    return complete(() -> {
      writes.maybeFail();
      if (bytes.length > limits.maxRecordBytes()) {
        throw new RecordTooLargeException("record of " + bytes.length
            + " bytes exceeds maxRecordBytes " + limits.maxRecordBytes());
      }
      RecordHeader incoming = RecordFormat.readHeader(bytes, key);
      WriteResult[] out = new WriteResult[1];
      if (mode == WriteMode.REPLACE) {
        map.put(key, bytes);
        out[0] = new WriteResult(WriteStatus.WRITTEN, Optional.empty());
      } else {
        map.compute(key, (k, old) -> {
          WriteResult r = RecordFormat.decideWrite(Optional.ofNullable(old), incoming);
          out[0] = r;
          boolean write = r.status() == WriteStatus.WRITTEN
              || r.status() == WriteStatus.REPLACED_CORRUPT;
          return write ? bytes : old;
        });
      }
      history.computeIfAbsent(key, k -> new CopyOnWriteArrayList<>())
          .add(new WriteEvent(incoming, out[0]));
      return out[0];
    });
  }

  @Override
  public CompletionStage<Boolean> delete(String key) {
    check(key);
    return complete(() -> {
      deletes.maybeFail();
      return map.remove(key) != null;
    });
  }

  @Override
  public CompletionStage<Boolean> quarantine(String key, byte[] observed) {
    check(key);
    Objects.requireNonNull(observed, "observed");
    byte[] expected = observed.clone();
    return complete(() -> {
      boolean[] removed = new boolean[1];
      map.computeIfPresent(key, (k, v) -> {
        removed[0] = Arrays.equals(v, expected);
        return removed[0] ? null : v;
      });
      return removed[0];
    });
  }

  @Override
  public CompletionStage<Set<String>> keys() {
    if (closed) {
      throw new IllegalStateException("MemoryStorageBackend is closed");
    }
    return complete(() -> Set.copyOf(map.keySet()));
  }

  /** Marks the backend closed; idempotent. */
  @Override
  public void close() {
    closed = true;
  }

  /** Makes every write fail with the supplied throwable until {@link #clearFailures()}. */
  public void failWrites(Supplier<? extends Throwable> failure) {
    writes.set(Integer.MAX_VALUE, failure);
  }

  /** Makes the next {@code n} writes fail with the supplied throwable. */
  public void failNextWrites(int n, Supplier<? extends Throwable> failure) {
    writes.set(n, failure);
  }

  /** Makes every read fail until {@link #clearFailures()}. */
  public void failReads(Supplier<? extends Throwable> failure) {
    reads.set(Integer.MAX_VALUE, failure);
  }

  /** Makes every delete fail until {@link #clearFailures()}. */
  public void failDeletes(Supplier<? extends Throwable> failure) {
    deletes.set(Integer.MAX_VALUE, failure);
  }

  /** Stops every injected failure. */
  public void clearFailures() {
    writes.set(0, null);
    reads.set(0, null);
    deletes.set(0, null);
  }

  /** Stores {@code bytes} as given, bypassing every check. */
  public void putRaw(String key, byte[] bytes) {
    map.put(Topics.validate(key), bytes.clone());
  }

  /** Rewrites the stored bytes of {@code key} with {@code fn}, if any are stored. */
  public void corrupt(String key, UnaryOperator<byte[]> fn) {
    map.computeIfPresent(key, (k, v) -> fn.apply(v.clone()));
  }

  /** Returns a copy of the stored bytes of {@code key}. */
  public Optional<byte[]> rawBytes(String key) {
    byte[] v = map.get(key);
    return Optional.ofNullable(v == null ? null : v.clone());
  }

  /** Returns every write of {@code key} so far, oldest first. */
  public List<WriteEvent> writeHistory(String key) {
    return List.copyOf(history.getOrDefault(key, new ArrayList<>()));
  }

  /** Drops every record, the history and the injected failures. */
  public void reset() {
    map.clear();
    history.clear();
    clearFailures();
  }

  private void check(String key) {
    Objects.requireNonNull(key, "key");
    Topics.validate(key);
    if (closed) {
      throw new IllegalStateException("MemoryStorageBackend is closed");
    }
  }

  private <V> CompletableFuture<V> complete(Supplier<V> body) {
    if (latencyNanos == 0) {
      try {
        return CompletableFuture.completedFuture(body.get());
      } catch (RuntimeException e) {
        return CompletableFuture.failedFuture(e);
      }
    }
    CompletableFuture<V> f = new CompletableFuture<>();
    scheduler.schedule(() -> {
      try {
        f.complete(body.get());
      } catch (RuntimeException e) {
        f.completeExceptionally(e);
      }
    }, latencyNanos, TimeUnit.NANOSECONDS);
    return f;
  }

  private static final class Failure {
    private final AtomicInteger remaining = new AtomicInteger();
    private volatile Supplier<? extends Throwable> supplier;

    void set(int n, Supplier<? extends Throwable> s) {
      supplier = s;
      remaining.set(n);
    }

    void maybeFail() {
      Supplier<? extends Throwable> s = supplier;
      if (s != null && remaining.getAndUpdate(n -> n > 0 ? n - 1 : 0) > 0) {
        Throwable t = s.get();
        if (t instanceof RuntimeException) {
          throw (RuntimeException) t;
        }
        throw new java.util.concurrent.CompletionException(t);
      }
    }
  }

  /** Builds a {@link MemoryStorageBackend}. Not thread-safe. */
  public static final class Builder {
    private long maximumEntries = -1;
    private long maximumBytes = -1;
    private Duration expireAfterWrite;
    private TimeSource timeSource = TimeSource.system();
    private Executor executor = Runnable::run;
    private TaskScheduler scheduler = TaskScheduler.shared();
    private Duration latency = Duration.ZERO;
    private Limits limits = Limits.defaults();

    private Builder() {}

    /** Bounds the number of records; >= 0; exclusive with {@link #maximumBytes}. */
    public Builder maximumEntries(long n) {
      if (n < 0) {
        throw new IllegalArgumentException("maximumEntries must be >= 0, was " + n);
      }
      this.maximumEntries = n;
      return this;
    }

    /** Bounds the total record bytes; >= 0; exclusive with {@link #maximumEntries}. */
    public Builder maximumBytes(long n) {
      if (n < 0) {
        throw new IllegalArgumentException("maximumBytes must be >= 0, was " + n);
      }
      this.maximumBytes = n;
      return this;
    }

    /** Evicts records this long after their last write (unrelated to record TTL); > 0. */
    public Builder expireAfterWrite(Duration d) {
      Objects.requireNonNull(d, "expireAfterWrite");
      if (d.isNegative() || d.isZero()) {
        throw new IllegalArgumentException("expireAfterWrite must be > 0, was " + d);
      }
      this.expireAfterWrite = d;
      return this;
    }

    /** The clock that becomes the Caffeine {@code Ticker}; default the system clock. */
    public Builder timeSource(TimeSource timeSource) {
      this.timeSource = Objects.requireNonNull(timeSource, "timeSource");
      return this;
    }

    /** Executor for Caffeine maintenance; default {@code Runnable::run}, so eviction is
     * deterministic. */
    public Builder executor(Executor executor) {
      this.executor = Objects.requireNonNull(executor, "executor");
      return this;
    }

    /** Scheduler that delays operations by {@link #latency}; default the shared scheduler. */
    public Builder scheduler(TaskScheduler scheduler) {
      this.scheduler = Objects.requireNonNull(scheduler, "scheduler");
      return this;
    }

    /** Delays the completion of every operation; >= 0, default 0. */
    public Builder latency(Duration latency) {
      Objects.requireNonNull(latency, "latency");
      if (latency.isNegative()) {
        throw new IllegalArgumentException("latency must be >= 0, was " + latency);
      }
      this.latency = latency;
      return this;
    }

    /** Size limits for writes; default {@link Limits#defaults()}. */
    public Builder limits(Limits limits) {
      this.limits = Objects.requireNonNull(limits, "limits");
      return this;
    }

    /**
     * Returns the backend.
     *
     * @throws IllegalArgumentException if both {@code maximumEntries} and {@code maximumBytes}
     *     are set
     */
    public MemoryStorageBackend build() {
      if (maximumEntries >= 0 && maximumBytes >= 0) {
        throw new IllegalArgumentException(
            "maximumEntries and maximumBytes are exclusive; set at most one");
      }
      return new MemoryStorageBackend(this);
    }
  }
}
