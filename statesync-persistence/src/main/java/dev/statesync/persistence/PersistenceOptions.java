package dev.statesync.persistence;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.statesync.core.SnapshotApplier;
import dev.statesync.core.StateSync;
import dev.statesync.core.TaskScheduler;
import dev.statesync.core.ThrottlingOptions;
import dev.statesync.core.TimeSource;
import dev.statesync.core.Topics;
import dev.statesync.core.logging.Logger;
import dev.statesync.core.logging.Loggers;
import dev.statesync.persistence.peer.CrossProcessOptions;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.concurrent.Executor;
import java.util.function.Consumer;
import java.util.function.Predicate;
import java.util.random.RandomGenerator;

/**
 * Validated options of a {@link PersistenceApplier}. Immutable; build with {@link #builder()}.
 *
 * @param <T> the data type
 */
public final class PersistenceOptions<T> {
  private final StorageBackend storage;
  private final String key;
  private final SnapshotApplier<T> applier;
  private final JsonCodec<T> codec;
  private final ThrottlingOptions saveThrottling;
  private final int schemaVersion;
  private final Migrations migrations;
  private final Predicate<T> validator;
  private final Compression compression;
  private final Duration ttl;
  private final boolean quarantineCorrupt;
  private final Duration writeTimeout;
  private final Duration closeTimeout;
  private final boolean ownsStorage;
  private final Consumer<PersistenceErrorContext> onPersistenceError;
  private final Logger logger;
  private final Executor executor;
  private final TimeSource timeSource;
  private final TaskScheduler scheduler;
  private final RandomGenerator random;
  private final Limits limits;
  private final CrossProcessOptions crossProcessSync;

  private PersistenceOptions(Builder<T> b, JsonCodec<T> codec, int schemaVersion) {
    this.storage = b.storage;
    this.key = b.key;
    this.applier = b.applier;
    this.codec = codec;
    this.saveThrottling = b.saveThrottling;
    this.schemaVersion = schemaVersion;
    this.migrations = b.migrations;
    this.validator = b.validator;
    this.compression = b.compression;
    this.ttl = b.ttl;
    this.quarantineCorrupt = b.quarantineCorrupt;
    this.writeTimeout = b.writeTimeout;
    this.closeTimeout = b.closeTimeout;
    this.ownsStorage = b.ownsStorage;
    this.onPersistenceError = b.onPersistenceError;
    this.logger = b.logger;
    this.executor = b.executor;
    this.timeSource = b.timeSource;
    this.scheduler = b.scheduler;
    this.random = b.random != null ? b.random : new SplittableRandom();
    this.limits = b.limits;
    this.crossProcessSync = b.crossProcessSync;
  }

  /** Returns an empty builder. */
  public static <T> Builder<T> builder() {
    return new Builder<>();
  }

  /** The storage backend. */
  public StorageBackend storage() {
    return storage;
  }

  /** The storage key. */
  public String key() {
    return key;
  }

  /** The inner (application) applier. */
  public SnapshotApplier<T> applier() {
    return applier;
  }

  /** The data codec. */
  public JsonCodec<T> codec() {
    return codec;
  }

  /** Save throttling; default {@link ThrottlingOptions#none()}. */
  public ThrottlingOptions saveThrottling() {
    return saveThrottling;
  }

  /** The current data schema version. */
  public int schemaVersion() {
    return schemaVersion;
  }

  /** The migrations, if any. */
  public Optional<Migrations> migrations() {
    return Optional.ofNullable(migrations);
  }

  /** The validator, if any. */
  public Optional<Predicate<T>> validator() {
    return Optional.ofNullable(validator);
  }

  /** The compression written; default {@link Compression#NONE}. */
  public Compression compression() {
    return compression;
  }

  /** The record lifetime, if any. */
  public Optional<Duration> ttl() {
    return Optional.ofNullable(ttl);
  }

  /** Whether corrupt records are quarantined on load; default true. */
  public boolean quarantineCorrupt() {
    return quarantineCorrupt;
  }

  /** How long one storage write may take; default 30 s. */
  public Duration writeTimeout() {
    return writeTimeout;
  }

  /** How long {@code close()} waits; default 10 s. */
  public Duration closeTimeout() {
    return closeTimeout;
  }

  /** Whether {@code close()} also closes the storage; default false. */
  public boolean ownsStorage() {
    return ownsStorage;
  }

  /** The error callback, if any. */
  public Optional<Consumer<PersistenceErrorContext>> onPersistenceError() {
    return Optional.ofNullable(onPersistenceError);
  }

  /** The logger; default {@link Loggers#noopLogger()}. */
  public Logger logger() {
    return logger;
  }

  /** The executor for encoding and decoding; default the shared blocking executor. */
  public Executor executor() {
    return executor;
  }

