package dev.statesync.persistence;

import dev.statesync.core.TaskScheduler;
import dev.statesync.persistence.memory.MemoryStorageBackend;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.LongSupplier;

/**
 * A {@link MemoryStorageBackend} whose writes complete after a per-write latency on an injected
 * scheduler (a different one for each write, unlike the memory backend's fixed latency), or hang
 * until the test releases them. It records how many writes overlapped.
 */
final class DelayedBackend implements StorageBackend {
  final MemoryStorageBackend store;
  private final TaskScheduler scheduler;
  private final LongSupplier latencyMs;
  private final AtomicInteger inFlight = new AtomicInteger();
  private final AtomicInteger maxInFlight = new AtomicInteger();
  private final List<Runnable> hung = new ArrayList<>();
  private int hangNext;

  DelayedBackend(MemoryStorageBackend store, TaskScheduler scheduler, LongSupplier latencyMs) {
    this.store = store;
    this.scheduler = scheduler;
    this.latencyMs = latencyMs;
  }

  /** Makes the next {@code n} writes hang until {@link #releaseHung()}. */
  synchronized void hangNextWrites(int n) {
    hangNext = n;
  }

  /** Lets every hung write reach the store now. */
  void releaseHung() {
    List<Runnable> release;
    synchronized (this) {
      release = new ArrayList<>(hung);
      hung.clear();
    }
    release.forEach(Runnable::run);
  }

  int maxInFlight() {
    return maxInFlight.get();
  }

  @Override
  public CompletionStage<Optional<byte[]>> read(String key) {
    return store.read(key);
  }

  @Override
  public CompletionStage<WriteResult> write(String key, byte[] record, WriteMode mode) {
    maxInFlight.accumulateAndGet(inFlight.incrementAndGet(), Math::max);
    CompletableFuture<WriteResult> out = new CompletableFuture<>();
    Runnable perform = () -> {
      inFlight.decrementAndGet();
      store.write(key, record, mode).whenComplete((r, e) -> {
        if (e != null) {
          out.completeExceptionally(e);
        } else {
          out.complete(r);
        }
      });
    };
    synchronized (this) {
      if (hangNext > 0) {
        hangNext--;
        hung.add(perform);
        return out;
      }
    }
    scheduler.schedule(perform, latencyMs.getAsLong(), TimeUnit.MILLISECONDS);
    return out;
  }

  @Override
  public CompletionStage<Boolean> delete(String key) {
    return store.delete(key);
  }

  @Override
  public CompletionStage<Set<String>> keys() {
    return store.keys();
  }

  @Override
  public CompletionStage<Boolean> quarantine(String key, byte[] observed) {
    return store.quarantine(key, observed);
  }

  @Override
  public String name() {
    return "delayed-memory";
  }

  @Override
  public void close() {
    store.close();
  }
}
