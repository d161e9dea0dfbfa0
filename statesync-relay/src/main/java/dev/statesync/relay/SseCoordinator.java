package dev.statesync.relay;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import dev.statesync.channel.BroadcastChannel;
import dev.statesync.channel.LeaderElection;
import dev.statesync.channel.LeaderHealthListener;
import dev.statesync.channel.MemberInfo;
import dev.statesync.channel.Message;
import dev.statesync.core.StateSyncException;
import dev.statesync.core.logging.Logger;
import dev.statesync.relay.internal.DefaultHttpClient;
import dev.statesync.relay.internal.HttpWarmUp;
import dev.statesync.relay.internal.RelayLoggers;
import dev.statesync.relay.internal.RequestHeaders;
import dev.statesync.relay.internal.SerialExecutor;
import dev.statesync.relay.internal.SseConnection;
import dev.statesync.relay.sse.SseMessage;
import java.io.IOException;
import java.net.http.HttpClient;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Optional;
import java.util.SplittableRandom;

/**
 * One upstream server-sent-events connection per host, relayed to every process (RELAY-19 to
 * RELAY-27).
 *
 * <p>{@link #connect} joins the election group and the channel group named {@code channelName}.
 * Only the elected leader holds the upstream connection (a {@link java.net.http.HttpClient} GET):
 * it opens it after gaining leadership, relays every event over the channel, and calls its own
 * {@code onEvent}; the other processes deliver the relayed events. Leadership is the host
 * channel's OS-lock election: a late joiner queues behind the lock and never steals, and when the
 * leader dies the next process leads within milliseconds and resumes the stream with {@code
 * Last-Event-ID}. Events with an explicit id that a process has already seen (the last {@code
 * dedupeWindow} ids) are dropped, so a resumed stream that replays a few events delivers each once.
 * Events without an id may be lost or duplicated across a handover.
 *
 * <p><b>Connection state.</b> Every process learns the upstream state from the leader: a joiner
 * asks for it at {@code connect()} and calls {@code onConnectionChange} with the first state it
 * learns, then on every change. A leader change, or a leader reported unresponsive by the
 * election, reads as disconnected until the leader reports an open stream.
 *
 * <p><b>Failures.</b> The leader reconnects with exponential backoff and jitter (RELAY-5). After
 * {@code maxReconnectAttempts} consecutive failures, or at once on a fatal answer (204, or a type
 * other than {@code text/event-stream}), it stops retrying and keeps leadership; every process
 * then calls {@code onError} with {@link SseReconnectExhaustedException} or {@link
 * SseFatalResponseException}. {@link #reconnect()} starts the attempts afresh.
 *
 * <p><b>Threads.</b> Thread-safe. {@code onEvent}, {@code onError} and {@code onConnectionChange}
 * run one at a time, in event order, on the {@code executor} option (by default a shared daemon
 * pool), never on a library I/O thread; an exception they throw is logged at WARN and changes
 * nothing else. No callback begins after {@link #disconnect()} has returned.
 */
public final class SseCoordinator implements AutoCloseable {
  private final Object lock = new Object();
  private Session session;

  /** Creates a disconnected coordinator. */
  public SseCoordinator() {}

  /**
   * Joins the election and channel groups and, if elected, opens the upstream connection.
   * Blocks until this JVM has joined the channel group (bounded by the channel's {@code
   * openTimeout}).
   *
   * @throws IllegalStateException if already connected
   * @throws dev.statesync.channel.ChannelException if the channel or election cannot be opened
   */
  public void connect(SseOptions options) {
    java.util.Objects.requireNonNull(options, "options");
    Session s;
    synchronized (lock) {
      if (session != null) {
        throw new IllegalStateException("already connected to " + session.options.url()
            + "; call disconnect() first");
      }
      s = new Session(options);
      session = s;
    }
    try {
      s.open();
    } catch (RuntimeException e) {
      synchronized (lock) {
        session = null;
      }
      s.close();
      throw e;
    }
  }

  /**
   * Leaves: the leader closes the upstream stream, posts that it is disconnected and hands
   * leadership over at once (a clean leave, so the next process leads within milliseconds); a
   * follower just leaves. Idempotent; no callback begins after it returns.
   */
  public void disconnect() {
    Session s;
    synchronized (lock) {
      s = session;
      session = null;
    }
    if (s != null) {
      s.close();
    }
  }

  /** Same as {@link #disconnect()}. */
  @Override
  public void close() {
    disconnect();
  }

