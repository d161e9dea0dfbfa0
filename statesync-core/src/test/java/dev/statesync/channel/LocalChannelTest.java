package dev.statesync.channel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** Single-JVM behaviour with real sockets and files. */
class LocalChannelTest {
  Path base;

  @BeforeEach
  void setUp() throws IOException {
    base = Files.createTempDirectory(Path.of("/tmp"), "sl");
  }

  ChannelOptions.Builder opts(String sub) {
    return ChannelOptions.builder().runtimeDir(base.resolve(sub));
  }

  static void awaitCondition(Duration timeout, BooleanSupplier cond) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (!cond.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("condition not met within " + timeout);
      }
      LockSupport.parkNanos(2_000_000L);
    }
  }

  @Test
  @DisplayName("AC-CHAN-03 listeners never run on the posting thread; a blocked one is no deadlock")
  void listenersNeverRunOnThePostingThreadAndABlockedListenerCannotDeadlockPost()
      throws Exception {
    ChannelOptions o = opts("a").build();
    try (BroadcastChannel x = BroadcastChannel.open("async", o);
        BroadcastChannel y = BroadcastChannel.open("async", o)) {
      CountDownLatch release = new CountDownLatch(1);
      CountDownLatch ran = new CountDownLatch(1);
      AtomicReference<Thread> listenerThread = new AtomicReference<>();
      y.subscribe(m -> {
        listenerThread.set(Thread.currentThread());
        try {
          release.await(60, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
        ran.countDown();
      });
      PostReceipt r = x.post(new byte[] {1}).get(30, TimeUnit.SECONDS);
      release.countDown();
      assertTrue(ran.await(30, TimeUnit.SECONDS));
      assertNotEquals(Thread.currentThread(), listenerThread.get());
      assertEquals(1, r.seq() > 0 ? 1 : 0);
      assertTrue(x.isHub() && y.isHub(), "both instances share the JVM's hub");
    }
  }

  @Test
  @DisplayName("AC-CHAN-17 a slow listener gets one SLOW_SUBSCRIBER resync; its sibling gets all")
  void aSlowListenerIsResyncedWhileItsSiblingGetsEverything() throws Exception {
    ChannelOptions slowOpts = opts("s").listenerQueueMessages(100).build();
    try (BroadcastChannel x = BroadcastChannel.open("slow", slowOpts);
        BroadcastChannel y = BroadcastChannel.open("slow", slowOpts);
        BroadcastChannel z = BroadcastChannel.open("slow",
            opts("s").listenerQueueMessages(100_000).build())) {
      CountDownLatch release = new CountDownLatch(1);
      CountDownLatch blocked = new CountDownLatch(1);
      List<Long> yGot = new CopyOnWriteArrayList<>();
      List<ResyncReason> yResyncs = new CopyOnWriteArrayList<>();
      List<Long> zGot = new CopyOnWriteArrayList<>();
      y.subscribe(m -> {
        blocked.countDown();
        try {
          release.await(60, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
        yGot.add(m.seq());
      });
      y.onResync(yResyncs::add);
      z.subscribe(m -> zGot.add(m.seq()));
      // The scenario starts with Y's listener already blocked: otherwise its dispatcher could
      // run the first overflow signal, take one message, block and overflow a second time.
      x.post(new byte[16]).get(30, TimeUnit.SECONDS);
      assertTrue(blocked.await(30, TimeUnit.SECONDS), "Y's listener is blocked");
      for (int i = 1; i < 2000; i++) {
        x.post(new byte[16]);
      }
      awaitCondition(Duration.ofSeconds(30), () -> zGot.size() == 2000);
      release.countDown();
      x.post(new byte[16]).get(30, TimeUnit.SECONDS);
      awaitCondition(Duration.ofSeconds(30), () -> zGot.size() == 2001 && !yResyncs.isEmpty()
          && yGot.contains(zGot.get(2000)));
      assertEquals(List.of(ResyncReason.SLOW_SUBSCRIBER), yResyncs);
      assertTrue(yGot.size() < 2001, "messages queued at overflow were dropped");
      assertEquals(1, y.stats().resyncs());
    }
  }

  @Test
  @DisplayName("AC-CHAN-33 a typed subscriber decodes records; a mismatched codec counts a failure")
  void aTypedSubscriberDecodesRecordsAndAMismatchedCodecCountsAFailure() throws Exception {
    ChannelOptions o = opts("t").build();
    try (BroadcastChannel x = BroadcastChannel.open("typed", o);
        BroadcastChannel y = BroadcastChannel.open("typed", o)) {
      List<Point> good = new CopyOnWriteArrayList<>();
      List<Integer> bad = new CopyOnWriteArrayList<>();
      y.subscribe(MessageCodec.json(Point.class), good::add);
      y.subscribe(MessageCodec.json(Integer.class), bad::add);
      x.post(new Point(3, 4), MessageCodec.json(Point.class)).get(30, TimeUnit.SECONDS);
      awaitCondition(Duration.ofSeconds(30), () -> good.size() == 1
          && y.stats().decodeFailures() == 1);
      assertEquals(new Point(3, 4), good.get(0));
      assertTrue(bad.isEmpty());
    }
  }

  /** A record for the typed codec test. */
  public record Point(int x, int y) {}

  @Test
  @DisplayName("AC-CHAN-20 a socket path over the limit fails at open, names the remedy")
  void aSocketPathOverTheLimitFailsAtOpenNamingTheRemedyAndCreatesNothing() {
    Path longDir = base.resolve("x".repeat(110 - base.toString().length() - 1));
    assertEquals(110, longDir.toString().length());
    ChannelPathTooLongException e = assertThrows(ChannelPathTooLongException.class,
        () -> BroadcastChannel.open("long", ChannelOptions.builder().runtimeDir(longDir).build()));
    assertTrue(e.getMessage().contains(longDir.toString()));
    assertTrue(e.getMessage().contains("107"));
    assertTrue(e.getMessage().contains("statesync.runtimeDir"));
    assertFalse(Files.exists(longDir), "nothing created");
    try (BroadcastChannel tcp = BroadcastChannel.open("long", ChannelOptions.builder()
        .runtimeDir(longDir).transport(Transport.TCP).build())) {
      assertTrue(tcp.isHub());
    }
  }

  @Test
  @DisplayName("AC-CHAN-21 the directory is made 0700, tightened when wide, refused as a symlink")
  void theRuntimeDirectoryIsCreatedPrivateTightenedWhenWideAndRefusedWhenASymlink()
      throws IOException {
    Path fresh = base.resolve("fresh");
    BroadcastChannel.open("dir", ChannelOptions.builder().runtimeDir(fresh).build()).close();
    assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(fresh)));
    Path wide = Files.createDirectory(base.resolve("wide"));
    Files.setPosixFilePermissions(wide, PosixFilePermissions.fromString("rwxr-xr-x"));
    BroadcastChannel.open("dir", ChannelOptions.builder().runtimeDir(wide).build()).close();
    assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(wide)));
    Path link = Files.createSymbolicLink(base.resolve("link"), fresh);
    assertThrows(ChannelSecurityException.class,
        () -> BroadcastChannel.open("dir", ChannelOptions.builder().runtimeDir(link).build()));
  }

  @Test
  @DisplayName("AC-CHAN-22 a directory owned by another user is refused, naming the owner")
  void aDirectoryOwnedByAnotherUserIsRefusedNamingTheOwner() throws Exception {
    org.junit.jupiter.api.Assumptions.assumeTrue(
        dev.statesync.channel.internal.RuntimeDirs.uid() == 0,
        "needs root to chown the directory to nobody; skipped when not root");
    Path foreign = Files.createDirectory(base.resolve("foreign"),
        PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
    var nobody = foreign.getFileSystem().getUserPrincipalLookupService()
        .lookupPrincipalByName("nobody");
    Files.setOwner(foreign, nobody);
    ChannelSecurityException e = assertThrows(ChannelSecurityException.class,
        () -> BroadcastChannel.open("own", ChannelOptions.builder().runtimeDir(foreign).build()));
    assertTrue(e.getMessage().contains("nobody"), e.getMessage());
  }

  @Test
  @DisplayName("AC-CHAN-25 post rejects oversize synchronously; post after close throws")
  void postRejectsOversizedMessagesSynchronouslyAndAfterCloseThrows() {
    try (BroadcastChannel x = BroadcastChannel.open("big", opts("b").maxMessageBytes(1024)
        .build())) {
      assertThrows(MessageTooLargeException.class, () -> x.post(new byte[1025]));
      assertEquals(0, x.stats().posted());
      x.close();
      assertThrows(ChannelClosedException.class, () -> x.post(new byte[1]));
      assertEquals(ChannelStatus.CLOSED, x.status());
    }
  }

  @Test
  @DisplayName("AC-CHAN-31 elections in one JVM have one leader and close hands over")
  void electionsInOneJvmHaveOneLeaderAndCloseHandsOver() throws Exception {
    ElectionOptions o = ElectionOptions.builder().runtimeDir(base.resolve("e")).build();
    LeaderElection first = LeaderElection.open("one", o);
    LeaderElection second = LeaderElection.open("one", o);
    long epoch = first.awaitLeadership().get(30, TimeUnit.SECONDS);
    assertTrue(first.isLeader());
    assertFalse(second.isLeader());
    assertFalse(second.relinquish());
    first.close();
    assertThrows(Exception.class, () -> first.awaitLeadership().get(1, TimeUnit.SECONDS));
    long next = second.awaitLeadership().get(30, TimeUnit.SECONDS);
    assertTrue(next > epoch);
    second.close();
  }

  @Test
  @DisplayName("CHAN-60 options reject out-of-range values naming the option")
  void optionsRejectOutOfRangeValuesNamingTheOption() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> ChannelOptions.builder().maxMessageBytes(0).build());
    assertTrue(e.getMessage().contains("maxMessageBytes"));
    e = assertThrows(IllegalArgumentException.class, () -> ChannelOptions.builder()
        .heartbeatInterval(Duration.ofSeconds(1)).leaderTimeout(Duration.ofMillis(1500)).build());
    assertTrue(e.getMessage().contains("leaderTimeout"));
    e = assertThrows(IllegalArgumentException.class,
        () -> ChannelOptions.builder().pendingPostBytes(10).build());
    assertTrue(e.getMessage().contains("pendingPostBytes"));
    assertThrows(NullPointerException.class, () -> BroadcastChannel.open(null));
    assertThrows(IllegalArgumentException.class, () -> BroadcastChannel.open(""));
  }
}
