package dev.statesync.core.engine;

import dev.statesync.core.SnapshotEnvelope;
import dev.statesync.core.SnapshotProvider;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * A provider whose every {@code getSnapshot()} returns a fresh future that the test completes.
 * It also tracks how many calls are outstanding at once, to check single flight.
 */
final class ScriptedProvider<T> implements SnapshotProvider<T> {
  private final Deque<CompletableFuture<SnapshotEnvelope<T>>> pending = new ArrayDeque<>();
  private CompletableFuture<SnapshotEnvelope<T>> last;
  private int calls;
  private int maxOutstanding;

  @Override
  public synchronized CompletionStage<SnapshotEnvelope<T>> getSnapshot() {
    calls++;
    CompletableFuture<SnapshotEnvelope<T>> f = new CompletableFuture<>();
    pending.removeIf(CompletableFuture::isDone);
    pending.add(f);
    maxOutstanding = Math.max(maxOutstanding, pending.size());
    last = f;
    return f;
  }

  synchronized int calls() {
    return calls;
  }

  synchronized int maxOutstanding() {
    return maxOutstanding;
  }

  /** Calls not yet completed by the test (cancelled calls count as completed). */
  synchronized int outstanding() {
    pending.removeIf(CompletableFuture::isDone);
    return pending.size();
  }

  synchronized CompletableFuture<SnapshotEnvelope<T>> last() {
    return last;
  }

  /** Completes the oldest outstanding call with {@code env}. */
  void complete(SnapshotEnvelope<T> env) {
    next().complete(env);
  }

  /** Fails the oldest outstanding call with {@code error}. */
  void fail(Throwable error) {
    next().completeExceptionally(error);
  }

  private synchronized CompletableFuture<SnapshotEnvelope<T>> next() {
    pending.removeIf(CompletableFuture::isDone);
    CompletableFuture<SnapshotEnvelope<T>> f = pending.poll();
    if (f == null) {
      throw new AssertionError("no getSnapshot call is outstanding (calls so far: " + calls + ")");
    }
    return f;
  }
}
