package dev.statesync.relay;

import static dev.statesync.relay.ProcessRelayTest.BOUND_S;
import static dev.statesync.relay.ProcessRelayTest.append;
import static dev.statesync.relay.ProcessRelayTest.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.statesync.relay.internal.Wire;
import dev.statesync.testkit.ChildJvm;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Acceptance scenarios of relay spec part (a) with real JVM processes: sources (and, where the
 * scenario needs them, extra mirrors or a hub) in child JVMs, driven over stdin.
 */
class StreamAcceptanceProcessTest {
  private static Path dir;
  private static MirrorOptions mirrorOptions;
  /** For a mirror that must be synced by a source's answer, however slow the machine. */
  private static MirrorOptions answered;
  private final List<ChildJvm> children = new ArrayList<>();

  @BeforeAll
  static void runtimeDir() throws Exception {
    dir = Files.createTempDirectory(Path.of("/tmp"), "ra");
    mirrorOptions = MirrorOptions.builder()
        .channelOptions(CiChannel.options(dir).build()).build();
    answered = MirrorOptions.builder().channelOptions(CiChannel.options(dir).build())
        .stateRequestTimeout(CiChannel.BOUND).build();
  }

  @AfterAll
  static void cleanup() throws Exception {
    try (var files = Files.walk(dir)) {
      files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    }
  }

  @AfterEach
  void killChildren() {
    children.forEach(ChildJvm::close);
  }

  /** AC-RELAY-01. */
  @Test
  void mirrorSeesEveryStepOfTheStreamInOrder() throws Exception {
    // The mirror joins before the source, so its state request reaches no source and no STATE
    // can add a step to the sequence.
    try (StreamMirror mirror = new StreamMirror("basic", mirrorOptions)) {
      assertEquals(StreamStatus.IDLE, mirror.awaitSynced().get(BOUND_S, TimeUnit.SECONDS).status());
      ChildJvm source = source("basic");
      List<StreamState> seen = new ArrayList<>();
      CompletableFuture<Void> done = new CompletableFuture<>();
      mirror.onChange(s -> {
        synchronized (seen) {
          seen.add(s);
        }
        if (s.status().isTerminal()) {
          done.complete(null);
        }
      });
      source.ask("start");
      append(source, "Hello");
      append(source, ", ");
      append(source, "world");
      source.ask("complete");
      done.get(BOUND_S, TimeUnit.SECONDS);
      List<String> steps = new ArrayList<>();
      synchronized (seen) {
        for (StreamState s : seen) {
          steps.add(s.status() + " '" + s.text() + "' " + s.loading());
        }
      }
      assertEquals(List.of("STREAMING '' true", "STREAMING 'Hello' true",
          "STREAMING 'Hello, ' true", "STREAMING 'Hello, world' true",
          "DONE 'Hello, world' false"), steps);
      assertEquals(EndReason.COMPLETED, mirror.state().endReason());
    }
  }

  /** AC-RELAY-02 and RELAY-18: the bytes posted stay under 2x the text, for 4 mirror JVMs. */
  @Test
  void tenThousandAppendsToFourMirrorJvmsPostAtMostTwiceTheText() throws Exception {
    // Mirrors first: their state requests reach no source, so only the stream itself is posted.
    List<ChildJvm> mirrors = startAll(4, i -> mirrorArgs("bytes-m" + i, "bytes"));
    ChildJvm source = source("bytes");
    source.ask("start");
    source.ask("burst 0 10000");
    source.ask("complete");
    long bytes = Long.parseLong(source.ask("stats").split(" ")[0]);
    String text = SourceProcess.chunks(0, 10_000);
    assertEquals(100_000, text.length());
    assertTrue(bytes <= 200_000, "posted " + bytes + " payload bytes for 100,000 chars");
    String done = "status child-1 DONE COMPLETED 100000 " + SourceProcess.sha(text) + " ";
    for (ChildJvm m : mirrors) {
      m.await(l -> l.startsWith(done), done);
    }
  }