  /** Returns whether this process holds the upstream connection's leadership now. */
  public boolean isLeader() {
    Session s = current();
    return s != null && s.election.isLeader();
  }

  /** Returns the upstream connection state as known in this process. */
  public boolean isConnected() {
    Session s = current();
    return s != null && s.connected;
  }

  /** Returns the last event id seen in this process, if any. */
  public Optional<String> lastEventId() {
    Session s = current();
    return s == null || s.lastEventId.isEmpty() ? Optional.empty() : Optional.of(s.lastEventId);
  }

  /**
   * Restarts the attempts after they were exhausted: directly in the leader, by asking the leader
   * over the channel in a follower. Does nothing while disconnected.
   */
  public void reconnect() {
    Session s = current();
    if (s != null) {
      s.reconnect();
    }
  }

  private Session current() {
    synchronized (lock) {
      return session;
    }
  }

  /** One connect() .. disconnect() period. All state changes run in {@link #serial}. */
  private static final class Session {
    private static final ObjectMapper JSON =
        new ObjectMapper().enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

    final SseOptions options;
    final Logger logger;
    final SerialExecutor serial;
    final HttpClient client;
    LeaderElection election;
    BroadcastChannel channel;

    volatile boolean closed;
    volatile boolean connected;
    volatile String lastEventId = "";
    // The fields below are touched only in the serial context.
    private long officeEpoch; // the term this process leads, 0 when it does not
    private long highestEpoch;
    private SseConnection upstream;
    private Boolean reported;
    private boolean failureReported;
    private StateSyncException gaveUpWith; // the leader's exhaustion or fatal answer, until retried
    private boolean urlWarned;
    private final LinkedHashSet<String> seenIds = new LinkedHashSet<>();

    Session(SseOptions options) {
      this.options = options;
      this.logger = options.logger() != null ? options.logger() : RelayLoggers.defaultLogger();
      this.serial = new SerialExecutor(options.executor().orElse(null), logger);
      this.client = options.httpClient().orElseGet(DefaultHttpClient::get);
    }

    void open() {
      channel = BroadcastChannel.open(options.channelName(), options.channelOptions());
      channel.subscribe(m -> serial.execute(() -> onChannel(m)));
      channel.onResync(reason -> serial.execute(this::askForState));
      election = LeaderElection.open(options.channelName(), options.electionOptions());
      election.onLeadershipChange((leader, epoch) -> {
        if (!leader) {
          serial.execute(() -> leaveOffice(epoch));
        }
      });
      election.onLeaderUnresponsive(new LeaderHealthListener() {
        @Override
        public void unresponsive(long epoch, MemberInfo leader) {
          serial.execute(() -> {
            logger.warn("SSE leader unresponsive", Map.of("epoch", epoch, "pid", leader.pid()));
            connected = false;
            report(false);
          });
        }

        @Override
        public void recovered(long epoch) {
          serial.execute(Session.this::askForState);
        }
      });
      awaitOffice();
      if (options.warmUp()) {
        HttpWarmUp.start(client, RequestHeaders.merged(options.headers(), null));
      }
      serial.execute(this::askForState);
    }

    private void awaitOffice() {
      election.awaitLeadership().whenComplete((epoch, error) -> {
        if (error == null) {
          serial.execute(() -> takeOffice(epoch));
        }
      });
    }

    void reconnect() {
      serial.execute(() -> {
        if (closed) {
          return;
        }
        if (upstream != null) {
          failureReported = false;
          gaveUpWith = null;
          upstream.reconnect();
        } else {
          post(JSON.createObjectNode().put("t", "retry"));
        }
      });
    }

    void close() {
      closed = true;
      SseConnection toClose;
      boolean wasLeader;
      synchronized (this) {
        toClose = upstream;
        wasLeader = officeEpoch != 0;
      }
      if (toClose != null) {
        toClose.close();
      }
      if (wasLeader && channel != null) {
        try {
          channel.post(JSON.writeValueAsBytes(connMessage(false, false, null, false)));
        } catch (RuntimeException | JsonProcessingException e) {
          // The next leader announces its own state; this post is a courtesy.
        }
      }
      if (election != null) {
        election.close();
      }
      if (channel != null) {
        channel.close();
      }
    }

    // --------------------------------------------------------------------------------------------
    // Leader

