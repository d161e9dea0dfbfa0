package dev.statesync.core.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.statesync.core.ApplyOutcome;
import dev.statesync.core.InvalidationEvent;
import dev.statesync.core.RevisionSyncOptions;
import dev.statesync.core.SyncStatus;
import dev.statesync.core.testing.VirtualTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.function.Consumer;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * Several windows on one in-memory store, fed by a lossy, jittery bus on virtual time
 * (CA-96..106). Convergence means every window holds the store's epoch, revision and data.
 */
class MultiWindowTest {
  private final VirtualTime time = new VirtualTime();
  private final SimulatedBus bus = new SimulatedBus(time, 42);
  private final InMemoryStore store = new InMemoryStore("settings", null, bus::publish);

  private Window window(String name) {
    return window(name, b -> { });
  }

  private Window window(String name, Consumer<RevisionSyncOptions.Builder<String>> customize) {
    return new Window(name, store, bus, time, customize);
  }

  private Window started(String name) {
    Window w = window(name);
    w.handle.start();
    time.advanceMs(1000);
    assertEquals(SyncStatus.RUNNING, w.handle.status());
    return w;
  }

  private void settle() {
    time.advanceMs(30_000);
  }

  private void assertConverged(Window... windows) {
    for (Window w : windows) {
      assertEquals(store.revision(), w.handle.localRevision(), w.name + " revision");
      assertEquals(store.epoch(), w.handle.localEpoch().orElse(null), w.name + " epoch");
      assertEquals(store.data(), w.data(), w.name + " data");
      assertEquals(List.of(), w.errors, w.name + " errors");
    }
  }

  @Test
  @DisplayName("CA-96 A mutates: B and C converge; a C started late gets the current state")
  void peersConvergeAndLateWindowStartsCurrent() {
    Window a = started("A");
    Window b = started("B");
    a.write("one");
    a.write("two");
    settle();
    assertConverged(a, b);

    Window c = window("C");
    c.handle.start().join();
    assertConverged(a, b, c);
    assertEquals(1, c.applied.size());
  }

  @Test
  @DisplayName("CA-97 10 ping-pong mutations by A and B converge")
  void pingPongConverges() {
    Window a = started("A");
    Window b = started("B");
    for (int i = 0; i < 10; i++) {
      (i % 2 == 0 ? a : b).write("v" + i);
      time.advanceMs(5);
    }
    settle();
    assertConverged(a, b);
    assertEquals("v9", b.data());
  }

  @Test
  @DisplayName("CA-97 events delivered in reverse order end on the last data")
  void reverseDeliveryEndsOnLastData() {
    Window a = started("A");
    Window b = started("B");
    bus.hold = true;
    for (int i = 0; i < 5; i++) {
      a.write("v" + i);
    }
    List<InvalidationEvent> events = new ArrayList<>(bus.takeHeld());
    java.util.Collections.reverse(events);
    events.forEach(bus::broadcast);
    settle();

    assertConverged(a, b);
    assertEquals("v4", b.data());
  }

  @Test
  @DisplayName("CA-98 a 100 ms provider and 5 fast mutations: at most 3 snapshot calls")
  void slowProviderCoalescesFastMutations() {
    Window a = started("A");
    Window b = started("B");
    b.providerDelayMs = () -> 100;
    int before = b.snapshotCalls();
    for (int i = 0; i < 5; i++) {
      a.write("v" + i);
      time.advanceMs(2);
    }
    settle();

    assertTrue(b.snapshotCalls() - before <= 3, "calls " + (b.snapshotCalls() - before));
    assertConverged(a, b);
  }

  @Test
  @DisplayName("CA-99 5 windows and 50 mutations converge with fewer than 250 snapshot calls")
  void manyWindowsConvergeEfficiently() {
    List<Window> windows = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      windows.add(started("W" + i));
    }
    int before = windows.stream().mapToInt(Window::snapshotCalls).sum();
    Random r = new Random(1);
    for (int i = 0; i < 50; i++) {
      windows.get(r.nextInt(5)).write("v" + i);
      time.advanceMs(r.nextInt(10));
    }
    settle();

