package dev.statesync.examples;

import com.fasterxml.jackson.databind.JsonNode;
import dev.statesync.examples.support.ChildProcess;
import dev.statesync.examples.support.CommandLoop;
import dev.statesync.examples.support.Reports;
import dev.statesync.examples.support.Settings;
import dev.statesync.examples.support.SettingsBackend;
import dev.statesync.examples.support.TempDir;
import dev.statesync.relay.SseCoordinator;
import dev.statesync.relay.SseOptions;
import java.io.PrintStream;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.IntStream;

/**
 * Recipe: one upstream SSE connection per host, with {@link SseCoordinator}.
 *
 * <p>Three "tab" JVMs on one host follow the same server-sent-events feed (the backend's
 * {@code /events}, which this process hosts). Each tab calls {@code SseCoordinator.connect} with
 * the same channel name: the first one is elected and holds the only HTTP connection; the others
 * get every event relayed over the host channel, with the same id and data. The server sees one
 * connection for three tabs.
 *
 * <p>Then the leading tab is killed with {@code kill -9} and the server publishes right away:
 * another tab is elected within milliseconds and reconnects with {@code Last-Event-ID}; the
 * backend replays what came after that id, and the coordinator drops ids it has already seen.
 * Whether the event was published before, during or after the handover, each surviving tab
 * receives it exactly once.
 */
public final class OneSseConnectionPerHost {
  private static final Duration WAIT = Duration.ofSeconds(40);
  private static final String CHANNEL = "feed";

  private OneSseConnectionPerHost() {}

  /** Runs the example, or a tab when the first argument is {@code tab}. */
  public static void main(String[] args) {
    if (args.length > 0 && args[0].equals("tab")) {
      tab(args[1], URI.create(args[2]));
      return;
    }
    System.exit(run(System.out) ? 0 : 1);
  }

  /**
   * Runs the example, printing to {@code out}; true if the server saw one connection at a time
   * and every tab received every event exactly once.
   */
  public static boolean run(PrintStream out) {
    try (TempDir tmp = TempDir.create("ss-sse-");
        SettingsBackend backend = SettingsBackend.start(Settings.defaults())) {
      List<ChildProcess> tabs = new ArrayList<>();
      try {
        out.println("-- three tabs connect to " + backend.eventsUri());
        tabs.add(start("tab-1", backend, tmp, out));
        tabs.get(0).awaitReport("leader", WAIT); // the first tab leads; the others queue behind
        tabs.add(start("tab-2", backend, tmp, out));
        tabs.add(start("tab-3", backend, tmp, out));
        for (ChildProcess t : tabs) {
          t.await(r -> r.path("type").asText().equals("connected") && r.path("up").asBoolean(),
              WAIT, "the stream reported open");
        }
        out.println("SSE connections the server opened for 3 tabs: "
            + backend.eventStreamsOpened());

        out.println("-- the server publishes revisions 2, 3 and 4");
        IntStream.rangeClosed(2, 4).forEach(i -> backend.write(new Settings("dark", 10 + i), "admin"));
        List<String> failures = new ArrayList<>();
        for (ChildProcess t : tabs) {
          check(t, List.of("2", "3", "4"), failures, out);
        }

        out.println("-- kill -9 tab-1 (the leader); the server publishes revision 5 at once");
        ChildProcess old = tabs.remove(0);
        old.kill9(WAIT);
        backend.write(new Settings("dark", 15), "admin");
        ChildProcess next = ChildProcess.awaitAny(tabs,
            r -> r.path("type").asText().equals("leader"), WAIT, "a new leader");
        out.println(next.name() + " leads and resumed the stream after id "
            + next.awaitReport("leader", WAIT).path("resumedAfter").asText());
        backend.write(new Settings("dark", 16), "admin");
        for (ChildProcess t : tabs) {
          check(t, List.of("2", "3", "4", "5", "6"), failures, out);
        }
        int opened = backend.eventStreamsOpened();
        out.println("SSE connections the server opened in all: " + opened);
        if (opened != 2) {
          failures.add("the server opened " + opened + " connections, expected 2");
        }
        out.println(failures.isEmpty() ? "every tab got every event once"
            : "FAILED: " + String.join("; ", failures));
        return failures.isEmpty();
      } catch (ChildProcess.ChildFailedException e) {
        out.println("FAILED: " + e.getMessage());
        return false;
      } finally {
        tabs.forEach(ChildProcess::close);
      }
    }
  }

  /** Waits until {@code tab} has the last of {@code expected}, then compares all its ids. */
  private static void check(ChildProcess tab, List<String> expected, List<String> failures,
      PrintStream out) {
    String last = expected.get(expected.size() - 1);
    tab.await(r -> r.path("type").asText().equals("event") && r.path("id").asText().equals(last),
        WAIT, "event " + last);
    List<String> ids = new ArrayList<>();
    tab.request("ids", WAIT).path("ids").forEach(id -> ids.add(id.asText()));
    out.println(tab.name() + " received ids " + ids);
    if (!ids.equals(expected)) {
      failures.add(tab.name() + " received " + ids + ", expected " + expected);
    }
  }

  private static ChildProcess start(String name, SettingsBackend backend, TempDir tmp,
      PrintStream out) {
    return ChildProcess.start(name, OneSseConnectionPerHost.class,
        List.of("-Dstatesync.runtimeDir=" + tmp.runtimeDir()),
        List.of("tab", name, backend.eventsUri().toString()), out::println);
  }

  /** One tab: a seat in the host's coordinator, printing and recording every event it gets. */
  private static void tab(String name, URI eventsUri) {
    Reports reports = new Reports(System.out);
    List<String> ids = new CopyOnWriteArrayList<>();
    try (SseCoordinator coordinator = new SseCoordinator()) {
      coordinator.connect(SseOptions.builder(eventsUri)
          .channelName(CHANNEL)
          .eventTypes(Set.of("invalidation"))
          .onEvent(e -> {
            ids.add(e.id());
            System.out.printf("[%s] %s %s: %s%n", name, e.type(), e.id(), e.rawData());
            reports.send(reports.of("event").put("id", e.id()));
          })
          .onConnectionChange(up -> {
            reports.send(reports.of("connected").put("up", up));
            if (up && coordinator.isLeader()) {
              reports.send(reports.of("leader")
                  .put("resumedAfter", coordinator.lastEventId().orElse("(none)")));
            }
          })
          .build());
      CommandLoop.serve(reports, (verb, args, answer) -> {
        switch (verb) {
          case "ids" -> ids.forEach(answer.putArray("ids")::add);
          default -> throw new IllegalArgumentException("unknown command " + verb);
        }
      });
    }
  }
}
