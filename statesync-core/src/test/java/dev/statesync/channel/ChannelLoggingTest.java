package dev.statesync.channel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.statesync.core.logging.Logger;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** CHAN-60 {@code logger} option: where the channel's and the election's entries go. */
class ChannelLoggingTest {
  private Path base;

  @BeforeEach
  void setUp() throws IOException {
    base = Files.createTempDirectory(Path.of("/tmp"), "slog");
  }

  /** Keeps every entry; debug enabled. */
  static final class Recorder implements Logger {
    record Entry(String level, String message, Map<String, ?> extra) {}

    private final List<Entry> entries = new ArrayList<>();

    @Override
    public void debug(String message, Map<String, ?> extra) {
      add("debug", message, extra);
    }

    @Override
    public void warn(String message, Map<String, ?> extra) {
      add("warn", message, extra);
    }

    @Override
    public void error(String message, Map<String, ?> extra) {
      add("error", message, extra);
    }

    private synchronized void add(String level, String message, Map<String, ?> extra) {
      entries.add(new Entry(level, message, Map.copyOf(extra)));
    }

    synchronized List<Entry> matching(String level, String fragment) {
      return entries.stream().filter(e -> e.level().equals(level)
          && e.message().contains(fragment)).toList();
    }
  }

  @Test
  void theFirstInstanceGivesTheGroupItsLoggerAndEachInstanceGetsItsListenersEntries()
      throws Exception {
    Recorder first = new Recorder();
    Recorder second = new Recorder();
    Path dir = base.resolve("a");
    try (BroadcastChannel x = BroadcastChannel.open("logs",
            ChannelOptions.builder().runtimeDir(dir).logger(first).build());
        BroadcastChannel y = BroadcastChannel.open("logs",
            ChannelOptions.builder().runtimeDir(dir).logger(second).build())) {
      IllegalStateException boom = new IllegalStateException("listener bug");
      y.subscribe(m -> {
        throw boom;
      });
      x.post(new byte[] {1}).get(30, TimeUnit.SECONDS);
      LocalChannelTest.awaitCondition(Duration.ofSeconds(30),
          () -> !second.matching("warn", "listener threw").isEmpty());

      Recorder.Entry threw = second.matching("warn", "listener threw").get(0);
      assertSame(boom, threw.extra().get("error"), "the cause travels under the error key");
      assertTrue(first.matching("warn", "listener threw").isEmpty(), "x's logger saw y's entry");

      // Group entries: the runtime directory and taking office, in the first opener's logger.
      List<Recorder.Entry> dirs = first.matching("debug", "runtime directory");
      assertEquals(1, dirs.size());
      assertEquals(dir.toAbsolutePath().toString(), dirs.get(0).extra().get("path"));
      assertEquals("option", dirs.get(0).extra().get("source"));
      // Logged just after the open completes, so waited for.
      LocalChannelTest.awaitCondition(Duration.ofSeconds(30),
          () -> !first.matching("debug", "is now hub in epoch").isEmpty());
      assertTrue(second.matching("debug", "is now hub").isEmpty());
      assertTrue(second.matching("debug", "runtime directory").isEmpty());
    }
  }

  @Test
  void anElectionsListenerFailureGoesToItsLogger() throws Exception {
    Recorder recorder = new Recorder();
    try (LeaderElection e = LeaderElection.open("logs-election", ElectionOptions.builder()
        .runtimeDir(base.resolve("e")).logger(recorder).build())) {
      e.onLeadershipChange((leader, epoch) -> {
        throw new IllegalStateException("leadership listener bug");
      });
      // Leadership may have been gained before the listener was added; giving it up is a change.
      e.awaitLeadership().get(30, TimeUnit.SECONDS);
      e.relinquish();
      LocalChannelTest.awaitCondition(Duration.ofSeconds(30),
          () -> !recorder.matching("warn", "leadership listener threw").isEmpty());
    }
  }

  @Test
  void withoutALoggerOptionTheChannelUsesTheRuntimeDefault() {
    assertTrue(ChannelOptions.defaults().logger().isEmpty());
    assertTrue(ElectionOptions.defaults().logger().isEmpty());
    // This test JVM has an SLF4J provider, so the default is the SLF4J adapter.
    assertEquals("Slf4jLogger", ChannelRuntime.defaultLogger().getClass().getSimpleName());
    assertSame(ChannelRuntime.defaultLogger(), ChannelRuntime.defaultLogger());
  }
}
