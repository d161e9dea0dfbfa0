package dev.statesync.relay.it;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.statesync.testkit.ChildJvm;
import java.time.Duration;
import java.util.List;
import java.util.function.Predicate;

/**
 * A child JVM running a test-scope main that reports events as JSON lines
 * ({@code {"ev":"<kind>",...}}) on stdout and takes commands on stdin: the JSON view over the
 * shared launcher {@link ChildJvm}, which starts, reads, waits on and kills the process. Lines
 * that do not start with <code>{</code> are not events. Every wait is bounded by
 * {@link ChildJvm#WAIT}. Reusable for any such main: pass its class.
 */
public final class NodeProcess implements AutoCloseable {
  private static final ObjectMapper JSON = new ObjectMapper();
  private final ChildJvm jvm;

  private NodeProcess(ChildJvm jvm) {
    this.jvm = jvm;
  }

  /**
   * Starts {@code main} in a small child JVM (64 MB heap) with this JVM's class path; its stderr
   * is discarded, and {@link #close()} kills it at once.
   */
  public static NodeProcess start(Class<?> main, String... args) {
    return new NodeProcess(ChildJvm.builder(main.getSimpleName(), main).args(args)
        .jvmOption("-Xmx64m").discardStderr().closeGrace(Duration.ZERO).start());
  }

  /** The process id, which the nodes also report (for example in an {@code X-Node} header). */
  public long pid() {
    return jvm.pid();
  }

  /** Whether the process is still running. */
  public boolean isAlive() {
    return jvm.isAlive();
  }

  /** Sends one command line. */
  public void send(String command) {
    jvm.send(command);
  }

  /** Returns the events of kind {@code ev} reported so far, in order. */
  public List<JsonNode> events(String ev) {
    return jvm.lines().stream().map(NodeProcess::event)
        .filter(n -> n != null && n.path("ev").asText().equals(ev)).toList();
  }

  /** Waits until some reported event of kind {@code ev} matches; returns the first such. */
  public JsonNode await(String ev, Predicate<JsonNode> match) {
    return awaitCount(ev, 1, match).get(0);
  }

  /**
   * Waits until {@code count} reported events of kind {@code ev} match; returns every matching
   * event reported by then (at least {@code count}).
   */
  public List<JsonNode> awaitCount(String ev, int count, Predicate<JsonNode> match) {
    Predicate<JsonNode> wanted = n -> n != null && n.path("ev").asText().equals(ev)
        && match.test(n);
    jvm.awaitNth(line -> wanted.test(event(line)), count, count + " x " + ev);
    return jvm.lines().stream().map(NodeProcess::event).filter(wanted).toList();
  }

  /** Sends a signal with the {@code kill} command, e.g. {@code STOP} or {@code CONT}. */
  public void signal(String signal) {
    jvm.signal(signal);
  }

  /** Sends SIGKILL and waits for the process to end. */
  public void kill() {
    jvm.kill();
  }

  /** Kills the process if it still runs. */
  @Override
  public void close() {
    jvm.close();
  }

  /** The event on {@code line}, or null if the line is not JSON. */
  private static JsonNode event(String line) {
    if (!line.startsWith("{")) {
      return null;
    }
    try {
      return JSON.readTree(line);
    } catch (JsonProcessingException e) {
      throw new AssertionError("a node printed a line that starts like JSON but is not: "
          + line, e);
    }
  }
}
