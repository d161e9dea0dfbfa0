package dev.statesync.postgres;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JavaType;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.statesync.core.Epoch;
import dev.statesync.core.InvalidationEvent;
import dev.statesync.core.Revision;
import dev.statesync.core.SnapshotEnvelope;
import dev.statesync.core.StateSync;
import dev.statesync.core.StateSyncException;
import dev.statesync.core.Topics;
import dev.statesync.core.json.ProtocolCodec;
import dev.statesync.postgres.internal.ConnectionSource;
import dev.statesync.postgres.internal.SqlNames;
import dev.statesync.postgres.internal.StateTable;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.sql.Types;
import java.time.Clock;
import java.util.Objects;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.UnaryOperator;
import javax.sql.DataSource;

/**
 * The state of topics in a PostgreSQL table, one row per topic, with compare-and-set writes that
 * raise the revision by one and send a {@code NOTIFY} hint in the same transaction.
 *
 * <p>Because PostgreSQL delivers notifications only at commit and in commit order, a listener
 * never sees a hint for a write that did not commit, and a hint always names a revision that a
 * read can already see. The hint is the statesync invalidation wire shape
 * {@code {"topic":…,"revision":"…","sourceId":…,"epoch":…}}, small enough (under 2,000 bytes)
 * to stay far below PostgreSQL's 8,000-byte payload limit.
 *
 * <p>Revisions are stored as {@code bigint}: this backend's revisions stop at 2^63 − 1, and a
 * write beyond it fails with {@link StateSyncException}. The epoch of a topic is
 * {@code <system identifier>.<timeline>.<table oid>.<row epoch>}, so a restore into another
 * cluster, a point-in-time recovery, a re-created table or a re-created row each start a new
 * epoch that clients follow even when the revision went backwards.
 *
 * <p>Thread-safe; every method blocks on JDBC and must not run on a thread that must not block.
 * Built with a DataSource, the store borrows a connection per call and holds none between calls.
 * Built with a JDBC URL, it keeps up to four idle connections for reuse (validated before reuse
 * after half a second idle); they close when the JVM exits, so a long-lived application should
 * build one store per database, not one per request. Database
 * failures surface as {@link StateSyncException} with the {@link SQLException} as cause.
 */
public final class PostgresStateStore {
  /** The default table name. */
  public static final String DEFAULT_TABLE = StateTable.DEFAULT_NAME;
  /** The default notification channel. */
  public static final String DEFAULT_CHANNEL = "statesync";
  /** The greatest length of a source id, in UTF-16 units; it keeps the hint payload small. */
  public static final int MAX_SOURCE_ID_LENGTH = 256;

  private static final String DUPLICATE_OBJECT = "42P07";
  private static final String UNIQUE_VIOLATION = "23505";
  private static final String NUMERIC_OUT_OF_RANGE = "22003";

  private final ConnectionSource connections;
  private final String tableName;
  private final String channel;
  private final ObjectMapper mapper;
  private final ProtocolCodec codec;
  private final Clock clock;
  private final String sourceId;
  private final boolean createSchema;
  private final int maxUpdateAttempts;
  private final StateTable sql;
  private volatile boolean schemaReady;

  private PostgresStateStore(Builder b) {
    this.connections = b.connections;
    this.tableName = b.tableName;
    this.channel = b.channel;
    this.mapper = b.mapper;
    this.codec = ProtocolCodec.create(b.mapper);
    this.clock = b.clock;
    this.sourceId = b.sourceId;
    this.createSchema = b.createSchema;
    this.maxUpdateAttempts = b.maxUpdateAttempts;
    this.sql = new StateTable(b.tableName);
  }

  /** Returns a builder; a connection source (a DataSource or a JDBC URL) is required. */
  public static Builder builder() {
    return new Builder();
  }

  /** Returns the (validated) table name. */
  public String tableName() {
    return tableName;
  }

  /** Returns the channel the store notifies on; listeners must {@code LISTEN} on the same one. */
  public String channel() {
    return channel;
  }

  /** Returns the source id the store writes when none is given. */
  public String sourceId() {
    return sourceId;
  }

  /**
   * Creates the table if it does not exist (the statement of the shipped {@code schema.sql}).
   * Idempotent and safe to run from many processes at once.
   *
   * @throws StateSyncException if the database refuses
   */
  public void createSchema() {
    try (Connection c = connections.open(); PreparedStatement ps = c.prepareStatement(sql.createSql)) {
      ps.execute();
      if (!c.getAutoCommit()) {
        c.commit();
      }
    } catch (SQLException e) {
      // Two sessions creating the table at once can collide on the catalog; the table exists.
      if (!DUPLICATE_OBJECT.equals(e.getSQLState()) && !UNIQUE_VIOLATION.equals(e.getSQLState())) {
        throw failure("create the table", e);
      }
    }
    schemaReady = true;
  }

