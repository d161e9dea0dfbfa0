package dev.statesync.persistence.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.statesync.core.ApplyOrigin;
import dev.statesync.core.ApplyOutcome;
import dev.statesync.core.Cancellable;
import dev.statesync.core.Epoch;
import dev.statesync.core.ProtocolException;
import dev.statesync.core.Revision;
import dev.statesync.core.RevisionSyncHandle;
import dev.statesync.core.SnapshotEnvelope;
import dev.statesync.core.TaskScheduler;
import dev.statesync.core.json.ProtocolCodec;
import dev.statesync.core.logging.Logger;
import dev.statesync.persistence.FutureSchemaVersionException;
import dev.statesync.persistence.JsonCodec;
import dev.statesync.persistence.MigrationException;
import dev.statesync.persistence.Migrations;
import dev.statesync.persistence.PayloadDecodeException;
import dev.statesync.persistence.PayloadEncodeException;
import dev.statesync.persistence.PersistenceOperation;
import dev.statesync.persistence.PersistenceOptions;
import dev.statesync.persistence.RecordTooLargeException;
import dev.statesync.persistence.ValidationException;
import dev.statesync.persistence.peer.CrossProcessOptions;
import dev.statesync.persistence.peer.PeerChannel;
import java.io.IOException;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.random.RandomGenerator;

/**
 * Cross-process sync of one persistence applier over a {@link PeerChannel}.
 *
 * <p>Messages are UTF-8 JSON objects {@code {"v":1,"type","senderId","key",...}}; a
 * {@code snapshot} adds {@code topic}, {@code schemaVersion}, {@code envelope} (the protocol
 * envelope shape) and, when it answers a request, {@code inReplyTo}; a {@code request-sync} adds
 * {@code requestId}; a {@code clear} adds nothing. A received snapshot is validated, migrated if
 * older, and offered to the attached handle with origin PEER, never applied directly.
 *
 * <p>Answers to {@code request-sync}: the leader answers at once; another peer schedules its
 * answer after {@code answerDelay + u * answerJitter} and drops it if it sees, first, an answer
 * to the same request in its own epoch with a revision at least its own.
 */
final class PeerSync<T> {
  private static final ObjectMapper MAPPER = new ObjectMapper();
  private static final ProtocolCodec PROTOCOL = ProtocolCodec.create();
  private static final String SNAPSHOT = "snapshot";
  private static final String CLEAR = "clear";
  private static final String REQUEST_SYNC = "request-sync";
  /** How many answered request ids are remembered for suppression. */
  private static final int SEEN_ANSWERS = 64;

  private final DefaultPersistenceApplier<T> applier;
  private final String key;
  private final JsonCodec<T> codec;
  private final int schemaVersion;
  private final Migrations migrations;
  private final Logger logger;
  private final CrossProcessOptions options;
  private final TaskScheduler scheduler;
  private final RandomGenerator random;
  private final PeerChannel channel;
  private final int maxMessageBytes;

