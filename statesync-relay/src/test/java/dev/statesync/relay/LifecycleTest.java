package dev.statesync.relay;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.statesync.channel.ChannelOptions;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Flow;
import java.util.concurrent.SubmissionPublisher;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** AC-RELAY-11 (Flow.Publisher feeds) and AC-RELAY-22 (listeners, close, bindTo), in one JVM. */
class LifecycleTest {
  private static final long BOUND_S = CiChannel.BOUND.toSeconds();
  private static Path dir;
  private static ChannelOptions channel;

  @BeforeAll
  static void runtimeDir() throws Exception {
    dir = Files.createTempDirectory(Path.of("/tmp"), "rl");
    channel = CiChannel.options(dir).build();
  }

  @AfterAll
  static void cleanup() throws Exception {
    try (var files = Files.walk(dir)) {
      files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    }
  }

  private static MirrorOptions mirror(RecordingLogger logger) {
    return MirrorOptions.builder().channelOptions(channel).logger(logger).build();
  }

  @Test
  void publisherCloseCompletesTheStream() throws Exception {
    try (StreamSource source = new StreamSource();
        SubmissionPublisher<String> pub = new SubmissionPublisher<>()) {
      var result = source.feed(pub);
      pub.submit("a");
      pub.submit("b");
      pub.close();
      StreamState end = result.get(BOUND_S, TimeUnit.SECONDS);
      assertEquals(StreamStatus.DONE, end.status());
      assertEquals("ab", end.text());
    }
  }

  @Test
  void abortCancelsTheSubscriptionAndRequestsComeIn256Then128() throws Exception {
    RecordingPublisher pub = new RecordingPublisher();
    try (StreamSource source = new StreamSource()) {
      var result = source.feed(pub);
      assertEquals(List.of(256L), pub.requests());
      for (int i = 0; i < 128; i++) {
        pub.subscriber.onNext("x");
      }
      assertEquals(List.of(256L, 128L), pub.requests());
      assertFalse(pub.cancelled.get());
      assertTrue(source.abort());
      assertTrue(pub.cancelled.get(), "abort cancels the Flow.Subscription");
      assertEquals(EndReason.ABORTED, result.get(BOUND_S, TimeUnit.SECONDS).endReason());
      pub.subscriber.onNext("late");
      assertEquals(128, source.text().length(), "items after cancel are ignored");
    }
  }

  @Test
  void aThrowingListenerIsLoggedAndDoesNotStopUpdates() throws Exception {
    RecordingLogger sourceLog = new RecordingLogger();
    RecordingLogger mirrorLog = new RecordingLogger();
    try (StreamSource source = new StreamSource(SourceOptions.builder().logger(sourceLog).build());
        BroadcastHandle h = source.broadcast("throwing", channel);
        StreamMirror m = new StreamMirror("throwing", mirror(mirrorLog))) {
      m.awaitSynced().get(BOUND_S, TimeUnit.SECONDS);
      CompletableFuture<StreamState> sourceDone = new CompletableFuture<>();
      source.onChange(s -> {
        throw new IllegalStateException("listener bug");
      });
      source.onChange(s -> {
        if (s.done()) {
          sourceDone.complete(s);
        }
      });
      m.onChange(s -> {
        throw new IllegalStateException("listener bug");
      });
      source.start();
      source.append("one");
      source.append("two");
      source.complete();
      assertEquals("onetwo", sourceDone.get(BOUND_S, TimeUnit.SECONDS).text());
      assertEquals("onetwo", ProcessRelayTest.await(m, StreamState::done).text());
      assertTrue(sourceLog.entries().contains("WARN stream listener failed"), sourceLog.entries()
          .toString());
      assertTrue(mirrorLog.entries().contains("WARN mirror listener failed"));
    }
  }

  @Test
  void noCallbackRunsAfterCloseAndBindToClosesWithItsOwner() throws Exception {
    RecordingLogger log = new RecordingLogger();
    try (StreamSource source = new StreamSource();
        BroadcastHandle h = source.broadcast("closing", channel);
        StreamMirror watcher = new StreamMirror("closing", mirror(log))) {
      StreamMirror closed = new StreamMirror("closing", mirror(log));
      StreamMirror bound = new StreamMirror("closing", mirror(log));
      CompletableFuture<Void> owner = new CompletableFuture<>();
      assertTrue(bound == bound.bindTo(owner));
      AtomicBoolean closeReturned = new AtomicBoolean();
      AtomicInteger afterClose = new AtomicInteger();
      AtomicBoolean ownerDone = new AtomicBoolean();
      AtomicInteger afterOwner = new AtomicInteger();
      closed.onChange(s -> {
        if (closeReturned.get()) {
          afterClose.incrementAndGet();
        }
      });
      bound.onChange(s -> {
        if (ownerDone.get()) {
          afterOwner.incrementAndGet();
        }
      });
      source.start();
      source.append("before");
      ProcessRelayTest.await(closed, s -> s.text().equals("before"));
      ProcessRelayTest.await(bound, s -> s.text().equals("before"));
      closed.close();
      closeReturned.set(true);
      owner.complete(null);
      ownerDone.set(true);
      source.append(" after");
      source.complete();
      assertEquals("before after", ProcessRelayTest.await(watcher, StreamState::done).text());
      assertEquals(0, afterClose.get(), "no callback after close() returned");
      assertEquals(0, afterOwner.get(), "the owner's completion closed the bound mirror");
      assertEquals("before", closed.text(), "the last state stays readable");
      assertEquals("before", bound.text());
      closed.close();
    }
  }

  @Test
  void sourceCloseClosesItsBroadcastHandle() throws Exception {
    StreamSource source = new StreamSource();
    BroadcastHandle h = source.broadcast("handle", channel);
    try (StreamMirror m = new StreamMirror("handle", mirror(new RecordingLogger()))) {
      source.start();
      source.append("x");
      ProcessRelayTest.await(m, s -> s.text().equals("x"));
      source.close();
      StreamState s = ProcessRelayTest.await(m, StreamState::sourceClosed);
      assertEquals(EndReason.SOURCE_CLOSED, s.endReason());
      h.close();
      assertEquals(StreamStatus.ABORTED, source.status());
    }
  }

  /** A real Flow.Publisher with one subscriber, driven by the test, that records demand. */
  private static final class RecordingPublisher implements Flow.Publisher<String> {
    final AtomicBoolean cancelled = new AtomicBoolean();
    private final List<Long> requests = new ArrayList<>();
    Flow.Subscriber<? super String> subscriber;

    @Override
    public void subscribe(Flow.Subscriber<? super String> s) {
      subscriber = s;
      s.onSubscribe(new Flow.Subscription() {
        @Override
        public void request(long n) {
          synchronized (requests) {
            requests.add(n);
          }
        }

        @Override
        public void cancel() {
          cancelled.set(true);
        }
      });
    }

    List<Long> requests() {
      synchronized (requests) {
        return new ArrayList<>(requests);
      }
    }
  }
}