  /**
   * Reads a topic.
   *
   * @return the topic's snapshot, or empty if it has no row
   * @throws IllegalArgumentException if {@code topic} is not a valid topic
   * @throws StateSyncException if the database fails or the data does not decode as {@code type}
   */
  public <T> Optional<SnapshotEnvelope<T>> read(String topic, Class<T> type) {
    Objects.requireNonNull(type, "type");
    return read(topic, mapper.constructType(type));
  }

  /** As {@link #read(String, Class)}, for a generic data type. */
  public <T> Optional<SnapshotEnvelope<T>> read(String topic, TypeReference<T> type) {
    Objects.requireNonNull(type, "type");
    return read(topic, mapper.constructType(type));
  }

  /**
   * Writes {@code data} as the topic's state if its revision is still {@code expected}
   * ({@link Revision#ZERO} for a topic without a row), raising the revision by one and notifying
   * in the same transaction. The source id is the store's.
   *
   * @return the written snapshot (new revision, {@code data}, epoch), ready for
   *     {@code handle.offer(...)}
   * @throws RevisionConflictException if the revision was not {@code expected}; nothing written
   * @throws IllegalArgumentException if {@code topic} is not a valid topic
   * @throws StateSyncException if the database fails, {@code data} does not serialize, or the
   *     revision would pass 2^63 − 1
   */
  public <T> SnapshotEnvelope<T> compareAndSet(String topic, Revision expected, T data) {
    return compareAndSet(topic, expected, data, sourceId);
  }

  /**
   * As {@link #compareAndSet(String, Revision, Object)}, recording {@code sourceId} (null for
   * none; at most {@value #MAX_SOURCE_ID_LENGTH} characters) as the writer.
   */
  public <T> SnapshotEnvelope<T> compareAndSet(
      String topic, Revision expected, T data, String sourceId) {
    Topics.validate(topic);
    Objects.requireNonNull(expected, "expected");
    if (sourceId != null && sourceId.length() > MAX_SOURCE_ID_LENGTH) {
      throw new IllegalArgumentException("sourceId must be at most " + MAX_SOURCE_ID_LENGTH
          + " characters, was " + sourceId.length());
    }
    String json = serialize(topic, data);
    ensureSchema();
    try (Connection c = connections.open()) {
      boolean autoCommit = c.getAutoCommit();
      c.setAutoCommit(false);
      try {
        SnapshotEnvelope<T> written = write(c, topic, expected, json, data, sourceId);
        c.commit();
        return written;
      } catch (SQLException | RuntimeException e) {
        c.rollback();
        throw e;
      } finally {
        c.setAutoCommit(autoCommit);
      }
    } catch (SQLException e) {
      if (NUMERIC_OUT_OF_RANGE.equals(e.getSQLState())) {
        throw new StateSyncException("topic \"" + topic + "\" reached the greatest revision of "
            + "the PostgreSQL backend (2^63 - 1); nothing was written", e);
      }
      throw failure("write topic \"" + topic + "\"", e);
    }
  }

  /**
   * Reads the topic, applies {@code fn} to its data (null if it has no row) and writes the result
   * with {@link #compareAndSet}, retrying with a fresh read when another writer won, up to the
   * builder's {@code maxUpdateAttempts}. {@code fn} may run several times; it must be free of
   * side effects and fast.
   *
   * @return the written snapshot
   * @throws RevisionConflictException the last conflict, if every attempt lost
   * @throws StateSyncException as for {@link #compareAndSet}, or if {@code fn} throws one
   */
  public <T> SnapshotEnvelope<T> update(String topic, Class<T> type, UnaryOperator<T> fn) {
    Objects.requireNonNull(type, "type");
    return update(topic, mapper.constructType(type), fn);
  }

  /** As {@link #update(String, Class, UnaryOperator)}, for a generic data type. */
  public <T> SnapshotEnvelope<T> update(String topic, TypeReference<T> type, UnaryOperator<T> fn) {
    Objects.requireNonNull(type, "type");
    return update(topic, mapper.constructType(type), fn);
  }

