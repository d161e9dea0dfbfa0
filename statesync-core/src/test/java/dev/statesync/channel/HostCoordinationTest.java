package dev.statesync.channel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.statesync.core.ApplyContext;
import dev.statesync.core.Epoch;
import dev.statesync.core.InvalidationEvent;
import dev.statesync.core.InvalidationSink;
import dev.statesync.core.InvalidationSubscriber;
import dev.statesync.core.RetryPolicy;
import dev.statesync.core.Revision;
import dev.statesync.core.RevisionSyncHandle;
import dev.statesync.core.RevisionSyncOptions;
import dev.statesync.core.SnapshotEnvelope;
import dev.statesync.core.SnapshotProvider;
import dev.statesync.core.Subscription;
import dev.statesync.core.json.ProtocolCodec;
import dev.statesync.core.logging.Logger;
import dev.statesync.core.testing.VirtualTime;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The host coordinator in one JVM, with real channels and elections and an in-memory upstream;
 * timeouts and retries run on {@link VirtualTime}. Where the test needs a follower, it holds the
 * election itself (the oldest candidate of a JVM leads) and plays the leader over a channel
 * instance of its own.
 */
class HostCoordinationTest {
  static final Duration WAIT = Duration.ofSeconds(20);
  static final ObjectMapper JSON = new ObjectMapper();
  final List<AutoCloseable> closeables = new ArrayList<>();
  Path dir;
  String name;
  VirtualTime time;
  RecordingLogger log;
  MemoryUpstream upstream;
  final List<String> applied = new CopyOnWriteArrayList<>();

  @BeforeEach
  void setUp() throws IOException {
    dir = Files.createTempDirectory(Path.of("/tmp"), "hct").resolve("r");
    name = "hct-" + UUID.randomUUID().toString().substring(0, 8);
    time = new VirtualTime();
    log = new RecordingLogger();
    upstream = new MemoryUpstream();
  }

  @AfterEach
  void tearDown() throws Exception {
    for (int i = closeables.size() - 1; i >= 0; i--) {
      closeables.get(i).close();
    }
  }

  HostCoordinationOptions.Builder options() {
    return HostCoordinationOptions.builder().channelName(name)
        .channelOptions(ChannelOptions.builder().runtimeDir(dir).build())
        .electionOptions(ElectionOptions.builder().runtimeDir(dir).build())
        .scheduler(time).logger(log);
  }

  RevisionSyncHandle<JsonNode> handle(String topic, HostCoordinationOptions o) {
    RevisionSyncHandle<JsonNode> h = HostCoordination.createRevisionSync(
        RevisionSyncOptions.<JsonNode>builder().topic(topic).retry(RetryPolicy.none())
            .applier((SnapshotEnvelope<JsonNode> env, ApplyContext ctx) -> {
              applied.add(topic + "@" + env.revision() + "/" + env.epoch().map(Epoch::value)
                  .orElse("-") + (ctx.epochReset() ? "!" : "") + ":" + ctx.origin());
              return CompletableFuture.completedFuture(null);
            }),
        JsonNode.class, upstream, "mem:" + topic, o);
    closeables.add(h);
    return h;
  }

  /** Holds the election so the coordinator of this JVM is a follower. */
  void holdLeadership() {
    LeaderElection e = LeaderElection.open(name, ElectionOptions.builder().runtimeDir(dir).build());
    closeables.add(e);
    await(e::isLeader, "the test's election instance leads");
  }

  /** Opens the test's own instance of the host channel, which plays the leader. */
  BroadcastChannel leaderChannel(List<JsonNode> received) {
    BroadcastChannel ch = BroadcastChannel.open(name, ChannelOptions.builder().runtimeDir(dir)
        .build());
    closeables.add(ch);
    ch.subscribe(m -> {
      try {
        received.add(JSON.readTree(m.bytes()));
      } catch (IOException e) {
        throw new AssertionError(e);
      }
    });
    return ch;
  }

  HostCoordinationStats stats() {
    return HostCoordination.stats(name).orElseThrow();
  }

