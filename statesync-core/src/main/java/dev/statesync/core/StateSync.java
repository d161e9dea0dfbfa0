package dev.statesync.core;

import java.util.UUID;
import java.util.concurrent.Executor;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The front door: creates revision sync handles and holds the process-wide defaults.
 *
 * <pre>{@code
 * RevisionSyncHandle<Settings> sync = StateSync.createRevisionSync(
 *     RevisionSyncOptions.<Settings>builder()
 *         .topic("settings")
 *         .subscriber(subscriber)
 *         .provider(provider)
 *         .applier(SnapshotApplier.ofData(settings -> view.show(settings)))
 *         .build());
 * sync.start().join();
 * }</pre>
 */
public final class StateSync {
  private static final String INSTANCE_ID = UUID.randomUUID().toString();

  private static final class BlockingHolder {
    static final Executor EXECUTOR = create();

    private static Executor create() {
      AtomicInteger n = new AtomicInteger();
      ThreadPoolExecutor pool = new ThreadPoolExecutor(
          0, Integer.MAX_VALUE, 60, TimeUnit.SECONDS, new SynchronousQueue<>(), task -> {
            Thread t = new Thread(task, "statesync-blocking-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
          });
      return pool;
    }
  }

  private StateSync() {}

  /**
   * Creates a handle in status {@link SyncStatus#IDLE}. Creating it does no I/O and calls no role;
   * call {@link RevisionSyncHandle#start()} to subscribe and fetch.
   */
  public static <T> RevisionSyncHandle<T> createRevisionSync(RevisionSyncOptions<T> options) {
    return new RevisionSyncEngine<>(options);
  }

  /**
   * Returns this process instance's random id (a UUID string), created once when this class is
   * loaded and stable for the life of the process. It is the default {@code sourceId} of every
   * handle, and is never derived from host, user or application names.
   */
  public static String processInstanceId() {
    return INSTANCE_ID;
  }

  /**
   * Returns the shared executor for blocking role code: a cached pool of daemon threads named
   * {@code statesync-blocking-<n>}, whose idle threads retire after 60 s.
   */
  public static Executor defaultBlockingExecutor() {
    return BlockingHolder.EXECUTOR;
  }
}
