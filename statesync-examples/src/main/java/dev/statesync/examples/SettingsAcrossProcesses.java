package dev.statesync.examples;

import com.fasterxml.jackson.databind.JsonNode;
import dev.statesync.core.ApplyOrigin;
import dev.statesync.core.RevisionSyncHandle;
import dev.statesync.core.SnapshotApplier;
import dev.statesync.core.SnapshotEnvelope;
import dev.statesync.examples.support.ChildProcess;
import dev.statesync.examples.support.CommandLoop;
import dev.statesync.examples.support.Reports;
import dev.statesync.examples.support.Settings;
import dev.statesync.examples.support.SettingsBackend;
import dev.statesync.examples.support.SettingsClient;
import dev.statesync.relay.HttpRevisionSync;
import dev.statesync.relay.HttpRevisionSyncOptions;
import java.io.PrintStream;
import java.net.URI;
import java.time.Duration;
import java.util.List;

/**
 * Recipe: settings kept in sync across processes, with the backend as the source of truth.
 *
 * <p>This process hosts the backend (HTTP + SSE). Two viewer JVMs (this class, started with
 * {@code viewer}) each run one handle made by {@code HttpRevisionSync.createHttpRevisionSync}:
 * invalidations over SSE, snapshots over HTTP, an applier that prints what the viewer shows. An administrator changes the settings on the server; both
 * viewers follow. Then {@code viewer-1} writes: it offers its write response, so it shows its
 * change at once, and its echo costs it no fetch; {@code viewer-2} follows through the backend.
 */
public final class SettingsAcrossProcesses {
  private static final Duration WAIT = Duration.ofSeconds(40);

  private SettingsAcrossProcesses() {}

  /** Runs the example, or a viewer when the first argument is {@code viewer}. */
  public static void main(String[] args) {
    if (args.length > 0 && args[0].equals("viewer")) {
      viewer(args[1], URI.create(args[2]), URI.create(args[3]));
      return;
    }
    System.exit(run(System.out) ? 0 : 1);
  }

  /** Runs the example, printing to {@code out}; true if both viewers show the source's state. */
  public static boolean run(PrintStream out) {
    try (SettingsBackend backend = SettingsBackend.start(Settings.defaults())) {
      List<ChildProcess> viewers = List.of("viewer-1", "viewer-2").stream()
          .map(name -> ChildProcess.start(name, SettingsAcrossProcesses.class, List.of(),
              List.of("viewer", name, backend.snapshotUri().toString(),
                  backend.eventsUri().toString()), out::println))
          .toList();
      try {
        viewers.forEach(v -> v.awaitReport("ready", WAIT));
        out.println("-- an administrator changes the settings on the server");
        awaitShown(viewers, backend.write(new Settings("dark", 14), "admin"));
        out.println("-- viewer-1 writes through the API");
        viewers.get(0).request("write solarized 16", WAIT);
        awaitShown(viewers, backend.current());
        JsonNode v1 = viewers.get(0).request("stats", WAIT);
        out.println("viewer-1 made " + v1.path("fetches").asLong()
            + " fetches: at start and for the administrator's change; none for its own write");
        return v1.path("fetches").asLong() == 2;
      } finally {
        viewers.forEach(ChildProcess::close);
      }
    }
  }

  private static void awaitShown(List<ChildProcess> viewers, SnapshotEnvelope<Settings> truth) {
    long revision = truth.revision().unsignedBits();
    for (ChildProcess v : viewers) {
      v.await(r -> r.path("type").asText().equals("shown")
          && r.path("revision").asLong() >= revision, WAIT, "revision " + revision);
    }
  }

  private static void viewer(String name, URI settingsUri, URI eventsUri) {
    Reports reports = new Reports(System.out);
    SettingsClient client = new SettingsClient(settingsUri, name);
    try (RevisionSyncHandle<Settings> sync = HttpRevisionSync.createHttpRevisionSync(
        HttpRevisionSyncOptions.<Settings>builder()
            .topic(SettingsBackend.TOPIC)
            .sseUri(eventsUri)
            .snapshotUri(settingsUri)
            .dataType(Settings.class)
            .applier(SnapshotApplier.of(env -> {
              System.out.printf("[%s] shows %s (revision %s)%n", name, env.data(),
                  env.revision());
              reports.send(reports.of("shown").put("revision", env.revision().unsignedBits()));
            }))
            // safe: every write of this viewer offers its response
            .engineOptions(engine -> engine.sourceId(name).ignoreOwnEvents(true))
            .build())) {
      sync.start().join();
      reports.send(reports.of("ready"));
      CommandLoop.serve(reports, (verb, args, answer) -> {
        switch (verb) {
          case "write" -> sync.offer(client.writeAndWait(
              new Settings(args[0], Integer.parseInt(args[1]))), ApplyOrigin.OFFER).join();
          case "stats" -> answer.put("fetches", sync.stats().fetches());
          default -> throw new IllegalArgumentException("unknown command " + verb);
        }
      });
    }
  }
}
