package dev.statesync.core.apply;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.statesync.core.ApplyContext;
import dev.statesync.core.ApplyOrigin;
import dev.statesync.core.Epoch;
import dev.statesync.core.Revision;
import dev.statesync.core.SnapshotEnvelope;
import dev.statesync.core.Subscription;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Flow;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

class StateHolderTest {
  private static final ApplyContext CTX = ApplyContext.of("settings", ApplyOrigin.PROVIDER);

  private static SnapshotEnvelope<String> env(long revision, String data) {
    return SnapshotEnvelope.of(Revision.of(revision), data);
  }

  @Test
  void emptyHolderHasNoValueRevisionOrEpoch() {
    StateHolder<String> holder = StateHolder.create();
    assertNull(holder.get());
    assertEquals(Optional.empty(), holder.revision());
    assertEquals(Optional.empty(), holder.epoch());
    assertEquals(Optional.empty(), holder.snapshot());
  }

  @Test
  void applyPublishesValueRevisionAndEpochAndCompletesTheStage() {
    StateHolder<String> holder = StateHolder.create();
    SnapshotEnvelope<String> s = SnapshotEnvelope.of(Revision.ZERO, "dark", Epoch.of("e1"));

    CompletableFuture<Void> stage = holder.applier().apply(s, CTX).toCompletableFuture();

    assertTrue(stage.isDone() && !stage.isCompletedExceptionally());
    assertEquals("dark", holder.get());
    assertEquals(Optional.of(Revision.ZERO), holder.revision());
    assertEquals(Optional.of(Epoch.of("e1")), holder.epoch());
    assertEquals(Optional.of(s), holder.snapshot());
  }

  @Test
  void listenersAreToldInRegistrationOrderAndUnsubscribeRemovesOnlyThatRegistration() {
    StateHolder<String> holder = StateHolder.create();
    List<String> calls = new ArrayList<>();
    Subscription first = holder.addListener(s -> calls.add("a:" + s.data()));
    holder.addListener(s -> calls.add("b:" + s.data()));

    holder.applier().apply(env(1, "x"), CTX);
    first.unsubscribe();
    first.unsubscribe();
    holder.applier().apply(env(2, "y"), CTX);

    assertEquals(List.of("a:x", "b:x", "b:y"), calls);
  }

  @Test
  void listenerReadsTheAnnouncedValueWhileOtherThreadsStillReadThePreviousOne() throws Exception {
    StateHolder<String> holder = StateHolder.create();
    holder.applier().apply(env(1, "old"), CTX);
    CountDownLatch inListener = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    AtomicReference<String> seenInListener = new AtomicReference<>();
    holder.addListener(s -> {
      seenInListener.set(holder.get());
      inListener.countDown();
      await(release);
    });

    CompletableFuture<Void> applying = CompletableFuture.runAsync(
        () -> holder.applier().apply(env(2, "new"), CTX));
    assertTrue(inListener.await(5, TimeUnit.SECONDS));

    assertEquals("old", holder.get());
    assertEquals(Optional.of(Revision.of(1)), holder.revision());
    release.countDown();
    applying.get(5, TimeUnit.SECONDS);
    assertEquals("new", seenInListener.get());
    assertEquals("new", holder.get());
  }

