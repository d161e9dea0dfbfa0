package dev.statesync.core.apply;

import dev.statesync.core.ApplyContext;
import dev.statesync.core.Epoch;
import dev.statesync.core.Revision;
import dev.statesync.core.SnapshotApplier;
import dev.statesync.core.SnapshotEnvelope;
import dev.statesync.core.Subscription;
import dev.statesync.core.logging.Logger;
import dev.statesync.core.logging.Loggers;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executor;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.Flow;
import java.util.concurrent.SubmissionPublisher;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;

/**
 * A thread-safe, observable holder of the latest applied state of one topic, the
 * {@code AtomicReference} a handle writes into:
 *
 * <pre>{@code
 * StateHolder<Settings> settings = StateHolder.create();
 * RevisionSyncHandle<Settings> handle = StateSync.createRevisionSync(
 *     RevisionSyncOptions.<Settings>builder()
 *         .topic("settings").subscriber(subscriber).provider(provider)
 *         .applier(settings.applier())
 *         .build());
 * settings.addListener(snapshot -> render(snapshot.data()));
 * }</pre>
 *
 * <p><b>Ordering discipline.</b> Applies are serialized by a lock, so every listener and every
 * publisher subscriber sees the snapshots in the one order in which they were applied, even when
 * several threads (or several handles) apply concurrently. Within one apply the holder first tells
 * every listener, synchronously and in registration order, and only then publishes the snapshot
 * to {@link #get()}, {@link #revision()}, {@link #epoch()} and {@link #snapshot()} on other
 * threads, with a volatile write. So a reader on another thread never sees a value newer than
 * what the listeners were told about, and reads never block. On the applying thread itself (that
 * is, inside a listener) the readers already return the snapshot being announced, so a listener
 * may call {@code get()} instead of using its argument.
 *
 * <p><b>Revision.</b> {@link #revision()} is empty until the first apply: an applied revision 0
 * (which the engine applies for an unseeded handle) is therefore distinguishable from "nothing
 * applied yet". Use {@code revision().orElse(Revision.ZERO)} where the engine's convention fits.
 *
 * <p>The holder does not gate revisions itself; the engine's gate decides what is newer. It
 * applies every snapshot it is given, in the order the lock is taken.
 *
 * @param <T> the type of the state
 */
public final class StateHolder<T> {
  /** Per-subscriber buffer of {@link #updates()}, the same as the engine's change publisher. */
  static final int PUBLISHER_BUFFER = 256;

  private final Logger logger;
  private final ReentrantLock applyLock = new ReentrantLock();
  private final CopyOnWriteArrayList<Registration<T>> listeners = new CopyOnWriteArrayList<>();
  private final SubmissionPublisher<SnapshotEnvelope<T>> publisher;
  private final SnapshotApplier<T> applier = this::apply;

  /** What readers on other threads see; replaced only after the listeners were told. */
  private volatile SnapshotEnvelope<T> published;

  /**
   * The thread telling listeners right now, or null. Together with {@link #announcing} it lets
   * listeners read the value they are told about while other threads still read the previous one.
   */
  private volatile Thread announcer;

  /** Written and read only by {@link #announcer}, so it needs no fence of its own. */
  private SnapshotEnvelope<T> announcing;

  private StateHolder(Logger logger, Executor publisherExecutor) {
    this.logger = logger;
    this.publisher = new SubmissionPublisher<>(publisherExecutor, PUBLISHER_BUFFER);
  }

  /**
   * Returns an empty holder whose listener failures are discarded and whose {@link #updates()}
   * deliver on {@link ForkJoinPool#commonPool()}.
   */
  public static <T> StateHolder<T> create() {
    return new StateHolder<>(Loggers.noopLogger(), ForkJoinPool.commonPool());
  }

  /**
   * Returns an empty holder that reports listener failures to {@code logger} (as the warning
   * {@code state listener threw}) and delivers {@link #updates()} on {@code publisherExecutor}.
   *
   * @throws NullPointerException if {@code logger} or {@code publisherExecutor} is null
   */
  public static <T> StateHolder<T> create(Logger logger, Executor publisherExecutor) {
    Objects.requireNonNull(logger, "logger");
    Objects.requireNonNull(publisherExecutor, "publisherExecutor");
    return new StateHolder<>(logger, publisherExecutor);
  }

  /** Returns the latest applied data, or null if nothing was applied or the data was null. */
  public T get() {
    SnapshotEnvelope<T> s = current();
    return s == null ? null : s.data();
  }

  /** Returns the latest applied snapshot (revision, data and epoch read together), if any. */
  public Optional<SnapshotEnvelope<T>> snapshot() {
    return Optional.ofNullable(current());
  }