    int calls = windows.stream().mapToInt(Window::snapshotCalls).sum() - before;
    assertTrue(calls < 250, "calls " + calls);
    assertConverged(windows.toArray(Window[]::new));
  }

  @Test
  @DisplayName("CA-99 20 mutations with random 10-100 ms provider delays converge")
  void randomProviderDelaysConverge() {
    Random r = new Random(3);
    Window a = started("A");
    Window b = started("B");
    Window c = started("C");
    b.providerDelayMs = () -> 10 + r.nextInt(91);
    c.providerDelayMs = () -> 10 + r.nextInt(91);
    for (int i = 0; i < 20; i++) {
      a.write("v" + i);
      time.advanceMs(r.nextInt(30));
    }
    settle();
    assertConverged(a, b, c);
  }

  @Test
  @DisplayName("CA-100 three mutations with identical data advance every window to r3")
  void identicalDataStillAdvancesRevision() {
    Window a = started("A");
    Window b = started("B");
    a.write("same");
    time.advanceMs(100);
    a.write("same");
    time.advanceMs(100);
    // The store started at r1; two more writes bring it to r3.
    settle();
    assertEquals("3", b.handle.localRevision().toString());
    assertConverged(a, b);
  }

  @Test
  @DisplayName("CA-100 a jump to r999 then a broadcast converges on 999")
  void revisionJumpConverges() {
    Window a = started("A");
    Window b = started("B");
    store.jumpTo(999, "jumped");
    bus.broadcast(store.currentEvent(null));
    settle();

    assertEquals("999", b.handle.localRevision().toString());
    assertConverged(a, b);
  }

  @Test
  @DisplayName("CA-101 every event delivered twice: at most 3 snapshot calls")
  void duplicatedEventsFetchAtMostOnceExtra() {
    Window a = started("A");
    Window b = started("B");
    bus.duplicateRate = 1.0;
    a.write("dup");
    settle();

    assertTrue(b.snapshotCalls() <= 3, "calls " + b.snapshotCalls());
    assertTrue(b.handle.stats().droppedStale() >= 1);
    assertConverged(a, b);
  }

  @Test
  @DisplayName("CA-101 30% of events dropped, plus a final broadcast: convergence")
  void droppedEventsRecoverWithFinalBroadcast() {
    Window a = started("A");
    Window b = started("B");
    Window c = started("C");
    bus.dropRate = 0.3;
    for (int i = 0; i < 30; i++) {
      a.write("v" + i);
      time.advanceMs(7);
    }
    settle();
    bus.broadcast(store.currentEvent(null));
    settle();
    assertConverged(a, b, c);
  }

  @Test
  @DisplayName("CA-102 a window restarted after 4 missed mutations ends at r5 with one apply")
  void restartedWindowCatchesUpWithOneApply() {
    Window a = started("A");
    Window b = started("B");
    b.handle.close();
    for (int i = 0; i < 4; i++) {
      a.write("v" + i);
    }
    settle();

    Window reloaded = window("B");
    reloaded.handle.start().join();
    settle();
    assertEquals("5", reloaded.handle.localRevision().toString());
    assertEquals(1, reloaded.applied.size());
    assertConverged(a, reloaded);
  }

  @Test
  @DisplayName("CA-103 B writes from inside its applier: every window ends on the cascaded state")
  void cascadeFromApplierConverges() {
    Window a = started("A");
    Window b = started("B");
    Window c = started("C");
    b.onApplied = env -> {
      if ("ping".equals(env.data())) {
        b.write("pong");
      }
    };
    a.write("ping");
    settle();

    assertEquals("pong", store.data());
    assertConverged(a, b, c);
  }

  @Test
  @DisplayName("CA-104 a provider hangs once, a mutation follows, the hang is released: converge")
  void hungProviderThenReleaseConverges() {
    Window a = started("A");
    Window b = started("B");
    b.hangNextCall();
    a.write("first");
    time.advanceMs(100);
    a.write("second");
    time.advanceMs(100);
    b.releaseHang();
    settle();
    assertConverged(a, b);
  }

  @Test
  @DisplayName("CA-105 a writer that offers its write response fetches nothing for its own writes")
  void offeringWriterSkipsOwnEvents() {
    Window a = window("A", o -> o.ignoreOwnEvents(true));
    a.handle.start().join();
    Window b = started("B");
    int before = a.snapshotCalls();
    for (int i = 0; i < 5; i++) {
      assertEquals(ApplyOutcome.APPLIED, a.handle.offer(a.write("v" + i)).join());
      time.advanceMs(10);
    }
    settle();

    assertEquals(before, a.snapshotCalls());
    // The offer already applied each write, so its echo is stale before it is even own-source.
    assertEquals(5, a.handle.stats().eventsReceived());
    assertEquals(5, a.handle.stats().droppedStale());
    assertConverged(a, b);
  }

  @Test
  @DisplayName("CA-106 the source resets to a new epoch at r0, then mutates: all converge")
  void epochResetConverges() {
    Window a = started("A");
    Window b = started("B");
    Window c = started("C");
    a.write("before");
    settle();
    store.resetEpoch("e2");
    time.advanceMs(5);
    a.write("after");
    settle();

    assertConverged(a, b, c);
    assertEquals("1", b.handle.localRevision().toString());
  }
}
