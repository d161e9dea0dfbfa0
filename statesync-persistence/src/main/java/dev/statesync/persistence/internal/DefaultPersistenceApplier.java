package dev.statesync.persistence.internal;

import com.fasterxml.jackson.databind.JsonNode;
import dev.statesync.core.ApplyContext;
import dev.statesync.core.ApplyOrigin;
import dev.statesync.core.ApplyOutcome;
import dev.statesync.core.Epoch;
import dev.statesync.core.Revision;
import dev.statesync.core.RevisionSyncHandle;
import dev.statesync.core.SnapshotApplier;
import dev.statesync.core.SnapshotEnvelope;
import dev.statesync.core.Subscription;
import dev.statesync.core.TaskScheduler;
import dev.statesync.core.Throttler;
import dev.statesync.core.TimeSource;
import dev.statesync.core.logging.Logger;
import dev.statesync.persistence.ClearOrigin;
import dev.statesync.persistence.CloseMode;
import dev.statesync.persistence.Compression;
import dev.statesync.persistence.CorruptRecordException;
import dev.statesync.persistence.DecodedRecord;
import dev.statesync.persistence.FutureSchemaVersionException;
import dev.statesync.persistence.JsonCodec;
import dev.statesync.persistence.Limits;
import dev.statesync.persistence.LoadOptions;
import dev.statesync.persistence.LoadOutcome;
import dev.statesync.persistence.LoadResult;
import dev.statesync.persistence.MigrationException;
import dev.statesync.persistence.Migrations;
import dev.statesync.persistence.PayloadDecodeException;
import dev.statesync.persistence.PersistenceApplier;
import dev.statesync.persistence.PersistenceErrorContext;
import dev.statesync.persistence.PersistenceListener;
import dev.statesync.persistence.PersistenceOperation;
import dev.statesync.persistence.PersistenceOptions;
import dev.statesync.persistence.PersistenceStats;
import dev.statesync.persistence.RecordFormat;
import dev.statesync.persistence.RecordHeader;
import dev.statesync.persistence.SaveInfo;
import dev.statesync.persistence.StorageBackend;
import dev.statesync.persistence.UnsupportedRecordException;
import dev.statesync.persistence.ValidationException;
import dev.statesync.persistence.WriteMode;
import dev.statesync.persistence.WriteResult;
import dev.statesync.persistence.WriteStatus;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import java.util.function.Predicate;

/**
 * The persistence applier: inner apply, then a throttled, serialized, latest-wins writer.
 *
 * <p>Slots, all guarded by {@code lock}: {@code pending} waits for the throttler; {@code queued}
 * waits for the writer; {@code resave} (a migration re-save) is taken before {@code queued};
 * {@code inFlight} is being written; {@code unsaved} is the last snapshot whose write failed, kept
 * for one re-queue by {@code flush()} or {@code close()}.
 */
public final class DefaultPersistenceApplier<T> implements PersistenceApplier<T> {
  private final StorageBackend storage;
  private final String key;
  private final SnapshotApplier<T> inner;
  private final JsonCodec<T> codec;
  private final int schemaVersion;
  private final Migrations migrations;
  private final Predicate<T> validator;
  private final Compression compression;
  private final OptionalLong ttlMs;
  private final boolean quarantineCorrupt;
  private final Duration writeTimeout;
  private final Duration closeTimeout;
  private final boolean ownsStorage;
  private final Consumer<PersistenceErrorContext> onError;
  private final Logger logger;
  private final Executor executor;
  private final TimeSource time;
  private final TaskScheduler scheduler;
  private final Limits limits;
  private final String instanceId = UUID.randomUUID().toString();
  private final Throttler throttler;
  private final EventLane lane = new EventLane();
  private final List<Registration<T>> listeners = new CopyOnWriteArrayList<>();

  private final Object lock = new Object();
  private Item<T> pending;
  private Item<T> queued;
  private Item<T> resave;
  private Item<T> inFlight;
  private Item<T> unsaved;
  private Revision writtenRevision;
  private Optional<Epoch> writtenEpoch = Optional.empty();
  private final List<CompletableFuture<Void>> idleWaiters = new ArrayList<>();
  private boolean closed;
  private CompletableFuture<Void> closeFuture;
  private RevisionSyncHandle<T> handle;
  private volatile Latest<T> latestKnown;
  private final Counters counters = new Counters();