  /** A 100,000-chunk stream (a million chars) from a source JVM to a mirror JVM and this one. */
  @Test
  void hundredThousandChunksArriveExactInOtherJvms() throws Exception {
    ChildJvm source = source("huge");
    ChildJvm other = mirror("huge");
    try (StreamMirror mirror = new StreamMirror("huge", mirrorOptions)) {
      mirror.awaitSynced().get(BOUND_S, TimeUnit.SECONDS);
      source.ask("start");
      source.ask("burst 0 100000");
      source.ask("complete");
      String text = SourceProcess.chunks(0, 100_000);
      StreamState end = await(mirror, s -> s.status().isTerminal());
      assertEquals(StreamStatus.DONE, end.status());
      assertEquals(text, end.text());
      String done = "status child-1 DONE COMPLETED 1000000 " + SourceProcess.sha(text) + " ";
      other.await(l -> l.startsWith(done), done);
    }
  }

  /** AC-RELAY-05. */
  @Test
  void mirrorJoiningMidStreamGetsThePrefixAtOnceAndEndsEqual() throws Exception {
    ChildJvm source = source("mid");
    source.ask("start");
    source.ask("burst 0 5000");
    try (StreamMirror mirror = new StreamMirror("mid", answered)) {
      StreamState synced = mirror.awaitSynced().get(BOUND_S, TimeUnit.SECONDS);
      assertEquals(StreamStatus.STREAMING, synced.status());
      assertEquals(SourceProcess.chunks(0, 5000), synced.text());
      source.ask("burst 5000 10000");
      source.ask("complete");
      StreamState end = await(mirror, s -> s.status().isTerminal());
      assertEquals(StreamStatus.DONE, end.status());
      assertEquals(SourceProcess.chunks(0, 10_000), end.text());
    }
  }

  /** AC-RELAY-07. */
  @Test
  void mirrorJoiningAfterAnErrorShowsTheErrorAndText() throws Exception {
    ChildJvm source = source("late-error");
    source.ask("start");
    append(source, "partial answer");
    source.ask("fail model overloaded");
    try (StreamMirror mirror = new StreamMirror("late-error", answered)) {
      StreamState s = mirror.awaitSynced().get(BOUND_S, TimeUnit.SECONDS);
      assertEquals(StreamStatus.ERROR, s.status());
      assertEquals(EndReason.FAILED, s.endReason());
      assertEquals("model overloaded", s.error());
      assertEquals("partial answer", s.text());
    }
  }

  /** AC-RELAY-16: the hub is a third JVM, killed mid-stream; nothing is lost or doubled. */
  @Test
  void hubKilledMidStreamLeavesMirrorsWithTheExactText() throws Exception {
    ChildJvm hub = mirror("hub-dies");
    ChildJvm source = source("hub-dies");
    try (StreamMirror mirror = new StreamMirror("hub-dies", mirrorOptions)) {
      mirror.awaitSynced().get(BOUND_S, TimeUnit.SECONDS);
      source.ask("start");
      source.ask("burst 0 2000");
      hub.kill();
      source.ask("burst 2000 4000");
      source.ask("complete");
      String text = SourceProcess.chunks(0, 4000);
      StreamState end = await(mirror,
          s -> s.status().isTerminal() && s.text().length() == text.length());
      assertEquals(StreamStatus.DONE, end.status());
      assertEquals(text, end.text());
    }
  }