  static void await(java.util.function.BooleanSupplier cond, String what) {
    long deadline = System.nanoTime() + WAIT.toNanos();
    while (!cond.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("timed out waiting until " + what);
      }
      java.util.concurrent.locks.LockSupport.parkNanos(2_000_000L);
    }
  }

  static String env(String topic, long revision, String epoch, long value) {
    return "{\"t\":\"env\",\"topic\":\"" + topic + "\",\"body\":{\"revision\":\"" + revision
        + "\",\"data\":{\"value\":" + value + "},\"epoch\":\"" + epoch + "\"}}";
  }

  static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  @Test
  void unansweredSnapshotRequestFallsBackToADirectFetchWithAWarning() throws Exception {
    upstream.set("t", 4, "e1", 40);
    holdLeadership();
    RevisionSyncHandle<JsonNode> h = handle("t", options().build());
    CompletableFuture<Void> started = h.start();
    await(() -> time.pendingTasks() == 1, "the snapshot request's timeout is scheduled");
    assertEquals(1, stats().snapshotRequests());

    time.advanceMs(4_999);
    assertEquals(0, stats().snapshotRequestTimeouts(), "not before snapshotRequestTimeout");
    assertEquals(0, upstream.fetches("t"));
    time.advanceMs(1);
    started.get(WAIT.toSeconds(), TimeUnit.SECONDS);

    assertEquals(List.of("t@4/e1:PROVIDER"), applied);
    assertEquals(1, upstream.fetches("t"));
    assertEquals(1, stats().snapshotRequestTimeouts());
    assertEquals(1, stats().directFetches());
    assertTrue(log.warnings().stream().anyMatch(w -> w.contains("fetching directly")),
        "WARN logged: " + log.warnings());
  }

  @Test
  void withoutFallbackAnUnansweredRequestFailsWithCoordinationTimeout() {
    upstream.set("t", 4, "e1", 40);
    holdLeadership();
    RevisionSyncHandle<JsonNode> h = handle("t", options().directFetchFallback(false).build());
    CompletableFuture<Void> started = h.start();
    await(() -> time.pendingTasks() == 1, "the snapshot request's timeout is scheduled");
    time.advance(Duration.ofSeconds(5));

    ExecutionException e = assertThrows(ExecutionException.class,
        () -> started.get(WAIT.toSeconds(), TimeUnit.SECONDS));
    assertInstanceOf(CoordinationTimeoutException.class, e.getCause());
    assertTrue(e.getCause().getMessage().contains("'t'"), e.getCause().getMessage());
    assertEquals(0, upstream.fetches("t"), "no direct fetch");
    assertTrue(applied.isEmpty());
  }

  @Test
  void malformedMessagesAreIgnoredWithAWarningCountedAndLoseNothing() throws Exception {
    holdLeadership();
    List<JsonNode> received = new CopyOnWriteArrayList<>();
    BroadcastChannel leader = leaderChannel(received);
    RevisionSyncHandle<JsonNode> h = handle("t", options().build());
    CompletableFuture<Void> started = h.start();
    await(() -> received.stream().anyMatch(m -> m.path("t").asText().equals("snap")),
        "the follower asks for a snapshot");
    JsonNode snap = received.stream().filter(m -> m.path("t").asText().equals("snap"))
        .findFirst().orElseThrow();
    assertEquals("t", snap.path("topic").asText());
    assertEquals("mem:t", snap.path("key").asText());
    leader.post(utf8(env("t", 1, "e1", 10))).get();
    started.get(WAIT.toSeconds(), TimeUnit.SECONDS);

    List<String> bad = List.of(
        "not json",
        "[1,2]",
        "{\"topic\":\"t\"}",
        "{\"t\":\"env\",\"topic\":\"t\"}",
        "{\"t\":\"env\",\"topic\":\"t\",\"body\":{\"revision\":7,\"data\":1}}",
        "{\"t\":\"env\",\"topic\":\"\",\"body\":{\"revision\":\"7\",\"data\":1}}",
        "{\"t\":\"big\",\"topic\":\"t\",\"revision\":\"007\"}",
        "{\"t\":\"want\",\"topics\":\"t\"}",
        "{\"t\":\"snap\",\"topic\":\"t\"}");
    for (String b : bad) {
      leader.post(utf8(b)).get();
    }
    leader.post(utf8("{\"t\":\"from-a-newer-version\"}")).get();
    leader.post(utf8(env("t", 2, "e1", 20))).get();
    await(() -> applied.size() == 2, "the valid envelope after the bad ones applies");

    assertEquals(List.of("t@1/e1:PROVIDER", "t@2/e1:PEER"), applied);
    assertEquals(bad.size(), stats().malformedMessages(), "each bad message counted once");
    assertEquals(bad.size(), log.warnings().stream()
        .filter(w -> w.startsWith("malformed host message ignored")).count());
    assertEquals(0, upstream.fetches("t"), "nothing was fetched because of them");
  }

  @Test
  void followerGateDropsOlderEnvelopesAndFollowsAnotherEpochThroughTheCoordinatorProvider()
      throws Exception {
    holdLeadership();
    List<JsonNode> received = new CopyOnWriteArrayList<>();
    BroadcastChannel leader = leaderChannel(received);
    RevisionSyncHandle<JsonNode> h = handle("t", options().build());
    CompletableFuture<Void> started = h.start();
    await(() -> countSnaps(received) == 1, "the first snapshot request");
    leader.post(utf8(env("t", 3, "e1", 30))).get();
    started.get(WAIT.toSeconds(), TimeUnit.SECONDS);

    leader.post(utf8(env("t", 2, "e1", 20))).get();
    leader.post(utf8(env("t", 4, "e1", 40))).get();
    await(() -> applied.size() == 2, "revision 4 applies");
    assertEquals(List.of("t@3/e1:PROVIDER", "t@4/e1:PEER"), applied, "revision 2 was not applied");

    // Another epoch is not applied as offered: the engine refreshes through the coordinator
    // provider, which asks the leader again.
    long before = countSnaps(received);
    leader.post(utf8(env("t", 1, "e2", 10))).get();
    await(() -> countSnaps(received) == before + 1, "a snapshot request for the new epoch");
    leader.post(utf8(env("t", 1, "e2", 11))).get();
    await(() -> applied.size() == 3, "the new epoch applies");
    assertEquals("t@1/e2!:PROVIDER", applied.get(2));
    assertEquals(0, upstream.fetches("t"));
  }

  private static long countSnaps(List<JsonNode> received) {
    return received.stream().filter(m -> m.path("t").asText().equals("snap")).count();
  }

  @Test
  void leaderRetriesAFailedFetchThreeTimesDoublingFrom500msThenWaitsForTheNextTrigger()
      throws Exception {
    upstream.set("a", 1, "e1", 1);
    upstream.set("b", 1, "e1", 1);
    handle("a", options().build()).start().get(WAIT.toSeconds(), TimeUnit.SECONDS);
    await(() -> stats().leader() && upstream.subscriptions() == 1, "this JVM leads");
    await(() -> time.pendingTasks() == 0, "no timer left");

    upstream.failNext(3);
    CompletableFuture<Void> started = handle("b", options().build()).start();
    long[] delays = {500, 1000, 2000};
    for (int i = 0; i < 3; i++) {
      int attempts = i + 1;
      await(() -> upstream.fetches("b") == attempts && time.pendingTasks() == 1,
          "attempt " + attempts + " failed and a retry is scheduled");
      time.advanceMs(delays[i] - 1);
      assertEquals(attempts, upstream.fetches("b"), "no retry before " + delays[i] + " ms");
      time.advanceMs(1);
    }
    started.get(WAIT.toSeconds(), TimeUnit.SECONDS);
    assertEquals(4, upstream.fetches("b"));
    assertTrue(applied.contains("b@1/e1:PROVIDER"), applied.toString());

    // Four failures in a row: the leader gives up until the next invalidation.
    upstream.failNext(4);
    upstream.set("b", 2, "e1", 2);
    upstream.push("b");
    for (int i = 0; i < 3; i++) {
      int attempts = 5 + i;
      await(() -> upstream.fetches("b") == attempts && time.pendingTasks() == 1,
          "attempt " + attempts + " failed and a retry is scheduled");
      time.advanceMs(delays[i]);
    }
    await(() -> upstream.fetches("b") == 8 && time.pendingTasks() == 0, "the leader gave up");
    time.advance(Duration.ofSeconds(60));
    assertEquals(8, upstream.fetches("b"), "no fetch until the next trigger");
    assertTrue(log.warnings().stream().anyMatch(w -> w.startsWith("fetch failed after retries")));

    upstream.set("b", 3, "e1", 3);
    upstream.push("b");
    await(() -> applied.contains("b@3/e1:PEER") || applied.contains("b@3/e1:PROVIDER"),
        "the next change applies");
    assertEquals(9, upstream.fetches("b"));
  }

  @Test
  void optionsNameTheInvalidOption() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> HostCoordinationOptions.builder().snapshotRequestTimeout(Duration.ZERO).build());
    assertTrue(e.getMessage().contains("snapshotRequestTimeout"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class,
        () -> HostCoordinationOptions.builder().channelName("").build());
    assertTrue(e.getMessage().contains("channelName"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> HostCoordination.createRevisionSync(
        RevisionSyncOptions.<JsonNode>builder().topic("t")
            .applier((env, ctx) -> CompletableFuture.completedFuture(null)),
        JsonNode.class, upstream, "k", HostCoordinationOptions.defaults()));
    assertTrue(e.getMessage().contains("channelName"), e.getMessage());
    assertFalse(HostCoordination.stats(name).isPresent(), "nothing was started");
  }

  /** An in-memory source of truth that counts subscriptions and fetches. */
  static final class MemoryUpstream implements HostUpstream {
    private final ProtocolCodec codec = ProtocolCodec.create();
    private final Map<String, SnapshotEnvelope<JsonNode>> rows = new ConcurrentHashMap<>();
    private final Map<String, AtomicInteger> fetches = new ConcurrentHashMap<>();
    private final List<InvalidationSink> sinks = new CopyOnWriteArrayList<>();
    private final AtomicInteger failures = new AtomicInteger();
    private final AtomicInteger subscriptions = new AtomicInteger();

    void set(String topic, long revision, String epoch, long value) {
      rows.put(topic, SnapshotEnvelope.of(Revision.of(revision),
          JSON.createObjectNode().put("value", value), Epoch.of(epoch)));
    }

    void push(String topic) {
      SnapshotEnvelope<JsonNode> row = rows.get(topic);
      for (InvalidationSink s : sinks) {
        s.acceptJson(codec.encodeEvent(InvalidationEvent.of(topic, row.revision())
            .withEpoch(row.epoch().orElseThrow())));
      }
    }

    void failNext(int n) {
      failures.set(n);
    }

    int fetches(String topic) {
      AtomicInteger n = fetches.get(topic);
      return n == null ? 0 : n.get();
    }

    int subscriptions() {
      return subscriptions.get();
    }

    @Override
    public InvalidationSubscriber subscriber() {
      return sink -> {
        sinks.add(sink);
        subscriptions.incrementAndGet();
        Subscription s = () -> sinks.remove(sink);
        return CompletableFuture.completedFuture(s);
      };
    }

    @Override
    public SnapshotProvider<JsonNode> provider(String topic, String sourceKey) {
      assertEquals("mem:" + topic, sourceKey);
      return () -> {
        fetches.computeIfAbsent(topic, t -> new AtomicInteger()).incrementAndGet();
        if (failures.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
          return CompletableFuture.failedFuture(new IllegalStateException("upstream down"));
        }
        SnapshotEnvelope<JsonNode> row = rows.get(topic);
        return CompletableFuture.completedFuture(
            row != null ? row : SnapshotEnvelope.of(Revision.ZERO, null));
      };
    }
  }

  /** Keeps every warning as {@code message extra}. */
  static final class RecordingLogger implements Logger {
    private final List<String> warnings = new CopyOnWriteArrayList<>();

    List<String> warnings() {
      return warnings;
    }

    @Override
    public void debug(String message, Map<String, ?> extra) {}

    @Override
    public void warn(String message, Map<String, ?> extra) {
      warnings.add(message + " " + extra);
    }

    @Override
    public void error(String message, Map<String, ?> extra) {
      warnings.add(message + " " + extra);
    }
  }
}