  /** Returns the revision of the latest applied snapshot, or empty if nothing was applied. */
  public Optional<Revision> revision() {
    SnapshotEnvelope<T> s = current();
    return s == null ? Optional.empty() : Optional.of(s.revision());
  }

  /** Returns the epoch of the latest applied snapshot, or empty if none or it had no epoch. */
  public Optional<Epoch> epoch() {
    SnapshotEnvelope<T> s = current();
    return s == null ? Optional.empty() : s.epoch();
  }

  /**
   * Registers a listener, called with every snapshot applied after this call returns.
   *
   * <p>Listeners run synchronously on the applying thread (the handle's serial context, or the
   * executor of a {@link DispatchedApplier} wrapping {@link #applier()}), in registration order,
   * before the snapshot becomes visible to other threads and before the apply's stage completes.
   * A listener that throws is reported to the holder's logger and does not stop the others or
   * the apply. Other threads may read the holder while a listener runs (reads never block), but a
   * listener must not call {@code applier().apply} itself: that stage fails with
   * {@link IllegalStateException}. Registering the same listener twice creates two registrations.
   *
   * @return a subscription that removes exactly this registration; idempotent
   * @throws NullPointerException if {@code listener} is null
   */
  public Subscription addListener(Consumer<? super SnapshotEnvelope<T>> listener) {
    Objects.requireNonNull(listener, "listener");
    Registration<T> r = new Registration<>(listener);
    listeners.add(r);
    return () -> listeners.remove(r);
  }

  /**
   * Returns a publisher of applied snapshots. Reactive Streams forbid null items, so items are
   * envelopes: {@code item.data()} is the value (possibly null), with its revision and epoch.
   *
   * <p>Items are offered after the listeners ran, in apply order, and delivered asynchronously on
   * the holder's publisher executor. Each subscriber has a buffer of 256 items; when it is full,
   * newer items are dropped for that subscriber only, so a slow subscriber never blocks an apply.
   * A new subscriber receives only later snapshots; read {@link #snapshot()} for the current one.
   */
  public Flow.Publisher<SnapshotEnvelope<T>> updates() {
    return publisher;
  }

  /**
   * Returns the applier that stores each snapshot it is given into this holder, to pass to
   * {@code RevisionSyncOptions.Builder.applier}. Its stage is already complete when
   * {@code apply} returns: completed normally once the listeners ran and the snapshot was
   * published, or exceptionally with {@link IllegalStateException} when called from one of this
   * holder's listeners. A null snapshot or context throws {@link NullPointerException}, which the
   * engine counts as a failed stage. The same applier is returned every time.
   */
  public SnapshotApplier<T> applier() {
    return applier;
  }

  private SnapshotEnvelope<T> current() {
    // Only the announcing thread ever matches, so other threads keep reading the published value.
    return announcer == Thread.currentThread() ? announcing : published;
  }

  private CompletableFuture<Void> apply(SnapshotEnvelope<T> snapshot, ApplyContext context) {
    Objects.requireNonNull(snapshot, "snapshot");
    Objects.requireNonNull(context, "context");
    if (applyLock.isHeldByCurrentThread()) {
      // A nested apply would announce a newer value before the other listeners heard this one.
      return CompletableFuture.failedFuture(new IllegalStateException(
          "a StateHolder listener applied to its own holder; apply from outside the listener"));
    }
    applyLock.lock();
    try {
      announcing = snapshot;
      announcer = Thread.currentThread();
      try {
        for (Registration<T> r : listeners) {
          notify(r, snapshot, context);
        }
      } finally {
        published = snapshot;
        announcer = null;
        announcing = null;
      }
      publisher.offer(snapshot, null);
    } finally {
      applyLock.unlock();
    }
    return CompletableFuture.completedFuture(null);
  }

  private void notify(Registration<T> r, SnapshotEnvelope<T> snapshot, ApplyContext context) {
    try {
      r.listener.accept(snapshot);
    } catch (RuntimeException | Error e) {
      if (e instanceof VirtualMachineError) {
        throw (VirtualMachineError) e;
      }
      Map<String, Object> extra = new LinkedHashMap<>();
      extra.put("topic", context.topic());
      extra.put("revision", snapshot.revision());
      extra.put("error", e);
      logger.warn("state listener threw", extra);
    }
  }

  /** A distinct object per registration, so removing one never removes a twin. */
  private static final class Registration<T> {
    final Consumer<? super SnapshotEnvelope<T>> listener;

    Registration(Consumer<? super SnapshotEnvelope<T>> listener) {
      this.listener = listener;
    }
  }
}
