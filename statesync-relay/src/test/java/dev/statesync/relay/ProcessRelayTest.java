package dev.statesync.relay;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.statesync.channel.ChannelOptions;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** A source in a real child JVM, mirrors in this JVM. */
class ProcessRelayTest {
  private static Path dir;
  private static MirrorOptions mirrorOptions;
  private final List<Child> children = new ArrayList<>();

  @BeforeAll
  static void runtimeDir() throws Exception {
    dir = Files.createTempDirectory(Path.of("/tmp"), "rp");
    mirrorOptions = MirrorOptions.builder()
        .channelOptions(ChannelOptions.builder().runtimeDir(dir).build()).build();
  }

  @AfterAll
  static void cleanup() throws Exception {
    try (var files = Files.walk(dir)) {
      files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    }
  }

  @AfterEach
  void killChildren() {
    children.forEach(c -> c.process.destroyForcibly());
  }

  @Test
  void lateJoinersGetTheStreamMidwayAndAfterDone() throws Exception {
    Child source = child("late");
    source.send("start");
    source.append("hello ");
    try (StreamMirror mid = new StreamMirror("late", mirrorOptions)) {
      StreamState joined = await(mid, s -> s.text().equals("hello "));
      assertEquals(StreamStatus.STREAMING, joined.status());
      source.append("world");
      source.send("complete");
      StreamState end = mid.awaitTerminal().get(10, TimeUnit.SECONDS);
      assertEquals(StreamStatus.DONE, end.status());
      assertEquals("hello world", end.text());
    }
    try (StreamMirror after = new StreamMirror("late", mirrorOptions)) {
      StreamState s = after.awaitSynced().get(10, TimeUnit.SECONDS);
      assertEquals(StreamStatus.DONE, s.status());
      assertEquals("hello world", s.text());
      assertEquals("child", s.sourceId());
    }
  }

  @Test
  void mirrorStartedBeforeSourceSeesSourceKilledAsError() throws Exception {
    try (StreamMirror mirror = new StreamMirror("killf", mirrorOptions)) {
      assertEquals(StreamStatus.IDLE, mirror.awaitSynced().get(10, TimeUnit.SECONDS).status());
      Child source = child("killf");
      source.send("start");
      source.append("partial");
      await(mirror, s -> s.text().equals("partial"));
      source.process.destroyForcibly();
      StreamState end = mirror.awaitTerminal().get(10, TimeUnit.SECONDS);
      assertEquals(EndReason.SOURCE_LOST, end.endReason());
      assertEquals("source process exited", end.error());
      assertEquals("partial", end.text());
    }
  }

  @Test
  void sourceKilledInTheHubJvmMovesMirrorToError() throws Exception {
    Child source = child("killh");
    try (StreamMirror mirror = new StreamMirror("killh", mirrorOptions)) {
      source.send("start");
      source.append("x");
      await(mirror, s -> s.text().equals("x"));
      source.process.destroyForcibly();
      StreamState end = mirror.awaitTerminal().get(15, TimeUnit.SECONDS);
      assertEquals(StreamStatus.ERROR, end.status());
      assertEquals(EndReason.SOURCE_LOST, end.endReason());
    }
  }

  @Test
  void abortErrorAndCloseReachTheMirror() throws Exception {
    Child source = child("ends");
    try (StreamMirror mirror = new StreamMirror("ends", mirrorOptions)) {
      source.send("start");
      source.append("a");
      source.send("abort");
      StreamState aborted = await(mirror, s -> s.status().isTerminal());
      assertEquals(EndReason.ABORTED, aborted.endReason());
      source.send("start");
      source.append("b");
      source.send("fail upstream 500");
      StreamState failed = await(mirror, s -> s.status() == StreamStatus.ERROR);
      assertEquals("upstream 500", failed.error());
      assertEquals("b", failed.text());
      source.send("start");
      source.send("close");
      StreamState closed = await(mirror, s -> s.sourceClosed());
      assertEquals(EndReason.SOURCE_CLOSED, closed.endReason());
    }
  }

  @Test
  void surrogatePairsSplitByTheProducerRenderWhole() throws Exception {
    Child source = child("utf");
    try (StreamMirror mirror = new StreamMirror("utf", mirrorOptions)) {
      source.send("start");
      String text = "caf\u00e9 \uD83D\uDE00\uD83C\uDF89 \u4e2d\u6587";
      for (int i = 0; i < text.length(); i++) {
        source.append(text.substring(i, i + 1));
      }
      source.send("complete");
      StreamState end = mirror.awaitTerminal().get(10, TimeUnit.SECONDS);
      assertEquals(StreamStatus.DONE, end.status());
      assertEquals(text, end.text());
    }
  }

  private static StreamState await(StreamMirror mirror, Predicate<StreamState> condition)
      throws Exception {
    CompletableFuture<StreamState> f = new CompletableFuture<>();
    mirror.onChange(s -> {
      if (condition.test(s)) {
        f.complete(s);
      }
    });
    StreamState now = mirror.state();
    if (condition.test(now)) {
      f.complete(now);
    }
    return f.get(10, TimeUnit.SECONDS);
  }

  private Child child(String channel) throws Exception {
    List<String> cmd = List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-cp", System.getProperty("java.class.path"), SourceProcess.class.getName(),
        dir.toString(), channel);
    Process p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.INHERIT).start();
    Child c = new Child(p);
    children.add(c);
    assertEquals("ready", c.readLine());
    return c;
  }

  private static final class Child {
    final Process process;
    final BufferedReader out;
    final PrintWriter in;

    Child(Process process) {
      this.process = process;
      this.out = new BufferedReader(
          new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
      this.in = new PrintWriter(process.getOutputStream(), true, StandardCharsets.UTF_8);
    }

    String readLine() throws Exception {
      return CompletableFuture.supplyAsync(() -> {
        try {
          return out.readLine();
        } catch (java.io.IOException e) {
          throw new java.io.UncheckedIOException(e);
        }
      }).get(20, TimeUnit.SECONDS);
    }

    void send(String command) throws Exception {
      in.println(command);
      assertEquals("ok", readLine(), "child answer to " + command);
    }

    void append(String text) throws Exception {
      send("append " + SourceProcess.toHex(text));
    }
  }
}
