package dev.statesync.core.engine;

import dev.statesync.core.InvalidationEvent;
import dev.statesync.core.InvalidationSink;
import dev.statesync.core.InvalidationSubscriber;
import dev.statesync.core.Subscription;
import dev.statesync.core.testing.VirtualTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

/**
 * An event bus on virtual time. Each published event is delivered to every live sink after a
 * random delay in [minDelayMs, maxDelayMs], possibly dropped or duplicated. With {@code hold}
 * set, events are kept for the test to deliver in an order of its choosing.
 */
final class SimulatedBus {
  private final VirtualTime time;
  private final Random random;
  private final List<InvalidationSink> sinks = new CopyOnWriteArrayList<>();
  private final List<InvalidationEvent> held = new ArrayList<>();
  long minDelayMs = 1;
  long maxDelayMs = 20;
  double dropRate;
  double duplicateRate;
  boolean hold;

  SimulatedBus(VirtualTime time, long seed) {
    this.time = time;
    this.random = new Random(seed);
  }

  /** A subscriber for one window; unsubscribing removes its sink from the bus. */
  InvalidationSubscriber subscriber() {
    return sink -> {
      sinks.add(sink);
      CompletionStage<Subscription> s = CompletableFuture.completedFuture(() -> sinks.remove(sink));
      return s;
    };
  }

  void publish(InvalidationEvent event) {
    if (hold) {
      held.add(event);
      return;
    }
    for (InvalidationSink sink : sinks) {
      if (random.nextDouble() < dropRate) {
        continue;
      }
      int copies = random.nextDouble() < duplicateRate ? 2 : 1;
      for (int i = 0; i < copies; i++) {
        long delay = minDelayMs + (long) (random.nextDouble() * (maxDelayMs - minDelayMs + 1));
        time.schedule(() -> sink.accept(event), delay, TimeUnit.MILLISECONDS);
      }
    }
  }

  /** Delivers {@code event} to every live sink at once, never dropped. */
  void broadcast(InvalidationEvent event) {
    for (InvalidationSink sink : sinks) {
      sink.accept(event);
    }
  }

  /** The events kept while {@code hold} was set, in publication order; clears them. */
  List<InvalidationEvent> takeHeld() {
    List<InvalidationEvent> out = List.copyOf(held);
    held.clear();
    return out;
  }
}