  /** The clock. */
  public TimeSource timeSource() {
    return timeSource;
  }

  /** The scheduler for throttling and timeouts. */
  public TaskScheduler scheduler() {
    return scheduler;
  }

  /** The random source (answer jitter). */
  public RandomGenerator random() {
    return random;
  }

  /** The record size limits; default {@link Limits#defaults()}. */
  public Limits limits() {
    return limits;
  }

  /** Cross-process sync; empty (the default) when disabled. */
  public Optional<CrossProcessOptions> crossProcessSync() {
    return Optional.ofNullable(crossProcessSync);
  }

  /**
   * Builds {@link PersistenceOptions}. Not thread-safe. Setters throw
   * {@link NullPointerException} naming a null argument.
   *
   * @param <T> the data type
   */
  public static final class Builder<T> {
    private StorageBackend storage;
    private String key;
    private SnapshotApplier<T> applier;
    private JsonCodec<T> codec;
    private Class<T> dataClass;
    private TypeReference<T> dataTypeRef;
    private ObjectMapper objectMapper;
    private ThrottlingOptions saveThrottling = ThrottlingOptions.none();
    private int schemaVersion = -1;
    private Migrations migrations;
    private Predicate<T> validator;
    private Compression compression = Compression.NONE;
    private Duration ttl;
    private boolean quarantineCorrupt = true;
    private Duration writeTimeout = Duration.ofSeconds(30);
    private Duration closeTimeout = Duration.ofSeconds(10);
    private boolean ownsStorage;
    private Consumer<PersistenceErrorContext> onPersistenceError;
    private Logger logger = Loggers.noopLogger();
    private Executor executor = StateSync.defaultBlockingExecutor();
    private TimeSource timeSource = TimeSource.system();
    private TaskScheduler scheduler = TaskScheduler.shared();
    private RandomGenerator random;
    private Limits limits = Limits.defaults();
    private CrossProcessOptions crossProcessSync;

    private Builder() {}

    /** The storage backend; required. */
    public Builder<T> storage(StorageBackend storage) {
      this.storage = Objects.requireNonNull(storage, "storage");
      return this;
    }

    /** The storage key (topic rules); required. */
    public Builder<T> key(String key) {
      this.key = Objects.requireNonNull(key, "key");
      return this;
    }

    /** The inner applier; required. */
    public Builder<T> applier(SnapshotApplier<T> applier) {
      this.applier = Objects.requireNonNull(applier, "applier");
      return this;
    }

    /** The data codec; required unless {@link #dataType} is set. */
    public Builder<T> codec(JsonCodec<T> codec) {
      this.codec = Objects.requireNonNull(codec, "codec");
      return this;
    }

    /** Shorthand for a {@link JsonCodec} of {@code type}. */
    public Builder<T> dataType(Class<T> type) {
      this.dataClass = Objects.requireNonNull(type, "dataType");
      this.dataTypeRef = null;
      return this;
    }

    /** Shorthand for a {@link JsonCodec} of {@code type}. */
    public Builder<T> dataType(TypeReference<T> type) {
      this.dataTypeRef = Objects.requireNonNull(type, "dataType");
      this.dataClass = null;
      return this;
    }

    /** The mapper for {@link #dataType}; copied, never mutated. */
    public Builder<T> objectMapper(ObjectMapper mapper) {
      this.objectMapper = Objects.requireNonNull(mapper, "objectMapper");
      return this;
    }

    /** Save throttling with the core throttling semantics; default none. */
    public Builder<T> saveThrottling(ThrottlingOptions throttling) {
      this.saveThrottling = Objects.requireNonNull(throttling, "saveThrottling");
      return this;
    }

    /** The current schema version, >= 1; default 1, or the migrations' current version. */
    public Builder<T> schemaVersion(int version) {
      this.schemaVersion = version;
      return this;
    }

    /** Migrations of older stored data. */
    public Builder<T> migrations(Migrations migrations) {
      this.migrations = Objects.requireNonNull(migrations, "migrations");
      return this;
    }

    /** A validator run on every loaded and received value, current version included. */
    public Builder<T> validator(Predicate<T> validator) {
      this.validator = Objects.requireNonNull(validator, "validator");
      return this;
    }

    /** The compression written; default NONE. Reading always follows the record's header. */
    public Builder<T> compression(Compression compression) {
      this.compression = Objects.requireNonNull(compression, "compression");
      return this;
    }

    /** The record lifetime, > 0; stored in the header and applied on load. */
    public Builder<T> ttl(Duration ttl) {
      this.ttl = Objects.requireNonNull(ttl, "ttl");
      return this;
    }

    /** Whether corrupt records are quarantined on load; default true. */
    public Builder<T> quarantineCorrupt(boolean quarantine) {
      this.quarantineCorrupt = quarantine;
      return this;
    }