    private void takeOffice(long epoch) {
      if (closed || officeEpoch == epoch) {
        return;
      }
      synchronized (this) {
        officeEpoch = epoch;
      }
      highestEpoch = Math.max(highestEpoch, epoch);
      connected = false;
      failureReported = false;
      gaveUpWith = null;
      logger.debug("SSE leader took office", Map.of("epoch", epoch, "lastEventId", lastEventId));
      post(connMessage(false, false, null, false));
      report(false);
      SseConnection.Settings settings = new SseConnection.Settings(
          options.url(), client, options.headers(), options.headersSupplier().orElse(null),
          options.initialReconnectDelay(), options.maxReconnectDelay(),
          options.maxReconnectAttempts(), false, options.idleTimeout(), options.scheduler(),
          options.timeSource(), options.random().orElseGet(SplittableRandom::new), logger);
      SseConnection c = new SseConnection(settings, lastEventId, new Upstream(epoch));
      synchronized (this) {
        upstream = c;
      }
      if (closed) {
        c.close();
        return;
      }
      c.start();
    }

    private void leaveOffice(long epoch) {
      SseConnection c;
      synchronized (this) {
        if (officeEpoch == 0) {
          return;
        }
        officeEpoch = 0;
        c = upstream;
        upstream = null;
      }
      if (c != null) {
        c.close();
      }
      connected = false;
      report(false);
      if (!closed) {
        awaitOffice();
      }
    }

    /** Listener of the leader's upstream connection; hands every call to the serial context. */
    private final class Upstream implements SseConnection.Listener {
      private final long epoch;

      Upstream(long epoch) {
        this.epoch = epoch;
      }

      private boolean inOffice() {
        synchronized (Session.this) {
          return !closed && officeEpoch == epoch;
        }
      }

      @Override
      public void opened() {
        serial.execute(() -> {
          if (!inOffice()) {
            return;
          }
          connected = true;
          failureReported = false;
          post(connMessage(true, false, null, false));
          report(true);
        });
      }

      @Override
      public void message(SseMessage m) {
        Instant now = Instant.now();
        serial.execute(() -> {
          if (!inOffice()) {
            return;
          }
          lastEventId = m.lastEventId();
          if (m.hasId() && isDuplicate(m.lastEventId())) {
            return;
          }
          ObjectNode msg = JSON.createObjectNode()
              .put("t", "event").put("type", m.type()).put("data", m.data())
              .put("id", m.lastEventId()).put("hasId", m.hasId()).put("ts", now.toString())
              .put("epoch", epoch);
          post(msg);
          deliver(m.type(), m.data(), m.lastEventId(), now);
        });
      }

      @Override
      public void dropped(Throwable cause, long retryInMillis) {
        serial.execute(() -> {
          if (!inOffice()) {
            return;
          }
          logger.warn("SSE upstream failed", Map.of("url", options.url().toString(),
              "error", RelayLoggers.quote(String.valueOf(cause)), "retryInMs", retryInMillis));
          if (connected) {
            connected = false;
            post(connMessage(false, false, null, false));
            report(false);
          }
        });
      }

      @Override
      public void gaveUp(StateSyncException error) {
        serial.execute(() -> {
          if (!inOffice()) {
            return;
          }
          boolean fatal = error instanceof SseFatalResponseException;
          logger.error("SSE upstream gave up", Map.of("url", options.url().toString(),
              "error", RelayLoggers.quote(error.getMessage())));
          connected = false;
          gaveUpWith = error;
          post(connMessage(false, true, error.getMessage(), fatal));
          reportFailure(error);
        });
      }
    }

    private ObjectNode connMessage(boolean isConnected, boolean failed, String error,
        boolean fatal) {
      ObjectNode n = JSON.createObjectNode().put("t", "conn").put("connected", isConnected)
          .put("failed", failed);
      if (error != null) {
        n.put("error", error).put("fatal", fatal);
      }
      return n.put("lastEventId", lastEventId).put("url", options.url().toString())
          .put("epoch", officeEpoch);
    }

    // --------------------------------------------------------------------------------------------
    // Every process

    private void askForState() {
      if (closed || officeEpoch != 0) {
        return;
      }
      post(JSON.createObjectNode().put("t", "req"));
    }

    private void onChannel(Message message) {
      if (closed) {
        return;
      }
      JsonNode m;
      try {
        m = JSON.readTree(message.bytes());
      } catch (IOException e) {
        logger.warn("SSE coordinator: undecodable channel message",
            Map.of("error", e.toString()));
        return;
      }
      String t = m.path("t").asText();
      switch (t) {
        case "event" -> onRelayedEvent(m);
        case "conn" -> onConn(m);
        case "req" -> {
          if (officeEpoch != 0) {
            StateSyncException f = gaveUpWith;
            post(f == null
                ? connMessage(connected, false, null, false)
                : connMessage(false, true, f.getMessage(), f instanceof SseFatalResponseException));
          }
        }
        case "retry" -> {
          if (officeEpoch != 0 && upstream != null) {
            failureReported = false;
            gaveUpWith = null;
            upstream.reconnect();
          }
        }
        default -> logger.debug("SSE coordinator: unknown channel message", Map.of("t", t));
      }
    }