  private <T> SnapshotEnvelope<T> update(String topic, JavaType type, UnaryOperator<T> fn) {
    Objects.requireNonNull(fn, "fn");
    RevisionConflictException last = null;
    for (int attempt = 1; attempt <= maxUpdateAttempts; attempt++) {
      Optional<SnapshotEnvelope<T>> current = read(topic, type);
      Revision expected = current.map(SnapshotEnvelope::revision).orElse(Revision.ZERO);
      T next = fn.apply(current.map(SnapshotEnvelope::data).orElse(null));
      try {
        return compareAndSet(topic, expected, next, sourceId);
      } catch (RevisionConflictException e) {
        last = e;
        // Writers that collided would collide again in lockstep; a jittered pause spreads them.
        long maxMicros = Math.min(20_000L, 500L * attempt);
        LockSupport.parkNanos(TimeUnit.MICROSECONDS.toNanos(
            ThreadLocalRandom.current().nextLong(maxMicros + 1)));
      }
    }
    throw last;
  }

  private <T> Optional<SnapshotEnvelope<T>> read(String topic, JavaType type) {
    Topics.validate(topic);
    ensureSchema();
    String json;
    Revision revision;
    Epoch epoch;
    try (Connection c = connections.open(); PreparedStatement ps = c.prepareStatement(sql.selectSql)) {
      ps.setString(1, topic);
      try (ResultSet rs = ps.executeQuery()) {
        if (!rs.next()) {
          return Optional.empty();
        }
        revision = Revision.of(rs.getLong("revision"));
        json = rs.getString("data");
        epoch = epochOf(rs);
      }
    } catch (SQLException e) {
      throw failure("read topic \"" + topic + "\"", e);
    }
    T data;
    try {
      data = json == null ? null : mapper.readValue(json, type);
    } catch (JsonProcessingException e) {
      throw new StateSyncException("topic \"" + topic + "\" at revision " + revision
          + " does not decode as " + type + ": " + e.getOriginalMessage(), e);
    }
    return Optional.of(SnapshotEnvelope.of(revision, data, epoch));
  }

  private <T> SnapshotEnvelope<T> write(
      Connection c, String topic, Revision expected, String json, T data, String source)
      throws SQLException {
    Timestamp now = new Timestamp(clock.millis());
    boolean insert = expected.equals(Revision.ZERO);
    if (!insert && expected.unsignedBits() < 0) {
      throw new RevisionConflictException(topic, expected, currentRevision(c, topic));
    }
    try (PreparedStatement ps = c.prepareStatement(insert ? sql.insertSql : sql.updateSql)) {
      if (insert) {
        ps.setString(1, topic);
        setJson(ps, 2, json);
        ps.setString(3, source);
        ps.setTimestamp(4, now);
      } else {
        setJson(ps, 1, json);
        ps.setString(2, source);
        ps.setTimestamp(3, now);
        ps.setString(4, topic);
        ps.setLong(5, expected.unsignedBits());
      }
      try (ResultSet rs = ps.executeQuery()) {
        if (!rs.next()) {
          throw new RevisionConflictException(topic, expected, currentRevision(c, topic));
        }
        Revision revision = Revision.of(rs.getLong("revision"));
        Epoch epoch = epochOf(rs);
        notify(c, InvalidationEvent.of(topic, revision).withSourceId(source).withEpoch(epoch));
        return SnapshotEnvelope.of(revision, data, epoch);
      }
    }
  }