  /** Scheduled answers of this non-leader, by request id. Guarded by {@code this}. */
  private final Map<String, Cancellable> pendingAnswers = new HashMap<>();
  /** The newest answer seen per request id, oldest request first. Guarded by {@code this}. */
  private final Map<String, SnapshotEnvelope<?>> seenAnswers =
      new LinkedHashMap<>(16, 0.75f, false) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, SnapshotEnvelope<?>> eldest) {
          return size() > SEEN_ANSWERS;
        }
      };
  private boolean stopped; // guarded by this

  private PeerSync(DefaultPersistenceApplier<T> applier, PersistenceOptions<T> persistence,
      CrossProcessOptions options) {
    this.applier = applier;
    this.key = persistence.key();
    this.codec = persistence.codec();
    this.schemaVersion = persistence.schemaVersion();
    this.migrations = persistence.migrations().orElse(null);
    this.logger = persistence.logger();
    this.options = options;
    this.scheduler = persistence.scheduler();
    this.random = persistence.random();
    String name = options.channelNameFor(key);
    Optional<Function<String, PeerChannel>> factory = options.channelFactory();
    this.channel = factory.isPresent()
        ? Objects.requireNonNull(factory.get().apply(name), "channelFactory returned null")
        : HostPeerChannel.open(name, options.channelOptions(), this::postFailedLater);
    this.maxMessageBytes = Math.min(options.maxMessageBytes(), channel.maxMessageBytes());
  }

  /** Opens the channel and wires the applier's peer hooks. */
  static <T> void install(DefaultPersistenceApplier<T> applier,
      PersistenceOptions<T> persistence, CrossProcessOptions options) {
    PeerSync<T> sync = new PeerSync<>(applier, persistence, options);
    sync.channel.subscribe(sync::onMessage);
    sync.channel.onResync(sync::onResync);
    applier.setBroadcaster(sync::broadcastSnapshot);
    applier.setClearHook(sync::broadcastClear);
    applier.onAttach(sync::requestSync);
    applier.onClose(sync::close);
  }

  private void close() {
    synchronized (this) {
      stopped = true;
      pendingAnswers.values().forEach(Cancellable::cancel);
      pendingAnswers.clear();
    }
    channel.close();
  }

  // ------------------------------------------------------------------------------- sending

  private ObjectNode header(String type) {
    ObjectNode msg = MAPPER.createObjectNode();
    msg.put("v", 1);
    msg.put("type", type);
    msg.put("senderId", applier.instanceId());
    msg.put("key", key);
    return msg;
  }

  private void broadcastSnapshot(SnapshotEnvelope<T> envelope, String topic) {
    postSnapshot(envelope, topic, null);
  }

  private void postSnapshot(SnapshotEnvelope<T> envelope, String topic, String inReplyTo) {
    if (!options.broadcastSaves()) {
      return;
    }
    byte[] bytes;
    try {
      ObjectNode msg = header(SNAPSHOT);
      msg.put("topic", topic);
      msg.put("schemaVersion", schemaVersion);
      JsonNode data = codec.valueToTree(envelope.data());
      msg.set("envelope", MAPPER.readTree(PROTOCOL.encodeSnapshotBytes(envelope.withData(data))));
      if (inReplyTo != null) {
        msg.put("inReplyTo", inReplyTo);
      }
      bytes = MAPPER.writeValueAsBytes(msg);
    } catch (IOException | RuntimeException e) {
      fail(new PayloadEncodeException("cannot encode the peer message: " + e, e), envelope);
      return;
    }
    post(bytes, envelope);
  }

  private void broadcastClear() {
    if (!options.broadcastSaves()) {
      return;
    }
    try {
      post(MAPPER.writeValueAsBytes(header(CLEAR)), null);
    } catch (IOException e) {
      fail(new PayloadEncodeException("cannot encode the clear message: " + e, e), null);
    }
  }

  /** Posts {@code request-sync} when attached, so a peer sends its latest snapshot. */
  private void requestSync() {
    if (!options.requestSyncOnAttach() || !options.receiveUpdates()) {
      return;
    }
    try {
      ObjectNode msg = header(REQUEST_SYNC);
      msg.put("requestId", UUID.randomUUID().toString());
      post(MAPPER.writeValueAsBytes(msg), null);
    } catch (IOException e) {
      fail(new PayloadEncodeException("cannot encode the request-sync message: " + e, e), null);
    }
  }

  private void post(byte[] bytes, SnapshotEnvelope<T> envelope) {
    if (bytes.length > maxMessageBytes) {
      fail(new RecordTooLargeException("peer message of " + bytes.length
          + " bytes exceeds maxMessageBytes " + maxMessageBytes), envelope);
      return;
    }
    try {
      channel.post(bytes);
      applier.countPeer(1, 0, 0, 0);
    } catch (RuntimeException e) {
      fail(e, envelope);
    }
  }

  /** A post the host channel accepted and then could not sequence (hub died, timeout). */
  private void postFailedLater(Throwable error) {
    if (!applier.isClosed()) {
      fail(error, null);
    }
  }

  private void fail(Throwable error, SnapshotEnvelope<T> envelope) {
    applier.raise(PersistenceOperation.BROADCAST, error,
        envelope == null ? null : envelope.revision(),
        envelope == null ? null : envelope.epoch().orElse(null), null);
  }

  // ------------------------------------------------------------------------------- receiving

  private void onMessage(byte[] message) {
    if (applier.isClosed()) {
      return;
    }
    JsonNode root;
    try {
      root = MAPPER.readTree(message);
    } catch (IOException | RuntimeException e) {
      reject("peer message is not JSON: " + e.getMessage(), e);
      return;
    }
    if (root == null || !root.isObject()) {
      reject("peer message is not a JSON object", null);
      return;
    }
    JsonNode v = root.get("v");
    if (v == null || !v.canConvertToInt() || !v.isIntegralNumber() || v.intValue() < 1) {
      reject("peer message has no valid \"v\"", null);
      return;
    }
    String type = text(root, "type");
    String senderId = text(root, "senderId");
    String msgKey = text(root, "key");
    if (type == null || senderId == null || msgKey == null) {
      reject("peer message is missing a valid \"type\", \"senderId\" or \"key\"", null);
      return;
    }
    if (v.intValue() > 1) {
      logger.debug("ignoring a peer message of a newer version", Map.of("key", key,
          "v", v.intValue()));
      return;
    }
    if (!msgKey.equals(key) || senderId.equals(applier.instanceId())) {
      return;
    }
    switch (type) {
      case SNAPSHOT -> {
        applier.countPeer(0, 1, 0, 0);
        onSnapshot(root);
      }
      case CLEAR -> {
        applier.countPeer(0, 1, 0, 0);
        if (options.receiveUpdates()) {
          applier.clearFromPeer();
        }
      }
      case REQUEST_SYNC -> {
        applier.countPeer(0, 1, 0, 0);
        onRequestSync(root);
      }
      default -> logger.debug("ignoring a peer message of unknown type", Map.of("key", key,
          "type", type));
    }
  }

  private void onSnapshot(JsonNode root) {
    String inReplyTo = text(root, "inReplyTo");
    if (inReplyTo != null) {
      recordAnswer(inReplyTo, root.get("envelope")); // even when not receiving updates
    }
    if (!options.receiveUpdates()) {
      return;
    }
    RevisionSyncHandle<T> handle = applier.handle();
    if (handle == null) {
      logger.debug("ignoring a peer snapshot before attach", Map.of("key", key));
      return;
    }
    JsonNode sv = root.get("schemaVersion");
    if (sv == null || !sv.isIntegralNumber() || !sv.canConvertToInt() || sv.intValue() < 1) {
      reject("peer snapshot has no valid \"schemaVersion\"", null);
      return;
    }
    JsonNode envelopeNode = root.get("envelope");
    if (envelopeNode == null || !envelopeNode.isObject()) {
      reject("peer snapshot has no \"envelope\" object", null);
      return;
    }
    SnapshotEnvelope<JsonNode> tree;
    try {
      tree = PROTOCOL.decodeSnapshot(envelopeNode, JsonNode.class);
    } catch (ProtocolException e) {
      reject("peer snapshot envelope is invalid: " + e.getMessage(), e);
      return;
    }
    int version = sv.intValue();
    if (version > schemaVersion) {
      receiveError(new FutureSchemaVersionException("peer snapshot of key \"" + key
          + "\" has schema version " + version + ", newer than the current version "
          + schemaVersion), tree);
      return;
    }
    JsonNode data = tree.data();
    if (version < schemaVersion) {
      try {
        if (migrations == null) {
          throw new MigrationException("no migration path from version " + version
              + " (no migrations configured, current version " + schemaVersion + ")");
        }
        data = migrations.migrate(data, version);
      } catch (MigrationException e) {
        applier.raise(PersistenceOperation.MIGRATE, e, tree.revision(),
            tree.epoch().orElse(null), null);
        return;
      }
    }
    T value;
    try {
      value = codec.fromTree(data);
    } catch (PayloadDecodeException e) {
      receiveError(e, tree);
      return;
    }
    ValidationException invalid = applier.validate(value);
    if (invalid != null) {
      receiveError(invalid, tree);
      return;
    }
    handle.offer(tree.withData(value), ApplyOrigin.PEER).whenComplete((outcome, error) -> {
      if (outcome == ApplyOutcome.APPLIED) {
        applier.countPeer(0, 0, 0, 1);
      } else if (error != null) {
        logger.debug("peer snapshot offer failed", Map.of("key", key,
            "error", String.valueOf(DefaultPersistenceApplier.unwrap(error))));
      }
    });
  }

  // ------------------------------------------------------------------------------- request-sync

  private void onRequestSync(JsonNode root) {
    String requestId = text(root, "requestId");
    if (requestId == null) {
      reject("request-sync message has no valid \"requestId\"", null);
      return;
    }
    if (!options.broadcastSaves() || applier.latest() == null) {
      return;
    }
    if (channel.isLeader()) {
      answer(requestId);
      return;
    }
    long delay = options.answerDelay().toNanos();
    long jitter = options.answerJitter().toNanos();
    synchronized (this) {
      if (jitter > 0) {
        delay += random.nextLong(jitter + 1);
      }
      if (stopped || pendingAnswers.containsKey(requestId)) {
        return;
      }
      pendingAnswers.put(requestId, scheduler.schedule(() -> {
        synchronized (this) {
          if (pendingAnswers.remove(requestId) == null) {
            return;
          }
        }
        answer(requestId);
      }, delay, TimeUnit.NANOSECONDS));
    }
  }

  /** Posts the latest snapshot in reply, unless a peer already sent one at least as new. */
  private void answer(String requestId) {
    DefaultPersistenceApplier.Latest<T> latest = applier.latest();
    if (latest == null || applier.isClosed()) {
      return;
    }
    synchronized (this) {
      if (covers(seenAnswers.get(requestId), latest.envelope())) {
        return;
      }
    }
    postSnapshot(latest.envelope(), latest.topic(), requestId);
  }

  /** Remembers an answer to {@code requestId} and cancels ours if that answer covers it. */
  private void recordAnswer(String requestId, JsonNode envelopeNode) {
    SnapshotEnvelope<JsonNode> seen;
    try {
      seen = envelopeNode == null ? null : PROTOCOL.decodeSnapshot(envelopeNode, JsonNode.class);
    } catch (ProtocolException e) {
      return; // reported by the snapshot path when receiving; never suppresses an answer
    }
    if (seen == null) {
      return;
    }
    DefaultPersistenceApplier.Latest<T> latest = applier.latest();
    synchronized (this) {
      SnapshotEnvelope<?> before = seenAnswers.get(requestId);
      if (before == null || !before.epoch().equals(seen.epoch())
          || before.revision().compareTo(seen.revision()) < 0) {
        seenAnswers.put(requestId, seen);
      }
      if (latest != null && covers(seen, latest.envelope())) {
        Cancellable pending = pendingAnswers.remove(requestId);
        if (pending != null) {
          pending.cancel();
          logger.debug("request-sync already answered by a peer", Map.of("key", key));
        }
      }
    }
  }

  /** Whether an answer {@code seen} is in our epoch with a revision at least ours. */
  private static boolean covers(SnapshotEnvelope<?> seen, SnapshotEnvelope<?> own) {
    if (seen == null) {
      return false;
    }
    Optional<Epoch> epoch = seen.epoch();
    Revision revision = seen.revision();
    return epoch.equals(own.epoch()) && revision.compareTo(own.revision()) >= 0;
  }

  private void onResync() {
    RevisionSyncHandle<T> handle = applier.handle();
    if (!options.receiveUpdates() || handle == null || applier.isClosed()) {
      return;
    }
    logger.warn("peer messages may have been missed; refreshing from the provider",
        Map.of("key", key));
    handle.refresh();
  }

  private static String text(JsonNode root, String field) {
    JsonNode n = root.get(field);
    return n != null && n.isTextual() && !n.textValue().isEmpty() ? n.textValue() : null;
  }

  private void reject(String message, Throwable cause) {
    applier.countPeer(0, 0, 1, 0);
    applier.raise(PersistenceOperation.RECEIVE, new ValidationException(message, cause), null,
        null, null);
  }

  private void receiveError(Throwable error, SnapshotEnvelope<?> envelope) {
    applier.countPeer(0, 0, 1, 0);
    applier.raise(PersistenceOperation.RECEIVE, error, envelope.revision(),
        envelope.epoch().orElse(null), null);
  }
}