  /** A snapshot on its way to storage. */
  private static final class Item<T> {
    final SnapshotEnvelope<T> envelope;
    final String topic;
    final ApplyOrigin origin; // null for a migration re-save
    final int schemaVersion;
    final OptionalLong savedAt;
    final OptionalLong ttlMs;
    final CompletableFuture<Void> done = new CompletableFuture<>();

    Item(SnapshotEnvelope<T> envelope, String topic, ApplyOrigin origin, int schemaVersion,
        OptionalLong savedAt, OptionalLong ttlMs) {
      this.envelope = envelope;
      this.topic = topic;
      this.origin = origin;
      this.schemaVersion = schemaVersion;
      this.savedAt = savedAt;
      this.ttlMs = ttlMs;
    }
  }

  private static final class Registration<T> {
    final PersistenceListener<T> listener;

    Registration(PersistenceListener<T> listener) {
      this.listener = listener;
    }
  }

  private static final class Counters {
    long saveCount;
    long saveSkippedCount;
    long saveErrorCount;
    long throttledCount;
    long bytesWritten;
    long payloadBytesWritten;
    OptionalLong lastSaveAt = OptionalLong.empty();
    OptionalLong lastSaveDurationMs = OptionalLong.empty();
    long loadCount;
    long loadErrorCount;
    long expiredCount;
    long migratedCount;
    long broadcastsSent;
    long messagesReceived;
    long messagesRejected;
    long peerApplied;
  }

  private record Encoded(byte[] record, long payloadBytes) {}

  /** The last snapshot applied through this applier, with its topic. */
  record Latest<T>(SnapshotEnvelope<T> envelope, String topic) {}

  /** Creates the applier; does no storage I/O. */
  public DefaultPersistenceApplier(PersistenceOptions<T> options) {
    this.storage = options.storage();
    this.key = options.key();
    this.inner = options.applier();
    this.codec = options.codec();
    this.schemaVersion = options.schemaVersion();
    this.migrations = options.migrations().orElse(null);
    this.validator = options.validator().orElse(null);
    this.compression = options.compression();
    this.ttlMs = options.ttl().map(d -> OptionalLong.of(d.toMillis())).orElse(OptionalLong.empty());
    this.quarantineCorrupt = options.quarantineCorrupt();
    this.writeTimeout = options.writeTimeout();
    this.closeTimeout = options.closeTimeout();
    this.ownsStorage = options.ownsStorage();
    this.onError = options.onPersistenceError().orElse(null);
    this.logger = options.logger();
    this.executor = options.executor();
    this.time = options.timeSource();
    this.scheduler = options.scheduler();
    this.limits = options.limits();
    this.throttler = Throttler.create(options.saveThrottling(), this::onThrottlerFire, scheduler,
        time, e -> logger.error("save throttler could not schedule", Map.of("error", e.toString())));
    options.crossProcessSync().ifPresent(cp -> PeerSync.install(this, options, cp));
  }

  @Override
  public String instanceId() {
    return instanceId;
  }

  // ------------------------------------------------------------------------------- apply

  @Override
  public CompletionStage<Void> apply(SnapshotEnvelope<T> snapshot, ApplyContext context) {
    synchronized (lock) {
      if (closed) {
        throw new IllegalStateException("persistence applier for key \"" + key + "\" is closed");
      }
    }
    CompletionStage<Void> stage = inner.apply(snapshot, context);
    CompletableFuture<Void> innerDone = stage == null
        ? CompletableFuture.completedFuture(null) : stage.toCompletableFuture();
    return innerDone.thenRun(() -> onApplied(snapshot, context));
  }

  private void onApplied(SnapshotEnvelope<T> snapshot, ApplyContext context) {
    latestKnown = new Latest<>(snapshot, context.topic());
    if (context.origin() == ApplyOrigin.CACHE) {
      return; // hydration never re-saves
    }
    synchronized (lock) {
      if (closed && closeFuture != null) {
        return;
      }
      if (pending != null) {
        counters.throttledCount++;
      }
      pending = new Item<>(snapshot, context.topic(), context.origin(), schemaVersion,
          OptionalLong.empty(), ttlMs);
    }
    throttler.trigger();
  }

