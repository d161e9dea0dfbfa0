package dev.statesync.examples;

import com.fasterxml.jackson.databind.JsonNode;
import dev.statesync.channel.ChannelOptions;
import dev.statesync.core.ApplyOrigin;
import dev.statesync.core.InvalidationSubscriber;
import dev.statesync.core.Revision;
import dev.statesync.core.RevisionSyncHandle;
import dev.statesync.core.RevisionSyncOptions;
import dev.statesync.core.SnapshotApplier;
import dev.statesync.core.SnapshotEnvelope;
import dev.statesync.core.SnapshotProvider;
import dev.statesync.core.StateSync;
import dev.statesync.core.SyncListener;
import dev.statesync.core.Epoch;
import dev.statesync.examples.support.ChildProcess;
import dev.statesync.examples.support.CommandLoop;
import dev.statesync.examples.support.Reports;
import dev.statesync.examples.support.Settings;
import dev.statesync.examples.support.TempDir;
import dev.statesync.persistence.LoadResult;
import dev.statesync.persistence.Persistence;
import dev.statesync.persistence.PersistenceApplier;
import dev.statesync.persistence.PersistenceOptions;
import dev.statesync.persistence.file.FileStorageBackend;
import dev.statesync.persistence.peer.CrossProcessOptions;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * Recipe: persistence with cross-process sync and no backend.
 *
 * <p>Two instances of one app on one host share a settings file and nothing else: no server.
 * Each has a handle whose only input is its own edits ({@code offer}) and its peers' saves, and
 * whose provider reads the shared file. A change made in this process is saved, broadcast over
 * the host channel, and offered to the other process's handle with origin PEER, through its
 * revision gate. The other process is then killed with {@code kill -9} and restarted: it shows
 * the last saved settings from the file at once.
 */
public final class PersistenceWithoutBackend {
  private static final Duration WAIT = Duration.ofSeconds(40);

  private PersistenceWithoutBackend() {}

  /** Runs the example, or the peer app instance when the first argument is {@code peer}. */
  public static void main(String[] args) {
    if (args.length > 0 && args[0].equals("peer")) {
      peer(Path.of(args[1]));
      return;
    }
    System.exit(run(System.out) ? 0 : 1);
  }

  /** One app instance: the handle, its persistence applier and what it shows. */
  static final class Instance implements AutoCloseable {
    final PersistenceApplier<Settings> persisted;
    final RevisionSyncHandle<Settings> sync;

    Instance(String name, Path dir, PrintStream out) {
      persisted = Persistence.createPersistenceApplier(PersistenceOptions.<Settings>builder()
          .storage(FileStorageBackend.builder(dir.resolve("state")).build()).ownsStorage(true)
          .key("settings").dataType(Settings.class)
          .applier(SnapshotApplier.of((env) -> out.printf("[%s] shows %s (revision %s)%n",
              name, env.data(), env.revision())))
          .crossProcessSync(CrossProcessOptions.builder().channelName("app-settings")
              .channelOptions(ChannelOptions.builder().runtimeDir(dir.resolve("run")).build())
              .build())
          .build());
      sync = StateSync.createRevisionSync(RevisionSyncOptions.<Settings>builder()
          .topic("settings")
          .subscriber(InvalidationSubscriber.none()) // no server: peers' saves arrive as offers
          .provider(() -> persisted.loadPersistedSnapshot().thenApply(r -> r.envelope()
              .orElse(SnapshotEnvelope.of(Revision.ZERO, Settings.defaults()))))
          .applier(persisted)
          .build());
      persisted.attach(sync);
    }

    /** Loads the file, then starts; returns what the file held. */
    LoadResult<Settings> open() {
      LoadResult<Settings> loaded = persisted.hydrate().join();
      sync.start().join();
      return loaded;
    }

    /** An edit made here: the next revision, applied, saved and broadcast. */
    void edit(Settings value) {
      sync.offer(SnapshotEnvelope.of(sync.localRevision().next(), value), ApplyOrigin.OFFER)
          .join();
      persisted.flush().join();
    }

    @Override
    public void close() {
      sync.close();
      persisted.close();
    }
  }

  /** Runs the example, printing to {@code out}; true if the restarted peer showed the file. */
  public static boolean run(PrintStream out) {
    try (TempDir tmp = TempDir.create("ss-nobackend-");
        Instance here = new Instance("editor", tmp.path(), out)) {
      Path dir = tmp.path();
      here.open();
      ChildProcess peer = start(dir, out);
      try {
        peer.awaitReport("ready", WAIT);
        out.println("-- the editor changes the settings twice");
        here.edit(new Settings("dark", 14));
        here.edit(new Settings("dark", 18));
        peer.await(r -> r.path("type").asText().equals("shown")
            && r.path("revision").asLong() == 2, WAIT, "revision 2");
        out.println("-- kill -9 the peer, then start it again");
        peer.kill9(WAIT);
      } finally {
        peer.close();
      }
      try (ChildProcess again = start(dir, out)) {
        JsonNode ready = again.awaitReport("ready", WAIT);
        out.println("the restarted peer loaded " + ready.path("loaded").asText()
            + " from the file: revision " + ready.path("revision").asText());
        return ready.path("revision").asText().equals("2");
      }
    }
  }

  private static ChildProcess start(Path dir, PrintStream out) {
    return ChildProcess.start("peer", PersistenceWithoutBackend.class, List.of(),
        List.of("peer", dir.toString()), out::println);
  }

  private static void peer(Path dir) {
    Reports reports = new Reports(System.out);
    try (Instance me = new Instance("peer", dir, System.out)) {
      me.sync.addListener(new SyncListener() {
        @Override
        public void onSnapshotApplied(Revision revision, Optional<Epoch> epoch,
            ApplyOrigin origin, boolean epochReset) {
          reports.send(reports.of("shown").put("revision", revision.unsignedBits()));
        }
      });
      LoadResult<Settings> loaded = me.open();
      reports.send(reports.of("ready").put("loaded", loaded.outcome().name())
          .put("revision", me.sync.localRevision().toString()));
      CommandLoop.serve(reports, (verb, args, answer) -> {
        throw new IllegalArgumentException("unknown command " + verb);
      });
    }
  }
}
