package dev.statesync.persistence.file;

import dev.statesync.core.Epoch;
import dev.statesync.core.InvalidationSubscriber;
import dev.statesync.core.Revision;
import dev.statesync.core.RevisionSyncHandle;
import dev.statesync.core.RevisionSyncOptions;
import dev.statesync.core.SnapshotEnvelope;
import dev.statesync.core.SnapshotProvider;
import dev.statesync.core.StateSync;
import dev.statesync.persistence.LoadResult;
import dev.statesync.persistence.Persistence;
import dev.statesync.persistence.PersistenceApplier;
import dev.statesync.persistence.PersistenceListener;
import dev.statesync.persistence.PersistenceOptions;
import dev.statesync.persistence.SaveInfo;
import dev.statesync.persistence.WriteStatus;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The writer JVM of {@link SaveCrashLoopTest}: {@code <dir> <key>}. It hydrates from the stored
 * record through the persistence applier (printing {@code loaded <r>}), then applies revision
 * after revision from its provider, each saved by the applier's serialized writer to a
 * {@link FileStorageBackend} with fsync; each completed save prints {@code ack <r>}. It runs until
 * it is killed.
 */
public final class SaveCrashChild {
  /** The saved data: the revision it belongs to, and a body that makes each write take time. */
  public record Data(long revision, String body) {}

  static final Epoch EPOCH = Epoch.of("crash-loop");

  private SaveCrashChild() {}

  public static void main(String[] args) {
    exitWhenTheParentIsGone();
    PrintStream out = new PrintStream(System.out, true, StandardCharsets.UTF_8);
    FileStorageBackend backend = FileStorageBackend.builder(Path.of(args[0])).build();
    String key = args[1];
    AtomicLong truth = new AtomicLong();
    String body = "x".repeat(16 * 1024);
    PersistenceApplier<Data> applier = Persistence.createPersistenceApplier(
        PersistenceOptions.<Data>builder().storage(backend).key(key)
            .applier((d, ctx) -> CompletableFuture.completedFuture(null))
            .dataType(Data.class).build());
    applier.addListener(new PersistenceListener<>() {
      @Override
      public void onSaveComplete(SaveInfo info, WriteStatus status, long ms, long bytes) {
        if (status == WriteStatus.WRITTEN) {
          out.println("ack " + info.revision().unsignedBits());
        }
      }
    });
    RevisionSyncHandle<Data> handle = StateSync.createRevisionSync(
        RevisionSyncOptions.<Data>builder().topic(key).subscriber(InvalidationSubscriber.none())
            .provider(SnapshotProvider.of(() -> SnapshotEnvelope.of(Revision.of(truth.get()),
                new Data(truth.get(), body), EPOCH)))
            .applier(applier).build());
    applier.attach(handle);
    LoadResult<Data> loaded = applier.hydrate().join();
    long from = loaded.envelope().map(e -> e.revision().unsignedBits()).orElse(0L);
    out.println("loaded " + from + " " + loaded.outcome());
    truth.set(from + 1);
    handle.start().join();
    while (true) {
      truth.incrementAndGet();
      handle.refresh().join();
    }
  }

  /** The parent holds our stdin; its end (even by a crash) must not leave this loop running. */
  static void exitWhenTheParentIsGone() {
    Thread t = new Thread(() -> {
      try {
        while (System.in.read() >= 0) {
          // Nothing is sent; wait for the end of the stream.
        }
      } catch (java.io.IOException e) {
        // Treated as the end of the stream.
      }
      Runtime.getRuntime().halt(0);
    }, "parent-watch");
    t.setDaemon(true);
    t.start();
  }
}