  @Test
  void concurrentAppliesReachEveryListenerAndSubscriberInOneOrderAndReadersNeverRunAhead()
      throws Exception {
    int threads = 4;
    int perThread = 50;
    StateHolder<String> holder = StateHolder.create();
    List<Revision> first = Collections.synchronizedList(new ArrayList<>());
    List<Revision> second = Collections.synchronizedList(new ArrayList<>());
    Set<Revision> told = ConcurrentHashMap.newKeySet();
    holder.addListener(s -> first.add(s.revision()));
    holder.addListener(s -> {
      second.add(s.revision());
      told.add(s.revision());
    });
    CollectingSubscriber published = new CollectingSubscriber(threads * perThread);
    holder.updates().subscribe(published);

    AtomicBoolean done = new AtomicBoolean();
    AtomicReference<Revision> ranAhead = new AtomicReference<>();
    Thread reader = new Thread(() -> {
      while (!done.get()) {
        holder.revision().ifPresent(r -> {
          if (!told.contains(r)) {
            ranAhead.compareAndSet(null, r);
          }
        });
      }
    });
    reader.start();
    CountDownLatch go = new CountDownLatch(1);
    List<Thread> writers = new ArrayList<>();
    for (int t = 0; t < threads; t++) {
      int base = t * perThread;
      Thread w = new Thread(() -> {
        await(go);
        for (int i = 1; i <= perThread; i++) {
          holder.applier().apply(env(base + i, "v" + (base + i)), CTX);
        }
      });
      writers.add(w);
      w.start();
    }
    go.countDown();
    for (Thread w : writers) {
      w.join(10_000);
      assertFalse(w.isAlive());
    }
    done.set(true);
    reader.join(10_000);

    assertNull(ranAhead.get(), "a reader saw a revision before the listeners were told");
    assertEquals(threads * perThread, first.size());
    assertEquals(first, second);
    assertEquals(Optional.of(first.get(first.size() - 1)), holder.revision());
    assertTrue(published.all.await(10, TimeUnit.SECONDS));
    assertEquals(first, published.revisions);
  }

  @Test
  void throwingListenerIsLoggedAndDoesNotStopOtherListenersOrTheApply() {
    RecordingLogger logger = new RecordingLogger();
    StateHolder<String> holder = StateHolder.create(logger, Runnable::run);
    List<String> later = new ArrayList<>();
    holder.addListener(s -> {
      throw new IllegalStateException("boom");
    });
    holder.addListener(s -> later.add(s.data()));

    CompletableFuture<Void> stage = holder.applier().apply(env(1, "x"), CTX).toCompletableFuture();

    assertTrue(stage.isDone() && !stage.isCompletedExceptionally());
    assertEquals(List.of("x"), later);
    assertEquals("x", holder.get());
    assertEquals(1, logger.warnings.size());
    assertEquals("state listener threw", logger.warnings.get(0).message());
    assertInstanceOf(IllegalStateException.class, logger.warnings.get(0).extra().get("error"));
  }

  @Test
  void applyFromOwnListenerFailsInsteadOfAnnouncingOutOfOrder() throws Exception {
    StateHolder<String> holder = StateHolder.create();
    AtomicReference<CompletableFuture<Void>> nested = new AtomicReference<>();
    List<String> seen = new ArrayList<>();
    holder.addListener(s -> {
      seen.add(s.data());
      if (nested.get() == null) {
        nested.set(holder.applier().apply(env(9, "nested"), CTX).toCompletableFuture());
      }
    });

    holder.applier().apply(env(1, "x"), CTX);

    ExecutionException e = org.junit.jupiter.api.Assertions.assertThrows(
        ExecutionException.class, () -> nested.get().get(5, TimeUnit.SECONDS));
    assertInstanceOf(IllegalStateException.class, e.getCause());
    assertEquals(List.of("x"), seen);
    assertEquals("x", holder.get());
  }

  @Test
  void applierIsStable() {
    StateHolder<String> holder = StateHolder.create();
    assertSame(holder.applier(), holder.applier());
  }

  static void await(CountDownLatch latch) {
    try {
      if (!latch.await(10, TimeUnit.SECONDS)) {
        throw new AssertionError("latch not released in time");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }

  /** Requests everything and counts down once {@code expected} items arrived. */
  static final class CollectingSubscriber implements Flow.Subscriber<SnapshotEnvelope<String>> {
    final List<Revision> revisions = Collections.synchronizedList(new ArrayList<>());
    final CountDownLatch all;

    CollectingSubscriber(int expected) {
      this.all = new CountDownLatch(expected);
    }

    @Override
    public void onSubscribe(Flow.Subscription subscription) {
      subscription.request(Long.MAX_VALUE);
    }

    @Override
    public void onNext(SnapshotEnvelope<String> item) {
      revisions.add(item.revision());
      all.countDown();
    }

    @Override
    public void onError(Throwable throwable) {}

    @Override
    public void onComplete() {}
  }
}