    private void onRelayedEvent(JsonNode m) {
      long epoch = m.path("epoch").asLong();
      if (officeEpoch != 0 || epoch < highestEpoch) {
        return; // a deposed leader's late message
      }
      highestEpoch = epoch;
      String id = m.path("id").asText("");
      lastEventId = id;
      if (m.path("hasId").asBoolean() && isDuplicate(id)) {
        return;
      }
      Instant ts;
      try {
        ts = Instant.parse(m.path("ts").asText());
      } catch (DateTimeParseException e) {
        ts = Instant.now();
      }
      deliver(m.path("type").asText("message"), m.path("data").asText(""), id, ts);
    }

    private void onConn(JsonNode m) {
      long epoch = m.path("epoch").asLong();
      if (officeEpoch != 0 || epoch < highestEpoch) {
        return;
      }
      if (epoch > highestEpoch) {
        failureReported = false; // a new leader starts with fresh attempts
      }
      highestEpoch = epoch;
      String leaderId = m.path("lastEventId").asText("");
      if (!leaderId.isEmpty()) {
        lastEventId = leaderId;
      }
      String url = m.path("url").asText("");
      if (!urlWarned && !url.equals(options.url().toString())) {
        urlWarned = true;
        logger.warn("SSE coordinator: the leader uses another URL",
            Map.of("leaderUrl", url, "url", options.url().toString()));
      }
      connected = m.path("connected").asBoolean();
      if (m.path("failed").asBoolean() && m.has("error")) {
        String error = m.path("error").asText();
        reportFailure(m.path("fatal").asBoolean()
            ? new SseFatalResponseException(error)
            : new SseReconnectExhaustedException(error, null));
      } else {
        if (connected) {
          failureReported = false;
        }
        report(connected);
      }
    }

    private boolean isDuplicate(String id) {
      int window = options.dedupeWindow();
      if (window == 0) {
        return false;
      }
      if (seenIds.contains(id)) {
        return true;
      }
      seenIds.add(id);
      if (seenIds.size() > window) {
        var it = seenIds.iterator();
        it.next();
        it.remove();
      }
      return false;
    }

    private void deliver(String type, String raw, String id, Instant ts) {
      if (closed || !(options.eventTypes().isEmpty() || options.eventTypes().contains(type))) {
        return;
      }
      SseEvent event = new SseEvent(type, parse(raw), raw, id, ts);
      callback("onEvent", () -> options.onEvent().accept(event));
    }

    private static JsonNode parse(String raw) {
      try {
        JsonNode n = JSON.readTree(raw);
        return n == null || n.isMissingNode() ? TextNode.valueOf(raw) : n;
      } catch (JsonProcessingException e) {
        return TextNode.valueOf(raw);
      }
    }

    private void report(boolean state) {
      if (reported != null && reported == state) {
        return;
      }
      reported = state;
      options.onConnectionChange().ifPresent(
          cb -> callback("onConnectionChange", () -> cb.accept(state)));
    }

    private void reportFailure(StateSyncException error) {
      if (!failureReported) {
        failureReported = true;
        options.onError().ifPresent(cb -> callback("onError", () -> cb.accept(error)));
      }
      report(false);
    }

    private void callback(String name, Runnable call) {
      if (closed) {
        return;
      }
      try {
        call.run();
      } catch (RuntimeException e) {
        Map<String, Object> extra = new LinkedHashMap<>();
        extra.put("callback", name);
        extra.put("error", e.toString());
        logger.warn("SSE coordinator callback failed", extra);
      }
    }

    private void post(ObjectNode message) {
      if (closed) {
        return;
      }
      byte[] bytes;
      try {
        bytes = JSON.writeValueAsBytes(message);
      } catch (JsonProcessingException e) {
        throw new IllegalStateException(e);
      }
      try {
        channel.post(bytes).whenComplete((receipt, error) -> {
          if (error != null && !closed) {
            logger.warn("SSE coordinator: post failed", Map.of(
                "t", message.path("t").asText(), "error", error.toString()));
          }
        });
      } catch (RuntimeException e) {
        logger.warn("SSE coordinator: post refused", Map.of(
            "t", message.path("t").asText(), "error", e.toString()));
      }
    }
  }
}
