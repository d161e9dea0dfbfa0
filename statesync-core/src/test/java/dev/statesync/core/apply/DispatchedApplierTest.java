package dev.statesync.core.apply;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.statesync.core.ApplyContext;
import dev.statesync.core.ApplyOrigin;
import dev.statesync.core.ApplyOutcome;
import dev.statesync.core.InvalidationSubscriber;
import dev.statesync.core.Revision;
import dev.statesync.core.RetryPolicy;
import dev.statesync.core.RevisionSyncHandle;
import dev.statesync.core.RevisionSyncOptions;
import dev.statesync.core.SnapshotApplier;
import dev.statesync.core.SnapshotEnvelope;
import dev.statesync.core.SnapshotProvider;
import dev.statesync.core.StateSync;
import dev.statesync.core.SyncErrorContext;
import dev.statesync.core.SyncPhase;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import javax.swing.SwingUtilities;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class DispatchedApplierTest {
  private static final ApplyContext CTX = ApplyContext.of("settings", ApplyOrigin.PROVIDER);
  private static final Executor SWING = SwingUtilities::invokeLater;

  @BeforeAll
  static void headless() {
    // No display in CI: Swing's event queue works headless, windows are not needed.
    System.setProperty("java.awt.headless", "true");
  }

  private static SnapshotEnvelope<String> env(long revision, String data) {
    return SnapshotEnvelope.of(Revision.of(revision), data);
  }

  private static RevisionSyncHandle<String> handle(
      SnapshotApplier<String> applier, CompletableFuture<SyncErrorContext> firstError) {
    return StateSync.createRevisionSync(RevisionSyncOptions.<String>builder()
        .topic("settings")
        .subscriber(InvalidationSubscriber.none())
        .provider(SnapshotProvider.of(() -> env(1, "v1")))
        .applier(applier)
        .retry(RetryPolicy.none())
        .onError(firstError::complete)
        .build());
  }

  /** Blocks the Swing event thread until the returned latch is released. */
  private static CountDownLatch blockEventThread() throws InterruptedException {
    CountDownLatch blocked = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    SwingUtilities.invokeLater(() -> {
      blocked.countDown();
      StateHolderTest.await(release);
    });
    assertTrue(blocked.await(5, TimeUnit.SECONDS));
    return release;
  }

  @Test
  void engineAppliesOnTheSwingEventThreadAndListenersRunThere() throws Exception {
    StateHolder<String> holder = StateHolder.create();
    AtomicBoolean applierOnEdt = new AtomicBoolean();
    List<Boolean> listenerOnEdt = Collections.synchronizedList(new ArrayList<>());
    holder.addListener(s -> listenerOnEdt.add(SwingUtilities.isEventDispatchThread()));
    SnapshotApplier<String> onEdt = DispatchedApplier.on(SWING, (s, c) -> {
      applierOnEdt.set(SwingUtilities.isEventDispatchThread());
      return holder.applier().apply(s, c);
    });
    CompletableFuture<SyncErrorContext> error = new CompletableFuture<>();

    try (RevisionSyncHandle<String> h = handle(onEdt, error)) {
      h.start().get(5, TimeUnit.SECONDS);
      assertEquals(ApplyOutcome.APPLIED, h.offer(env(2, "v2")).get(5, TimeUnit.SECONDS));

      assertTrue(applierOnEdt.get());
      assertEquals(List.of(true, true), listenerOnEdt);
      assertEquals("v2", holder.get());
      assertEquals(Revision.of(2), h.localRevision());
      assertFalse(error.isDone());
    }
  }

  @Test
  void stageCompletesOnlyAfterTheEventThreadApplied() throws Exception {
    StateHolder<String> holder = StateHolder.create();
    CountDownLatch release = blockEventThread();

    CompletableFuture<Void> stage =
        DispatchedApplier.on(SWING, holder.applier()).apply(env(1, "v1"), CTX).toCompletableFuture();

    assertFalse(stage.isDone());
    assertEquals(Optional.empty(), holder.revision());
    release.countDown();
    stage.get(5, TimeUnit.SECONDS);
    assertEquals("v1", holder.get());
  }

  @Test
  void failingUiApplyIsReportedByTheEngineAsAnApplyError() throws Exception {
    StateHolder<String> holder = StateHolder.create();
    IllegalStateException boom = new IllegalStateException("component disposed");
    SnapshotApplier<String> onEdt = DispatchedApplier.on(SWING, (s, c) -> {
      if ("bad".equals(s.data())) {
        throw boom;
      }
      return holder.applier().apply(s, c);
    });
    CompletableFuture<SyncErrorContext> error = new CompletableFuture<>();

    try (RevisionSyncHandle<String> h = handle(onEdt, error)) {
      h.start().get(5, TimeUnit.SECONDS);
      CompletableFuture<ApplyOutcome> offered = h.offer(env(2, "bad"));

      ExecutionException e =
          assertThrows(ExecutionException.class, () -> offered.get(5, TimeUnit.SECONDS));
      assertSame(boom, e.getCause());
      SyncErrorContext ctx = error.get(5, TimeUnit.SECONDS);
      assertEquals(SyncPhase.APPLY, ctx.phase());
      assertSame(boom, ctx.error());
      assertEquals("2", ctx.snapshotRevision());
      assertEquals(Revision.of(1), h.localRevision());
      assertEquals("v1", holder.get());
    }
  }

  @Test
  void rejectedExecutionFailsTheStage() {
    RejectedExecutionException rejected = new RejectedExecutionException("shut down");
    Executor refusing = task -> {
      throw rejected;
    };

    CompletableFuture<Void> stage = DispatchedApplier.<String>on(refusing, (s, c) -> {
      throw new AssertionError("must not run");
    }).apply(env(1, "v1"), CTX).toCompletableFuture();

    ExecutionException e = assertThrows(ExecutionException.class, stage::get);
    assertSame(rejected, e.getCause());
  }

  @Test
  void delegateReturningNullFailsTheStage() {
    CompletableFuture<Void> stage = DispatchedApplier.<String>on(Runnable::run, (s, c) -> null)
        .apply(env(1, "v1"), CTX).toCompletableFuture();

    ExecutionException e = assertThrows(ExecutionException.class, stage::get);
    assertInstanceOf(NullPointerException.class, e.getCause());
  }

  @Test
  void noApplyBeginsAfterStopAndTheRunningUiApplyFinishesAndIsRecorded() throws Exception {
    StateHolder<String> holder = StateHolder.create();
    List<Revision> told = Collections.synchronizedList(new ArrayList<>());
    holder.addListener(s -> told.add(s.revision()));
    List<CountDownLatch> submitted = List.of(new CountDownLatch(1), new CountDownLatch(2));
    Executor countingSwing = task -> {
      submitted.forEach(CountDownLatch::countDown);
      SwingUtilities.invokeLater(task);
    };
    CompletableFuture<SyncErrorContext> error = new CompletableFuture<>();
    RevisionSyncHandle<String> h =
        handle(DispatchedApplier.on(countingSwing, holder.applier()), error);
    h.start().get(5, TimeUnit.SECONDS);

    CountDownLatch release = blockEventThread();
    CompletableFuture<ApplyOutcome> inFlight = h.offer(env(2, "v2"));
    assertTrue(submitted.get(1).await(5, TimeUnit.SECONDS), "apply of r2 reached the executor");
    h.stop();
    CompletableFuture<ApplyOutcome> afterStop = h.offer(env(3, "v3"));
    CompletableFuture<Void> closed = h.closeAsync();
    assertFalse(closed.isDone(), "close waits for the apply running on the UI thread");
    release.countDown();
    closed.get(5, TimeUnit.SECONDS);

    assertEquals(ApplyOutcome.STOPPED, afterStop.get(5, TimeUnit.SECONDS));
    assertTrue(inFlight.isDone());
    assertEquals(List.of(Revision.of(1), Revision.of(2)), told);
    assertEquals("v2", holder.get());
    assertEquals(Revision.of(2), h.localRevision());
    assertFalse(error.isDone());
  }

  @Test
  void nullsAreRejectedNamingTheParameter() {
    NullPointerException e = assertThrows(NullPointerException.class,
        () -> DispatchedApplier.on(null, StateHolder.<String>create().applier()));
    assertEquals("executor", e.getMessage());
    e = assertThrows(NullPointerException.class, () -> DispatchedApplier.on(SWING, null));
    assertEquals("delegate", e.getMessage());
  }
}