  /** AC-RELAY-17: a latest mirror shows the newest stream; a source(A) mirror shows A. */
  @Test
  void twoSourcesAreToldApartAndEachMirrorShowsWhatItFollows() throws Exception {
    ChildJvm a = RelayJvms.start("source-A", SourceProcess.class, "dir=" + dir, "channel=two",
        "id=A");
    children.add(a);
    ChildJvm b = RelayJvms.start("source-B", SourceProcess.class, "dir=" + dir, "channel=two",
        "id=B");
    children.add(b);
    ChildJvm followA = RelayJvms.start("mirror-followA", MirrorProcess.class, "dir=" + dir,
        "channel=two", "follow=A", "verbose=true");
    children.add(followA);
    try (StreamMirror latest = new StreamMirror("two", mirrorOptions)) {
      a.ask("start");
      append(a, "a1");
      await(latest, s -> s.sourceId().equals("A") && s.text().equals("a1"));
      b.ask("start");
      append(b, "b1");
      await(latest, s -> s.sourceId().equals("B") && s.text().equals("b1"));
      append(a, "a2");
      String a2 = "change A-1 STREAMING null 4 " + SourceProcess.sha("a1a2") + " ";
      followA.await(l -> l.startsWith(a2), a2);
      awaitStreams(latest, "a1a2");
      assertEquals("B", latest.state().sourceId(), "A's delta leaves the display on B");
      assertEquals("b1", latest.text());
      assertEquals(2, latest.streams().size());
      b.ask("complete");
      StreamState bDone = await(latest, s -> s.status() == StreamStatus.DONE);
      assertEquals("B", bDone.sourceId());
      append(a, "a3");
      awaitStreams(latest, "a1a2a3");
      assertEquals("B", latest.state().sourceId(), "the latest mirror stays on B once B is done");
      assertEquals(StreamStatus.DONE, latest.status());
      assertEquals("A-1 STREAMING null 6 " + SourceProcess.sha("a1a2a3") + " - false",
          awaitDigest(followA, "a1a2a3"));
    }
  }

  /** AC-RELAY-18. */
  @Test
  void newRunAfterDoneShowsStreamingEmptyTextAndTheNewId() throws Exception {
    ChildJvm source = source("rerun");
    try (StreamMirror mirror = new StreamMirror("rerun", mirrorOptions)) {
      source.ask("start");
      append(source, "first");
      source.ask("complete");
      await(mirror, StreamState::done);
      source.ask("start");
      StreamState second = await(mirror, s -> s.streamId().equals("child-2"));
      assertEquals(StreamStatus.STREAMING, second.status());
      assertEquals("", second.text());
      assertTrue(second.loading());
    }
  }

  /** AC-RELAY-19: a lost DELTA makes that mirror ask for the state and converge exactly. */
  @Test
  void mirrorThatLosesADeltaRequestsTheStateAndConverges() throws Exception {
    ChildJvm source = source("gap");
    try (StreamMirror lossy = new StreamMirror("gap", mirrorOptions);
        StreamMirror clean = new StreamMirror("gap", mirrorOptions)) {
      AtomicInteger lost = new AtomicInteger();
      AtomicInteger states = new AtomicInteger();
      lossy.loseIncoming(m -> {
        if (m instanceof Wire.State) {
          states.incrementAndGet();
        }
        return m instanceof Wire.Delta d && d.n() == 50 && lost.getAndIncrement() == 0;
      });
      source.ask("start");
      source.ask("burst 0 100");
      source.ask("complete");
      String text = SourceProcess.chunks(0, 100);
      StreamState end = await(lossy, s -> s.status().isTerminal());
      assertEquals(StreamStatus.DONE, end.status());
      assertEquals(text, end.text());
      assertEquals(1, lost.get());
      assertTrue(states.get() >= 1, "the gap was repaired by a STATE");
      assertEquals(text, await(clean, s -> s.status().isTerminal()).text());
    }
  }