  private void notify(Connection c, InvalidationEvent event) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement("SELECT pg_notify(?, ?)")) {
      ps.setString(1, channel);
      ps.setString(2, codec.encodeEvent(event));
      ps.execute();
    }
  }

  private Revision currentRevision(Connection c, String topic) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement(sql.selectRevisionSql)) {
      ps.setString(1, topic);
      try (ResultSet rs = ps.executeQuery()) {
        return rs.next() ? Revision.of(rs.getLong(1)) : null;
      }
    }
  }

  private static void setJson(PreparedStatement ps, int index, String json) throws SQLException {
    if (json == null) {
      ps.setNull(index, Types.VARCHAR);
    } else {
      ps.setString(index, json);
    }
  }

  private static Epoch epochOf(ResultSet rs) throws SQLException {
    return StateTable.epoch(rs.getLong("sysid"), rs.getLong("timeline"), rs.getLong("tableoid"),
        rs.getString("epoch"));
  }

  private String serialize(String topic, Object data) {
    if (data == null) {
      return null;
    }
    try {
      return mapper.writeValueAsString(data);
    } catch (JsonProcessingException e) {
      throw new StateSyncException(
          "data for topic \"" + topic + "\" does not serialize: " + e.getOriginalMessage(), e);
    }
  }

  private void ensureSchema() {
    if (createSchema && !schemaReady) {
      createSchema();
    }
  }

  private StateSyncException failure(String what, SQLException e) {
    return new StateSyncException(
        "PostgreSQL: could not " + what + " (table " + tableName + ", SQLState "
            + e.getSQLState() + "): " + e.getMessage(), e);
  }

  /**
   * Configures a {@link PostgresStateStore}. Not thread-safe; {@link #build()} validates and may
   * be called more than once.
   */
  public static final class Builder {
    private DataSource dataSource;
    private String jdbcUrl;
    private Properties properties;
    private ConnectionSource connections;
    private String tableName = DEFAULT_TABLE;
    private String channel = DEFAULT_CHANNEL;
    private ObjectMapper mapper;
    private Clock clock = Clock.systemUTC();
    private String sourceId = StateSync.processInstanceId();
    private boolean createSchema = true;
    private int maxUpdateAttempts = 16;

    private Builder() {}

    /** Borrows connections from {@code dataSource}; exclusive with {@link #jdbcUrl}. */
    public Builder dataSource(DataSource dataSource) {
      this.dataSource = dataSource;
      return this;
    }

    /** Opens connections to {@code url} with pgjdbc; exclusive with {@link #dataSource}. */
    public Builder jdbcUrl(String url) {
      this.jdbcUrl = url;
      return this;
    }

    /** Connection properties (user, password, ssl…) for {@link #jdbcUrl}; copied at build. */
    public Builder properties(Properties properties) {
      this.properties = properties;
      return this;
    }

    /** The table, {@code [schema.]name} in lower case; default {@value #DEFAULT_TABLE}. */
    public Builder tableName(String tableName) {
      this.tableName = tableName;
      return this;
    }

    /** The notification channel, a lower-case identifier; default {@value #DEFAULT_CHANNEL}. */
    public Builder channel(String channel) {
      this.channel = channel;
      return this;
    }

    /** The mapper for the data column; default a plain {@link ObjectMapper}. */
    public Builder objectMapper(ObjectMapper mapper) {
      this.mapper = mapper;
      return this;
    }

    /** The clock for {@code updated_at}; default the system UTC clock. */
    public Builder clock(Clock clock) {
      this.clock = clock;
      return this;
    }

    /** The writer id recorded and notified; default {@link StateSync#processInstanceId()}. */
    public Builder sourceId(String sourceId) {
      this.sourceId = sourceId;
      return this;
    }

    /** Whether the store creates its table on first use; default true. */
    public Builder createSchema(boolean createSchema) {
      this.createSchema = createSchema;
      return this;
    }

    /** How many times {@code update} tries before giving up, 1–1000; default 16. */
    public Builder maxUpdateAttempts(int attempts) {
      this.maxUpdateAttempts = attempts;
      return this;
    }

    /**
     * Builds the store; connects to nothing yet.
     *
     * @throws IllegalArgumentException naming the option that is missing or out of range
     */
    public PostgresStateStore build() {
      connections = jdbcUrl != null && dataSource == null
          ? ConnectionSource.pooled(jdbcUrl, properties, 4)
          : connectionSource(dataSource, jdbcUrl, properties);
      SqlNames.tableName("tableName", tableName);
      SqlNames.identifier("channel", channel);
      if (clock == null) {
        throw new IllegalArgumentException("clock must not be null");
      }
      if (sourceId != null && sourceId.length() > MAX_SOURCE_ID_LENGTH) {
        throw new IllegalArgumentException("sourceId must be at most " + MAX_SOURCE_ID_LENGTH
            + " characters, was " + sourceId.length());
      }
      if (maxUpdateAttempts < 1 || maxUpdateAttempts > 1000) {
        throw new IllegalArgumentException(
            "maxUpdateAttempts must be 1-1000, was " + maxUpdateAttempts);
      }
      ObjectMapper chosen = mapper;
      mapper = chosen == null ? new ObjectMapper() : chosen;
      try {
        return new PostgresStateStore(this);
      } finally {
        mapper = chosen;
      }
    }
  }

  static ConnectionSource connectionSource(DataSource dataSource, String url, Properties props) {
    if (dataSource != null && url != null) {
      throw new IllegalArgumentException("set either dataSource or jdbcUrl, not both");
    }
    if (dataSource != null) {
      return ConnectionSource.of(dataSource);
    }
    if (url == null) {
      throw new IllegalArgumentException("dataSource or jdbcUrl is required");
    }
    return ConnectionSource.of(url, props);
  }
}