  private void onThrottlerFire() {
    synchronized (lock) {
      if (pending == null) {
        return;
      }
      if (queued != null) {
        counters.throttledCount++;
      }
      queued = pending;
      pending = null;
      unsaved = null; // a newer snapshot supersedes one whose write failed
    }
    drain();
  }

  // ------------------------------------------------------------------------------- writer

  private void drain() {
    Item<T> next;
    synchronized (lock) {
      if (inFlight != null) {
        return;
      }
      while (true) {
        if (resave != null) {
          next = resave;
          resave = null;
          if (supersedes(writtenEpoch, writtenRevision, next)
              || (queued != null && supersedes(queued.envelope.epoch(),
                  queued.envelope.revision(), next))) {
            next.done.complete(null);
            continue;
          }
        } else {
          next = queued;
          queued = null;
        }
        break;
      }
      if (next == null) {
        List<CompletableFuture<Void>> waiters = new ArrayList<>(idleWaiters);
        idleWaiters.clear();
        waiters.forEach(w -> w.complete(null));
        return;
      }
      inFlight = next;
    }
    write(next);
  }

  private static boolean supersedes(Optional<Epoch> epoch, Revision revision, Item<?> item) {
    return revision != null && epoch.equals(item.envelope.epoch())
        && revision.compareTo(item.envelope.revision()) >= 0;
  }

  private void write(Item<T> item) {
    SaveInfo info = new SaveInfo(key, item.envelope.revision(), item.envelope.epoch(),
        item.origin);
    emit(l -> l.onSaveStart(info));
    long start = time.nanoTime();
    CompletableFuture<Encoded> encoded = CompletableFuture.supplyAsync(() -> encode(item),
        executor);
    encoded.thenCompose(e -> withTimeout(storage.write(key, e.record(), WriteMode.MONOTONIC)))
        .whenComplete((result, error) -> finish(item, info, start,
            error == null ? encoded.join() : null, result, unwrap(error)));
  }

  private Encoded encode(Item<T> item) {
    byte[] payload = codec.encode(item.envelope.data());
    RecordHeader header = new RecordHeader(key, item.topic, item.envelope.revision(),
        item.envelope.epoch(), item.schemaVersion,
        item.savedAt.isPresent() ? item.savedAt.getAsLong() : time.currentTimeMillis(),
        item.ttlMs, codec.name(), compression.name(), payload.length, Optional.of(instanceId));
    return new Encoded(RecordFormat.encode(header, payload, compression, limits), payload.length);
  }

  private CompletableFuture<WriteResult> withTimeout(CompletionStage<WriteResult> stage) {
    CompletableFuture<WriteResult> out = new CompletableFuture<>();
    var timer = scheduler.schedule(() -> out.completeExceptionally(new TimeoutException(
        "storage write of key \"" + key + "\" did not complete within " + writeTimeout)),
        writeTimeout.toNanos(), TimeUnit.NANOSECONDS);
    // A late completion after the timeout is ignored; the monotonic rule keeps it harmless.
    stage.whenComplete((r, e) -> {
      timer.cancel();
      if (e != null) {
        out.completeExceptionally(unwrap(e));
      } else {
        out.complete(r);
      }
    });
    return out;
  }

  private void finish(Item<T> item, SaveInfo info, long start, Encoded encoded,
      WriteResult result, Throwable error) {
    long durationMs = Math.max(0, TimeUnit.NANOSECONDS.toMillis(time.nanoTime() - start));
    Throwable failure = error;
    if (failure == null && result.status() == WriteStatus.REFUSED_UNSUPPORTED) {
      failure = new UnsupportedRecordException("stored record of key \"" + key
          + "\" has a format this version cannot read; it was not overwritten");
    }
    if (failure != null) {
      Throwable f = failure;
      synchronized (lock) {
        counters.saveErrorCount++;
        if (item.origin != null && queued == null && pending == null) {
          unsaved = item;
        }
      }
      emit(l -> l.onSaveError(info, f));
      raise(PersistenceOperation.SAVE, f, item.envelope.revision(),
          item.envelope.epoch().orElse(null), null);
      item.done.completeExceptionally(f);
    } else {
      boolean stored = result.status() == WriteStatus.WRITTEN
          || result.status() == WriteStatus.REPLACED_CORRUPT;
      synchronized (lock) {
        if (stored) {
          counters.saveCount++;
          counters.bytesWritten += encoded.record().length;
          counters.payloadBytesWritten += encoded.payloadBytes();
          counters.lastSaveAt = OptionalLong.of(time.currentTimeMillis());
          counters.lastSaveDurationMs = OptionalLong.of(durationMs);
          if (writtenRevision == null || !writtenEpoch.equals(item.envelope.epoch())
              || writtenRevision.compareTo(item.envelope.revision()) < 0) {
            writtenRevision = item.envelope.revision();
            writtenEpoch = item.envelope.epoch();
          }
        } else {
          counters.saveSkippedCount++;
        }
      }
      WriteStatus status = result.status();
      long bytes = encoded.record().length;
      emit(l -> l.onSaveComplete(info, status, durationMs, bytes));
      if (stored) {
        afterStored(item);
      }
      item.done.complete(null);
    }
    synchronized (lock) {
      inFlight = null;
    }
    drain();
  }