  /** AC-RELAY-20: posts fail while the hub is stopped; after SIGCONT mirrors converge exactly. */
  @Test
  void postsFailingWhileTheHubIsStoppedAreRepairedAfterItResumes() throws Exception {
    ChildJvm hub = mirror("stopped");
    ChildJvm source = RelayJvms.start("source-stopped", SourceProcess.class, "dir=" + dir,
        "channel=stopped", "maxMessageBytes=65536", "pendingPostBytes=65536");
    children.add(source);
    try (StreamMirror mirror = new StreamMirror("stopped", mirrorOptions)) {
      mirror.awaitSynced().get(BOUND_S, TimeUnit.SECONDS);
      source.ask("start");
      hub.signal("STOP");
      source.ask("burst 0 20000");
      long accepted = Long.parseLong(source.ask("stats").split(" ")[1]);
      hub.signal("CONT");
      assertTrue(accepted < 20_001, "some posts failed while the hub was stopped: " + accepted);
      source.ask("complete");
      String text = SourceProcess.chunks(0, 20_000);
      StreamState end = await(mirror,
          s -> s.status().isTerminal() && s.text().length() == text.length());
      assertEquals(StreamStatus.DONE, end.status());
      assertEquals(text, end.text());
      String done = "status child-1 DONE COMPLETED 200000 " + SourceProcess.sha(text) + " ";
      hub.await(l -> l.startsWith(done), done);
    }
  }

  /** AC-RELAY-21: a 3 MiB text reaches a late mirror through STATE and STATE_PARTs. */
  @Test
  void largeStateReachesALateMirrorInParts() throws Exception {
    ChildJvm source = source("large");
    source.ask("start");
    int chunks = 3 * 1024 * 1024 / 10 + 1;
    source.ask("bulk " + chunks);
    source.ask("complete");
    String text = SourceProcess.chunks(0, chunks);
    assertTrue(text.length() > 3 * 1024 * 1024);
    AtomicInteger parts = new AtomicInteger();
    MirrorOptions options = MirrorOptions.builder()
        .channelOptions(CiChannel.options(dir).maxMessageBytes(1024 * 1024).build()).build();
    try (StreamMirror late = new StreamMirror("large", options)) {
      late.loseIncoming(m -> {
        if (m instanceof Wire.StatePart) {
          parts.incrementAndGet();
        }
        return false;
      });
      StreamState s = await(late, st -> st.done());
      assertEquals(text, s.text());
      assertTrue(parts.get() >= 3, "STATE_PART messages carried the text: " + parts.get());
    }
  }

  /** Waits until the mirror's table holds A's stream with {@code aText}, shown or not. */
  private static void awaitStreams(StreamMirror mirror, String aText) {
    long deadline = System.nanoTime() + CiChannel.BOUND.toNanos();
    // A hidden stream changes without onChange, so this polls the table, with a deadline.
    while (mirror.streams().stream()
        .noneMatch(s -> s.sourceId().equals("A") && s.text().equals(aText))) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("A's text never became " + aText + ": " + mirror.streams());
      }
      LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(5));
    }
  }

  private static String awaitDigest(ChildJvm mirror, String text) {
    String line = mirror.await(l -> l.startsWith("change ") && l.contains(SourceProcess.sha(text)),
        "change to " + text);
    return line.substring("change ".length());
  }

  private String[] mirrorArgs(String name, String channel) {
    return new String[] {name, "dir=" + dir, "channel=" + channel};
  }

  private List<ChildJvm> startAll(int n, java.util.function.IntFunction<String[]> args)
      throws Exception {
    List<CompletableFuture<ChildJvm>> starting = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      String[] a = args.apply(i);
      starting.add(CompletableFuture.supplyAsync(() -> RelayJvms.start(a[0], MirrorProcess.class,
          java.util.Arrays.copyOfRange(a, 1, a.length))));
    }
    List<ChildJvm> out = new ArrayList<>();
    for (CompletableFuture<ChildJvm> f : starting) {
      ChildJvm c = f.get(2 * BOUND_S, TimeUnit.SECONDS);
      children.add(c);
      out.add(c);
    }
    return out;
  }

  private ChildJvm source(String channel) {
    ChildJvm c = RelayJvms.start("source-" + channel, SourceProcess.class, "dir=" + dir,
        "channel=" + channel);
    children.add(c);
    return c;
  }

  private ChildJvm mirror(String channel) {
    ChildJvm c = RelayJvms.start("mirror-" + channel, MirrorProcess.class, "dir=" + dir,
        "channel=" + channel);
    children.add(c);
    return c;
  }
}