    /** How long one storage write may take, > 0; default 30 s. */
    public Builder<T> writeTimeout(Duration timeout) {
      this.writeTimeout = Objects.requireNonNull(timeout, "writeTimeout");
      return this;
    }

    /** How long {@code close()} waits, > 0; default 10 s. */
    public Builder<T> closeTimeout(Duration timeout) {
      this.closeTimeout = Objects.requireNonNull(timeout, "closeTimeout");
      return this;
    }

    /** Whether {@code close()} also closes the storage; default false. */
    public Builder<T> ownsStorage(boolean owns) {
      this.ownsStorage = owns;
      return this;
    }

    /** Receives every persistence error once. */
    public Builder<T> onPersistenceError(Consumer<PersistenceErrorContext> callback) {
      this.onPersistenceError = Objects.requireNonNull(callback, "onPersistenceError");
      return this;
    }

    /** The logger; default noop. */
    public Builder<T> logger(Logger logger) {
      this.logger = Objects.requireNonNull(logger, "logger");
      return this;
    }

    /** The executor for encoding and decoding; default the shared blocking executor. */
    public Builder<T> executor(Executor executor) {
      this.executor = Objects.requireNonNull(executor, "executor");
      return this;
    }

    /** The clock; default the system clock. */
    public Builder<T> timeSource(TimeSource timeSource) {
      this.timeSource = Objects.requireNonNull(timeSource, "timeSource");
      return this;
    }

    /** The scheduler; default the shared scheduler. */
    public Builder<T> scheduler(TaskScheduler scheduler) {
      this.scheduler = Objects.requireNonNull(scheduler, "scheduler");
      return this;
    }

    /** The random source; default a new {@link SplittableRandom}. */
    public Builder<T> random(RandomGenerator random) {
      this.random = Objects.requireNonNull(random, "random");
      return this;
    }

    /** Record size limits; default {@link Limits#defaults()}. */
    public Builder<T> limits(Limits limits) {
      this.limits = Objects.requireNonNull(limits, "limits");
      return this;
    }

    /**
     * Enables cross-process sync: saves are broadcast to, and received from, the other appliers
     * of the same key on a host broadcast channel. The channel is opened when the applier is
     * created and closed by its {@code close()}.
     *
     * @throws NullPointerException if {@code options} is null
     */
    public Builder<T> crossProcessSync(CrossProcessOptions options) {
      this.crossProcessSync = Objects.requireNonNull(options, "crossProcessSync");
      return this;
    }

    /**
     * Enables cross-process sync on {@code channelName}, as
     * {@code crossProcessSync(CrossProcessOptions.of(channelName, receiveUpdates,
     * broadcastSaves))}.
     */
    public Builder<T> crossProcessSync(String channelName, boolean receiveUpdates,
        boolean broadcastSaves) {
      return crossProcessSync(CrossProcessOptions.of(channelName, receiveUpdates, broadcastSaves));
    }

    /**
     * Validates and returns the options.
     *
     * @throws NullPointerException naming a missing required option
     * @throws IllegalArgumentException naming an invalid option and its allowed range
     */
    public PersistenceOptions<T> build() {
      Objects.requireNonNull(storage, "storage");
      Objects.requireNonNull(key, "key");
      Objects.requireNonNull(applier, "applier");
      if (!Topics.isValid(key)) {
        try {
          Topics.validate(key);
        } catch (IllegalArgumentException e) {
          throw new IllegalArgumentException("key: " + e.getMessage(), e);
        }
      }
      JsonCodec<T> c = codec;
      if (c == null) {
        ObjectMapper m = objectMapper != null ? objectMapper : new ObjectMapper();
        if (dataClass != null) {
          c = JsonCodec.of(dataClass, m);
        } else if (dataTypeRef != null) {
          c = JsonCodec.of(dataTypeRef, m);
        } else {
          throw new NullPointerException("codec (or dataType)");
        }
      }
      int version = schemaVersion;
      if (migrations != null) {
        if (version != -1 && version != migrations.currentVersion()) {
          throw new IllegalArgumentException("schemaVersion " + version
              + " conflicts with the migrations' current version "
              + migrations.currentVersion());
        }
        version = migrations.currentVersion();
      } else if (version == -1) {
        version = 1;
      }
      if (version < 1) {
        throw new IllegalArgumentException("schemaVersion must be >= 1, was " + version);
      }
      positive("ttl", ttl);
      positive("writeTimeout", writeTimeout);
      positive("closeTimeout", closeTimeout);
      return new PersistenceOptions<>(this, c, version);
    }

    private static void positive(String name, Duration d) {
      if (d != null && (d.isZero() || d.isNegative())) {
        throw new IllegalArgumentException(name + " must be > 0, was " + d);
      }
    }
  }
}