  /** Hook for broadcasting a stored snapshot to peers; only PROVIDER and OFFER saves qualify. */
  private void afterStored(Item<T> item) {
    if (item.origin == ApplyOrigin.PROVIDER || item.origin == ApplyOrigin.OFFER) {
      broadcaster.accept(item.envelope, item.topic);
    }
  }

  private volatile java.util.function.BiConsumer<SnapshotEnvelope<T>, String> broadcaster =
      (env, topic) -> { };

  /** Installs the peer broadcaster; called once by cross-process sync at construction. */
  void setBroadcaster(java.util.function.BiConsumer<SnapshotEnvelope<T>, String> b) {
    this.broadcaster = b;
  }

  // ------------------------------------------------------------------------------- flush/close

  @Override
  public CompletableFuture<Void> flush() {
    synchronized (lock) {
      if (closed) {
        return CompletableFuture.completedFuture(null);
      }
    }
    return flushInternal();
  }

  private CompletableFuture<Void> flushInternal() {
    throttler.flush();
    Item<T> target;
    synchronized (lock) {
      if (pending != null) {
        // The throttler was disposed or is firing elsewhere; move the snapshot ourselves.
        if (queued != null) {
          counters.throttledCount++;
        }
        queued = pending;
        pending = null;
      }
      if (queued == null && unsaved != null) {
        queued = unsaved;
        unsaved = null;
        queued = new Item<>(queued.envelope, queued.topic, queued.origin, queued.schemaVersion,
            queued.savedAt, queued.ttlMs);
      }
      target = queued != null ? queued : resave != null ? resave : inFlight;
    }
    if (target == null) {
      return CompletableFuture.completedFuture(null);
    }
    drain();
    return target.done.copy();
  }

  private CompletableFuture<Void> whenIdle() {
    synchronized (lock) {
      if (inFlight == null && queued == null && resave == null) {
        return CompletableFuture.completedFuture(null);
      }
      CompletableFuture<Void> f = new CompletableFuture<>();
      idleWaiters.add(f);
      return f;
    }
  }

  @Override
  public CompletableFuture<Void> closeAsync(CloseMode mode) {
    java.util.Objects.requireNonNull(mode, "mode");
    CompletableFuture<Void> first;
    synchronized (lock) {
      if (closeFuture != null) {
        return closeFuture.copy();
      }
      closed = true;
      closeFuture = new CompletableFuture<>();
      if (mode == CloseMode.DISCARD) {
        pending = null;
        queued = null;
        resave = null;
        unsaved = null;
      }
    }
    if (mode == CloseMode.FLUSH) {
      first = flushInternal().handle((v, e) -> null);
    } else {
      first = CompletableFuture.completedFuture(null);
    }
    CompletableFuture<Void> result = closeFuture;
    first.thenCompose(v -> whenIdle()).whenComplete((v, e) -> {
      throttler.dispose();
      closeHooks.forEach(Runnable::run);
      lane.submit(listeners::clear);
      if (ownsStorage) {
        storage.close();
      }
      result.complete(null);
    });
    return result.copy();
  }

  private final List<Runnable> closeHooks = new CopyOnWriteArrayList<>();

  /** Registers work to run when the applier closes (closing the peer channel). */
  void onClose(Runnable hook) {
    closeHooks.add(hook);
  }

