package dev.statesync.relay.testserver;

import dev.statesync.core.InvalidationEvent;
import dev.statesync.core.InvalidationSink;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/** An {@link InvalidationSink} that records what a transport delivers, with bounded waits. */
public final class RecordingSink implements InvalidationSink {
  private final List<String> json = new ArrayList<>();
  private int resyncs;

  @Override
  public synchronized void accept(InvalidationEvent event) {
    json.add("decoded:" + event);
    notifyAll();
  }

  @Override
  public synchronized void acceptJson(String text) {
    json.add(text);
    notifyAll();
  }

  @Override
  public synchronized void acceptJson(byte[] bytes) {
    acceptJson(new String(bytes, StandardCharsets.UTF_8));
  }

  @Override
  public synchronized void resync() {
    resyncs++;
    notifyAll();
  }

  /** Returns the JSON texts received, in order. */
  public synchronized List<String> received() {
    return List.copyOf(json);
  }

  /** Returns how many times {@link #resync()} was called. */
  public synchronized int resyncs() {
    return resyncs;
  }

  /** Waits until the sink's state satisfies {@code condition}, at most {@code timeout}. */
  public synchronized void await(String what, Duration timeout, Predicate<RecordingSink> condition) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (!condition.test(this)) {
      long left = deadline - System.nanoTime();
      if (left <= 0) {
        throw new AssertionError(
            "timed out waiting for " + what + "; received " + json + ", resyncs " + resyncs);
      }
      try {
        wait(Math.max(1, TimeUnit.NANOSECONDS.toMillis(left)));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new AssertionError(e);
      }
    }
  }
}