  @Override
  public void close() {
    try {
      closeAsync(CloseMode.FLUSH).get(closeTimeout.toNanos(), TimeUnit.NANOSECONDS);
    } catch (TimeoutException e) {
      logger.warn("persistence applier close timed out", Map.of("key", key,
          "closeTimeoutMs", closeTimeout.toMillis()));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (ExecutionException e) {
      logger.error("persistence applier close failed", Map.of("key", key,
          "error", String.valueOf(e.getCause())));
    }
  }

  // ------------------------------------------------------------------------------- clear

  @Override
  public CompletableFuture<Void> clear() {
    synchronized (lock) {
      checkOpen();
      pending = null;
      queued = null;
      resave = null;
      unsaved = null;
    }
    return whenIdle().thenCompose(v -> storage.delete(key)).handle((existed, error) -> {
      if (error != null) {
        Throwable e = unwrap(error);
        raise(PersistenceOperation.CLEAR, e, null, null, null);
        throw new CompletionException(e);
      }
      emit(l -> l.onCleared(ClearOrigin.LOCAL));
      clearHook.run();
      return null;
    });
  }

  /** Discards every unsaved snapshot and deletes the record because a peer cleared it. */
  void clearFromPeer() {
    synchronized (lock) {
      if (closed) {
        return;
      }
      pending = null;
      queued = null;
      resave = null;
      unsaved = null;
    }
    whenIdle().thenCompose(v -> storage.delete(key)).whenComplete((existed, error) -> {
      if (error != null) {
        raise(PersistenceOperation.CLEAR, unwrap(error), null, null, null);
      } else {
        emit(l -> l.onCleared(ClearOrigin.REMOTE));
      }
    });
  }

  private volatile Runnable clearHook = () -> { };

  void setClearHook(Runnable hook) {
    this.clearHook = hook;
  }

  // ------------------------------------------------------------------------------- load

  @Override
  public void attach(RevisionSyncHandle<T> h) {
    java.util.Objects.requireNonNull(h, "handle");
    synchronized (lock) {
      checkOpen();
      if (handle != null) {
        throw new IllegalStateException("persistence applier for key \"" + key
            + "\" is already attached");
      }
      handle = h;
    }
    attachHooks.forEach(Runnable::run);
  }

  private final List<Runnable> attachHooks = new CopyOnWriteArrayList<>();

  /** Registers work to run after {@code attach} (posting {@code request-sync}). */
  void onAttach(Runnable hook) {
    attachHooks.add(hook);
  }

  RevisionSyncHandle<T> handle() {
    synchronized (lock) {
      return handle;
    }
  }

  /** Returns the last applied snapshot (any origin), or null before the first apply. */
  Latest<T> latest() {
    return latestKnown;
  }

  boolean isClosed() {
    synchronized (lock) {
      return closed;
    }
  }

  @Override
  public CompletableFuture<LoadResult<T>> loadPersistedSnapshot(LoadOptions options) {
    java.util.Objects.requireNonNull(options, "options");
    synchronized (lock) {
      if (closed) {
        return CompletableFuture.failedFuture(new IllegalStateException(
            "persistence applier for key \"" + key + "\" is closed"));
      }
    }
    long start = time.nanoTime();
    return load(options).thenApply(r -> complete(r, start));
  }

  @Override
  public CompletableFuture<LoadResult<T>> hydrate() {
    RevisionSyncHandle<T> h;
    synchronized (lock) {
      checkOpen();
      h = handle;
      if (h == null) {
        throw new IllegalStateException("hydrate() requires attach(handle) first");
      }
    }
    long start = time.nanoTime();
    return load(LoadOptions.defaults()).thenCompose(r -> {
      if (r.envelope().isEmpty()) {
        return CompletableFuture.completedFuture(r);
      }
      return h.hydrate(r.envelope().get()).handle((outcome, e) ->
          e == null ? r.withApplyOutcome(outcome) : r);
    }).thenApply(r -> complete(r, start));
  }

  private LoadResult<T> complete(LoadResult<T> r, long start) {
    long durationMs = Math.max(0, TimeUnit.NANOSECONDS.toMillis(time.nanoTime() - start));
    synchronized (lock) {
      counters.loadCount++;
      switch (r.outcome()) {
        case CORRUPT, UNSUPPORTED, MIGRATION_FAILED, INVALID, ERROR -> counters.loadErrorCount++;
        case EXPIRED -> counters.expiredCount++;
        case MIGRATED -> counters.migratedCount++;
        default -> { }
      }
    }
    emit(l -> l.onLoadComplete(r, durationMs));
    return r;
  }

  private CompletableFuture<LoadResult<T>> load(LoadOptions options) {
    CompletableFuture<Optional<byte[]>> read;
    try {
      read = storage.read(key).toCompletableFuture();
    } catch (RuntimeException e) {
      read = CompletableFuture.failedFuture(e);
    }
    return read.handle((bytes, error) -> {
      if (error != null) {
        Throwable e = unwrap(error);
        raise(PersistenceOperation.LOAD, e, null, null, null);
        return failed(LoadOutcome.ERROR, null, e);
      }
      if (bytes.isEmpty()) {
        return new LoadResult<T>(LoadOutcome.NOT_FOUND, Optional.empty(), Optional.empty(),
            Optional.empty(), Optional.empty());
      }
      return process(bytes.get(), options);
    });
  }

  private LoadResult<T> process(byte[] bytes, LoadOptions options) {
    DecodedRecord record;
    try {
      record = RecordFormat.decode(bytes, key, limits);
    } catch (CorruptRecordException e) {
      raise(PersistenceOperation.LOAD, e, null, null, null);
      if (quarantineCorrupt) {
        storage.quarantine(key, bytes);
      }
      return failed(LoadOutcome.CORRUPT, null, e);
    } catch (UnsupportedRecordException e) {
      raise(PersistenceOperation.LOAD, e, null, null, null);
      return failed(LoadOutcome.UNSUPPORTED, null, e);
    }
    RecordHeader h = record.header();
    if (!options.ignoreTtl()) {
      OptionalLong ttl = effectiveTtl(h.ttlMs(), ttlMs);
      if (ttl.isPresent()) {
        long age = Math.max(0, time.currentTimeMillis() - h.savedAt());
        if (age > ttl.getAsLong()) {
          emit(l -> l.onExpired(h, age, ttl.getAsLong()));
          return new LoadResult<>(LoadOutcome.EXPIRED, Optional.empty(), Optional.of(h),
              Optional.empty(), Optional.empty());
        }
      }
    }
    int s = h.schemaVersion();
    T data;
    boolean migrated = false;
    if (s > schemaVersion) {
      FutureSchemaVersionException e = new FutureSchemaVersionException("stored record of key \""
          + key + "\" has schema version " + s + ", newer than the current version "
          + schemaVersion);
      raise(PersistenceOperation.MIGRATE, e, h.revision(), h.epoch().orElse(null), h);
      return failed(LoadOutcome.MIGRATION_FAILED, h, e);
    }
    try {
      if (s < schemaVersion) {
        JsonNode tree = codec.toTree(record.payload());
        JsonNode out;
        try {
          if (migrations == null) {
            throw new MigrationException("no migration path from version " + s
                + " (no migrations configured, current version " + schemaVersion + ")");
          }
          out = migrations.migrate(tree, s);
        } catch (MigrationException e) {
          raise(PersistenceOperation.MIGRATE, e, h.revision(), h.epoch().orElse(null), h);
          return failed(LoadOutcome.MIGRATION_FAILED, h, e);
        }
        data = codec.fromTree(out);
        migrated = true;
      } else {
        data = codec.decode(record.payload());
      }
    } catch (PayloadDecodeException e) {
      raise(PersistenceOperation.LOAD, e, h.revision(), h.epoch().orElse(null), h);
      return failed(LoadOutcome.INVALID, h, e);
    }
    ValidationException invalid = validate(data);
    if (invalid != null) {
      raise(PersistenceOperation.LOAD, invalid, h.revision(), h.epoch().orElse(null), h);
      return failed(LoadOutcome.INVALID, h, invalid);
    }
    SnapshotEnvelope<T> envelope = h.epoch().isPresent()
        ? SnapshotEnvelope.of(h.revision(), data, h.epoch().get())
        : SnapshotEnvelope.of(h.revision(), data);
    if (migrated) {
      emit(l -> l.onMigrated(s, schemaVersion, h));
      synchronized (lock) {
        if (!closed) {
          resave = new Item<>(envelope, h.topic(), null, schemaVersion,
              OptionalLong.of(h.savedAt()), h.ttlMs());
        }
      }
      drain();
      return new LoadResult<>(LoadOutcome.MIGRATED, Optional.of(envelope), Optional.of(h),
          Optional.empty(), Optional.empty());
    }
    return new LoadResult<>(LoadOutcome.FOUND, Optional.of(envelope), Optional.of(h),
        Optional.empty(), Optional.empty());
  }

  ValidationException validate(T data) {
    if (validator == null) {
      return null;
    }
    try {
      return validator.test(data) ? null
          : new ValidationException("validator rejected the data of key \"" + key + "\"");
    } catch (RuntimeException e) {
      return new ValidationException("validator threw for key \"" + key + "\": " + e, e);
    }
  }

  private static OptionalLong effectiveTtl(OptionalLong stored, OptionalLong configured) {
    if (stored.isPresent() && configured.isPresent()) {
      return OptionalLong.of(Math.min(stored.getAsLong(), configured.getAsLong()));
    }
    return stored.isPresent() ? stored : configured;
  }

  private LoadResult<T> failed(LoadOutcome outcome, RecordHeader h, Throwable e) {
    return new LoadResult<>(outcome, Optional.empty(), Optional.ofNullable(h), Optional.of(e),
        Optional.empty());
  }

  // ------------------------------------------------------------------------------- state

  @Override
  public boolean hasPendingSave() {
    synchronized (lock) {
      return pending != null || queued != null || resave != null;
    }
  }

  @Override
  public boolean isSaving() {
    synchronized (lock) {
      return inFlight != null;
    }
  }

  @Override
  public PersistenceStats stats() {
    synchronized (lock) {
      Counters c = counters;
      return new PersistenceStats(c.saveCount, c.saveSkippedCount, c.saveErrorCount,
          c.throttledCount, c.bytesWritten, c.payloadBytesWritten, c.lastSaveAt,
          c.lastSaveDurationMs, c.loadCount, c.loadErrorCount, c.expiredCount, c.migratedCount,
          c.broadcastsSent, c.messagesReceived, c.messagesRejected, c.peerApplied,
          pending != null || queued != null || resave != null, inFlight != null);
    }
  }

  /** Updates peer counters under the applier's lock. */
  void countPeer(int sent, int received, int rejected, int applied) {
    synchronized (lock) {
      counters.broadcastsSent += sent;
      counters.messagesReceived += received;
      counters.messagesRejected += rejected;
      counters.peerApplied += applied;
    }
  }

  @Override
  public Subscription addListener(PersistenceListener<T> listener) {
    java.util.Objects.requireNonNull(listener, "listener");
    Registration<T> r = new Registration<>(listener);
    listeners.add(r);
    return () -> listeners.remove(r);
  }

  // ------------------------------------------------------------------------------- events

  void emit(Consumer<PersistenceListener<T>> event) {
    lane.submit(() -> {
      for (Registration<T> r : listeners) {
        try {
          event.accept(r.listener);
        } catch (RuntimeException e) {
          logger.warn("persistence listener threw", Map.of("key", key, "error", e.toString()));
        }
      }
    });
  }

  void raise(PersistenceOperation op, Throwable error, Revision revision, Epoch epoch,
      RecordHeader header) {
    Map<String, Object> fields = new java.util.LinkedHashMap<>();
    fields.put("key", key);
    fields.put("operation", op.name());
    fields.put("error", String.valueOf(error));
    if (revision != null) {
      fields.put("revision", revision.toString());
    }
    if (op == PersistenceOperation.RECEIVE) {
      logger.warn("persistence error", fields);
    } else {
      logger.error("persistence error", fields);
    }
    if (onError != null) {
      try {
        onError.accept(new PersistenceErrorContext(op, key, error, revision, epoch, header));
      } catch (RuntimeException e) {
        logger.warn("onPersistenceError callback threw", Map.of("key", key, "error",
            e.toString()));
      }
    }
  }

  private void checkOpen() {
    if (closed) {
      throw new IllegalStateException("persistence applier for key \"" + key + "\" is closed");
    }
  }

  static Throwable unwrap(Throwable t) {
    while ((t instanceof CompletionException || t instanceof ExecutionException)
        && t.getCause() != null) {
      t = t.getCause();
    }
    return t;
  }
}
