package dev.statesync.channel.internal;

import com.fasterxml.jackson.databind.JsonNode;
import dev.statesync.channel.BroadcastChannel;
import dev.statesync.channel.ChannelException;
import dev.statesync.channel.CoordinationTimeoutException;
import dev.statesync.channel.HostCoordinationOptions;
import dev.statesync.channel.HostCoordinationStats;
import dev.statesync.channel.HostUpstream;
import dev.statesync.channel.LeaderElection;
import dev.statesync.channel.Message;
import dev.statesync.channel.MessageTooLargeException;
import dev.statesync.channel.ResyncReason;
import dev.statesync.core.Cancellable;
import dev.statesync.core.InvalidationEvent;
import dev.statesync.core.InvalidationSink;
import dev.statesync.core.ProtocolException;
import dev.statesync.core.SnapshotEnvelope;
import dev.statesync.core.SnapshotProvider;
import dev.statesync.core.StateSync;
import dev.statesync.core.Subscription;
import dev.statesync.core.TaskScheduler;
import dev.statesync.core.internal.SerialContext;
import dev.statesync.core.json.ProtocolCodec;
import dev.statesync.core.logging.Logger;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One JVM's host coordinator for one channel name (RELAY-32 to RELAY-35, generic): the election
 * leader alone subscribes to the upstream and fetches; every process caches the latest envelope
 * per topic, and hands each one to its own handles through their gates.
 *
 * <p>All state is confined to one serial context; channel, election, upstream and timer callbacks
 * only queue work there. Not API: {@code dev.statesync.channel.HostCoordination} is the front door.
 */
public final class HostCoordinator {
  /** RELAY-33.4: a failed fetch is retried this many times. */
  static final int FETCH_RETRIES = 3;
  /** RELAY-33.4: the first retry delay, doubled for each further retry. */
  static final long FETCH_RETRY_MS = 500;
  /** The longest pause between failed upstream subscribe attempts. */
  static final long SUBSCRIBE_RETRY_MAX_MS = 30_000;
  /** How often a snapshot request is posted again when its post was lost in a hub failover. */
  static final int SNAP_POST_ATTEMPTS = 3;

  private static final Map<String, HostCoordinator> REGISTRY = new HashMap<>();

  private final String name;
  private final HostCoordinationOptions options;
  private final HostUpstream upstream;
  private final Logger log;
  private final TaskScheduler scheduler;
  private final ProtocolCodec codec = ProtocolCodec.create();
  private final SerialContext serial;
  private final LeaderElection election;
  private final CompletableFuture<Void> ready = new CompletableFuture<>();
  private final List<Subscription> listeners = new ArrayList<>();
  private int refs; // guarded by REGISTRY
  private volatile boolean closed;
  private volatile boolean leading;

  // Confined to the serial context.
  private BroadcastChannel channel;
  private long term;
  private long leaderEpoch;
  private boolean subscribing;
  private Subscription upstreamSubscription;
  private Cancellable subscribeRetry;
  private int subscribeFailures;
  private final Map<String, List<HostMember>> members = new LinkedHashMap<>();
  private final Map<String, String> wanted = new LinkedHashMap<>();
  private final Map<String, CachedEnvelope> cache = new HashMap<>();
  private final Map<String, HostMessage.Big> bigMarks = new HashMap<>();
  private final Map<String, FetchSlot> slots = new HashMap<>();
  private final Map<String, SnapshotProvider<JsonNode>> providers = new HashMap<>();
  private final Map<String, List<SnapRequest>> requests = new HashMap<>();
  private final Map<String, CompletableFuture<String>> directFetches = new HashMap<>();

  private final AtomicLong upstreamSubscriptions = new AtomicLong();
  private final AtomicLong fetches = new AtomicLong();
  private final AtomicLong directFetchCount = new AtomicLong();
  private final AtomicLong envPosted = new AtomicLong();
  private final AtomicLong bigPosted = new AtomicLong();
  private final AtomicLong snapshotRequests = new AtomicLong();
  private final AtomicLong snapshotRequestTimeouts = new AtomicLong();
  private final AtomicLong malformedMessages = new AtomicLong();

  /** A fetch of one topic by the leader: at most one in flight and one queued (RELAY-33.3). */
  private static final class FetchSlot {
    boolean running;
    boolean queued;
    int attempt;
    Cancellable retry;
    final List<Waiter> waiters = new ArrayList<>();
  }

  /** A local handle's provider call waiting for the leader's fetch. */
  private record Waiter(HostMember member, CompletableFuture<String> result) {}

  /** A follower's pending {@code snap}. */
  private static final class SnapRequest {
    final HostMember member;
    final CompletableFuture<String> result = new CompletableFuture<>();
    Cancellable timeout;
    int posts;

    SnapRequest(HostMember member) {
      this.member = member;
    }
  }

  private HostCoordinator(String name, HostCoordinationOptions options, HostUpstream upstream) {
    this.name = name;
    this.options = options;
    this.upstream = upstream;
    this.log = options.logger().orElseGet(dev.statesync.channel.ChannelRuntime::defaultLogger);
    this.scheduler = options.scheduler();
    this.serial = new SerialContext(Threads.dispatchPool(), this,
        t -> log.warn("host coordinator task failed", Map.of("channel", name, "error", t)));
    this.election = LeaderElection.open(name, options.electionOptions());
  }

  /**
   * Returns this JVM's coordinator for {@code name}, creating it if needed, and takes a reference
   * that {@link #leave} gives back.
   *
   * @throws ChannelException if the election cannot be opened (path too long, unsafe directory)
   */
  public static HostCoordinator acquire(String name, HostCoordinationOptions options,
      HostUpstream upstream) {
    synchronized (REGISTRY) {
      HostCoordinator c = REGISTRY.get(name);
      if (c == null) {
        c = new HostCoordinator(name, options, upstream);
        REGISTRY.put(name, c);
        c.start();
      }
      c.refs++;
      return c;
    }
  }

  /** Returns the counters of this JVM's coordinator for {@code name}, if one is running. */
  public static Optional<HostCoordinationStats> stats(String name) {
    synchronized (REGISTRY) {
      HostCoordinator c = REGISTRY.get(name);
      return c == null ? Optional.empty() : Optional.of(c.stats());
    }
  }

  HostCoordinationStats stats() {
    return new HostCoordinationStats(leading, upstreamSubscriptions.get(), fetches.get(),
        directFetchCount.get(), envPosted.get(), bigPosted.get(), snapshotRequests.get(),
        snapshotRequestTimeouts.get(), malformedMessages.get());
  }

  private void start() {
    leaderEpoch = election.epoch();
    listeners.add(election.onLeadershipChange((lead, epoch) -> serial.execute(this::reconcile)));
    listeners.add(election.onLeaderChange(epoch -> serial.execute(() -> onNewTerm(epoch))));
    BroadcastChannel.openAsync(name, options.channelOptions())
        .whenComplete((ch, err) -> serial.execute(() -> onChannelOpen(ch, err)));
  }

  private void onChannelOpen(BroadcastChannel ch, Throwable err) {
    if (err != null) {
      Throwable cause = err instanceof CompletionException && err.getCause() != null
          ? err.getCause() : err;
      log.error("host channel cannot be opened", Map.of("channel", name, "error", cause));
      synchronized (REGISTRY) {
        REGISTRY.remove(name, this);
      }
      closed = true;
      ready.completeExceptionally(cause);
      closeResources(null);
      return;
    }
    if (closed) {
      closeResources(ch);
      return;
    }
    channel = ch;
    listeners.add(ch.subscribe(m -> serial.execute(() -> onMessage(m))));
    listeners.add(ch.onResync(r -> serial.execute(() -> onChannelResync(r))));
    announce();
    reconcile();
    ready.complete(null);
  }

  // ---------------------------------------------------------------------------------------------
  // Handles

  /**
   * Adds a handle's member; the stage completes once the host channel is joined, or fails with
   * the channel's exception (then call {@link #leave}).
   */
  public CompletableFuture<Void> join(HostMember m) {
    serial.execute(() -> {
      if (closed) {
        return;
      }
      List<HostMember> list = members.computeIfAbsent(m.topic(), t -> new ArrayList<>());
      list.add(m);
      boolean newTopic = list.size() == 1;
      wanted.put(m.topic(), m.sourceKey()); // a local handle's key wins over a peer's
      if (newTopic && channel != null) {
        post(HostMessage.want(List.of(new HostMessage.Wanted(m.topic(), m.sourceKey()))));
      }
    });
    return ready.copy();
  }

  /** Removes a member and gives back its reference; the last one closes the coordinator. */
  public void leave(HostMember m) {
    serial.execute(() -> {
      List<HostMember> list = members.get(m.topic());
      if (list != null && list.remove(m) && list.isEmpty()) {
        members.remove(m.topic());
      }
      List<SnapRequest> pending = requests.get(m.topic());
      if (pending != null) {
        pending.removeIf(r -> r.member == m);
      }
    });
    boolean last;
    synchronized (REGISTRY) {
      last = --refs == 0;
      if (last) {
        REGISTRY.remove(name, this);
        closed = true;
      }
    }
    if (last) {
      serial.execute(this::shutdown);
    }
  }

  /**
   * RELAY-32 coordinator provider: the JSON of the topic's current envelope. The leader serves
   * its cache or its own fetch; a follower asks the leader, or fetches directly for a big topic.
   */
  public CompletableFuture<String> snapshot(HostMember m) {
    CompletableFuture<String> f = new CompletableFuture<>();
    serial.execute(() -> {
      if (closed) {
        directFetch(m.topic(), m.sourceKey()).whenComplete(complete(f));
      } else if (leading) {
        leaderSnapshot(m).whenComplete(complete(f));
      } else if (bigMarks.containsKey(m.topic())) {
        directFetch(m.topic(), m.sourceKey()).whenComplete(complete(f));
      } else {
        request(m).whenComplete(complete(f));
      }
    });
    return f;
  }

  private static <V> java.util.function.BiConsumer<V, Throwable> complete(CompletableFuture<V> f) {
    return (v, e) -> {
      if (e != null) {
        f.completeExceptionally(e instanceof CompletionException && e.getCause() != null
            ? e.getCause() : e);
      } else {
        f.complete(v);
      }
    };
  }

  // ---------------------------------------------------------------------------------------------
  // Leadership

  private void reconcile() {
    boolean lead = !closed && channel != null && election.isLeader();
    if (lead && !leading) {
      takeOffice();
    } else if (!lead && leading) {
      leaveOffice();
    }
  }

  private void takeOffice() {
    leading = true;
    term++;
    subscribeFailures = 0;
    log.debug("host coordinator leads", Map.of("channel", name));
    subscribeUpstream(term);
  }

  private void leaveOffice() {
    leading = false;
    term++;
    subscribing = false;
    if (subscribeRetry != null) {
      subscribeRetry.cancel();
      subscribeRetry = null;
    }
    unsubscribeUpstream();
    log.debug("host coordinator follows", Map.of("channel", name));
  }

  private void unsubscribeUpstream() {
    Subscription s = upstreamSubscription;
    upstreamSubscription = null;
    if (s != null) {
      try {
        s.unsubscribe();
      } catch (RuntimeException e) {
        log.warn("upstream unsubscribe failed", Map.of("channel", name, "error", e));
      }
    }
  }

  private void subscribeUpstream(long forTerm) {
    subscribeRetry = null;
    if (!leading || term != forTerm) {
      return;
    }
    subscribing = true;
    upstreamSubscriptions.incrementAndGet();
    CompletionStage<Subscription> stage;
    try {
      stage = Objects.requireNonNull(upstream.subscriber().subscribe(new UpstreamSink(forTerm)),
          "subscriber returned null");
    } catch (RuntimeException e) {
      stage = CompletableFuture.failedFuture(e);
    }
    stage.whenComplete((sub, err) -> serial.execute(() -> onUpstreamSubscribed(forTerm, sub, err)));
  }

  private void onUpstreamSubscribed(long forTerm, Subscription sub, Throwable err) {
    if (!leading || term != forTerm) {
      if (sub != null) {
        sub.unsubscribe();
      }
      return;
    }
    subscribing = false;
    if (err != null || sub == null) {
      Throwable cause = err instanceof CompletionException && err.getCause() != null
          ? err.getCause() : err;
      subscribeFailures++;
      long delay = Math.min(SUBSCRIBE_RETRY_MAX_MS,
          FETCH_RETRY_MS << Math.min(16, subscribeFailures - 1));
      log.warn("upstream subscribe failed", Map.of("channel", name, "error", String.valueOf(cause),
          "retryInMs", delay));
      subscribeRetry = scheduler.schedule(() -> serial.execute(() -> subscribeUpstream(forTerm)),
          delay, TimeUnit.MILLISECONDS);
      // Handles waiting for a first snapshot need not wait for the subscription.
      for (Map.Entry<String, FetchSlot> e : slots.entrySet()) {
        if (!e.getValue().waiters.isEmpty()) {
          requestFetch(e.getKey(), false);
        }
      }
      return;
    }
    subscribeFailures = 0;
    upstreamSubscription = sub;
    catchUp();
  }

  /** RELAY-33.5: after every upstream open, fetch each wanted topic once. */
  private void catchUp() {
    for (String topic : new ArrayList<>(wanted.keySet())) {
      requestFetch(topic, true);
    }
  }

  private void onNewTerm(long epoch) {
    if (closed || epoch == leaderEpoch) {
      return;
    }
    boolean first = leaderEpoch == 0;
    leaderEpoch = epoch;
    if (channel == null) {
      return; // the announcement at channel open reaches this leader
    }
    reconcile();
    log.debug("host leader changed", Map.of("channel", name, "epoch", epoch));
    if (!first) {
      // The old leader may have died between a change and its env: fetch again via the new one.
      resyncAll();
    }
    announce();
  }

  private void onChannelResync(ResyncReason reason) {
    if (closed) {
      return;
    }
    log.debug("host channel resync", Map.of("channel", name, "reason", reason));
    resyncAll();
    announce();
  }

  private void resyncAll() {
    for (List<HostMember> list : members.values()) {
      for (HostMember m : list) {
        m.sink().resync();
      }
    }
  }

  /** RELAY-34: post {@code want} with this JVM's topics. */
  private void announce() {
    if (members.isEmpty() || channel == null) {
      return;
    }
    List<HostMessage.Wanted> list = new ArrayList<>();
    for (Map.Entry<String, List<HostMember>> e : members.entrySet()) {
      list.add(new HostMessage.Wanted(e.getKey(), e.getValue().get(0).sourceKey()));
    }
    post(HostMessage.want(list));
  }

  // ---------------------------------------------------------------------------------------------
  // Upstream, on the leader

  /** The leader's one sink on the upstream; inert once its term of office is over. */
  private final class UpstreamSink implements InvalidationSink {
    private final long forTerm;

    UpstreamSink(long forTerm) {
      this.forTerm = forTerm;
    }

    @Override
    public void accept(InvalidationEvent event) {
      if (event != null) {
        serial.execute(() -> {
          if (leading && term == forTerm) {
            onInvalidation(event);
          }
        });
      }
    }

    @Override
    public void acceptJson(String json) {
      InvalidationEvent e;
      try {
        e = codec.decodeEvent(json);
      } catch (ProtocolException | NullPointerException ex) {
        log.warn("undecodable upstream event ignored", Map.of("channel", name,
            "error", String.valueOf(ex.getMessage()), "event", quote(json)));
        return;
      }
      accept(e);
    }

    @Override
    public void acceptJson(byte[] json) {
      acceptJson(json == null ? null : new String(json, java.nio.charset.StandardCharsets.UTF_8));
    }

    @Override
    public void resync() {
      serial.execute(() -> {
        if (leading && term == forTerm) {
          catchUp();
        }
      });
    }
  }

  private void onInvalidation(InvalidationEvent event) {
    String topic = event.topic();
    if (!wanted.containsKey(topic)) {
      return;
    }
    CachedEnvelope c = cache.get(topic);
    boolean otherEpoch = c != null && event.epoch().isPresent()
        && !event.epoch().get().equals(c.epoch());
    if (c == null || otherEpoch || event.revision().isNewerThan(c.revision())) {
      requestFetch(topic, true);
    }
  }

  private CompletableFuture<String> leaderSnapshot(HostMember m) {
    String topic = m.topic();
    CachedEnvelope c = cache.get(topic);
    if (c != null) {
      return CompletableFuture.completedFuture(c.json());
    }
    CompletableFuture<String> f = new CompletableFuture<>();
    slot(topic).waiters.add(new Waiter(m, f));
    if (!subscribing) {
      // While the upstream subscription opens, its catch-up fetch will serve the waiter.
      requestFetch(topic, false);
    }
    return f;
  }

  private FetchSlot slot(String topic) {
    return slots.computeIfAbsent(topic, t -> new FetchSlot());
  }

  /**
   * Starts a fetch of {@code topic}, or, when one is in flight and {@code queue} is set, queues
   * one more to run after it (a change may have happened after the running one read).
   */
  private void requestFetch(String topic, boolean queue) {
    FetchSlot s = slot(topic);
    if (s.running) {
      s.queued |= queue;
      return;
    }
    s.running = true;
    s.attempt = 0;
    fetch(topic, s);
  }

  private void fetch(String topic, FetchSlot s) {
    s.retry = null;
    if (closed) {
      finishFetch(topic, s, null, new ChannelException("host coordinator \"" + name
          + "\" is closed"));
      return;
    }
    String key = wanted.get(topic);
    CompletionStage<SnapshotEnvelope<JsonNode>> stage = upstreamFetch(topic, key);
    stage.whenComplete((env, err) -> serial.execute(() -> onFetched(topic, s, env, err)));
  }

  private CompletionStage<SnapshotEnvelope<JsonNode>> upstreamFetch(String topic, String key) {
    fetches.incrementAndGet();
    try {
      SnapshotProvider<JsonNode> p = providers.get(topic);
      if (p == null) {
        p = upstream.provider(topic, key);
        providers.put(topic, p);
      }
      return Objects.requireNonNull(p.getSnapshot(), "provider returned null");
    } catch (RuntimeException e) {
      return CompletableFuture.failedFuture(e);
    }
  }

  private void onFetched(String topic, FetchSlot s, SnapshotEnvelope<JsonNode> env,
      Throwable err) {
    if (err == null && env == null) {
      err = new NullPointerException("provider returned null");
    }
    if (err != null) {
      Throwable cause = err instanceof CompletionException && err.getCause() != null
          ? err.getCause() : err;
      if (s.attempt < FETCH_RETRIES && !closed) {
        long delay = FETCH_RETRY_MS << s.attempt;
        s.attempt++;
        log.debug("fetch failed; retrying", Map.of("channel", name, "topic", topic,
            "attempt", s.attempt, "error", String.valueOf(cause)));
        s.retry = scheduler.schedule(() -> serial.execute(() -> fetch(topic, s)), delay,
            TimeUnit.MILLISECONDS);
        return;
      }
      log.warn("fetch failed after retries", Map.of("channel", name, "topic", topic,
          "attempts", s.attempt + 1, "error", String.valueOf(cause)));
      finishFetch(topic, s, null, cause);
      return;
    }
    CachedEnvelope c;
    try {
      c = new CachedEnvelope(codec.encodeSnapshot(env), env.revision(), env.epoch().orElse(null));
    } catch (RuntimeException e) {
      finishFetch(topic, s, null, e);
      return;
    }
    if (c.isNewerThan(cache.get(topic))) {
      cache.put(topic, c);
      bigMarks.remove(topic);
      publish(topic, c);
      // A handle whose own provider call this answers gets it there, not a second time.
      List<HostMember> served = new ArrayList<>();
      for (Waiter w : s.waiters) {
        served.add(w.member());
        w.result().complete(c.json());
      }
      s.waiters.clear();
      served.addAll(answerRequests(topic, c));
      offerLocal(topic, c, served);
    }
    finishFetch(topic, s, cache.get(topic), null);
  }

  private void finishFetch(String topic, FetchSlot s, CachedEnvelope c, Throwable err) {
    List<Waiter> waiters = new ArrayList<>(s.waiters);
    s.waiters.clear();
    for (Waiter w : waiters) {
      if (err != null) {
        w.result().completeExceptionally(err);
      } else {
        w.result().complete(c.json());
      }
    }
    s.running = false;
    s.attempt = 0;
    if (s.queued && !closed) {
      s.queued = false;
      requestFetch(topic, false);
    }
  }

  /** Posts an {@code env}, or a {@code big} if the envelope does not fit in one message. */
  private void publish(String topic, CachedEnvelope c) {
    if (channel == null) {
      return;
    }
    byte[] env = HostMessage.env(topic, c.json());
    if (env.length <= options.channelOptions().maxMessageBytes()) {
      try {
        channel.post(env).whenComplete(this::posted);
        envPosted.incrementAndGet();
        return;
      } catch (MessageTooLargeException e) {
        // The hub's limit is lower than ours: announce it as big.
      } catch (ChannelException e) {
        log.debug("post failed", Map.of("channel", name, "error", e.toString()));
        return;
      }
    }
    if (post(HostMessage.big(topic, c))) {
      bigPosted.incrementAndGet();
    }
  }

  private boolean post(byte[] message) {
    if (channel == null) {
      return false;
    }
    try {
      channel.post(message).whenComplete(this::posted);
      return true;
    } catch (ChannelException e) {
      log.debug("post failed", Map.of("channel", name, "error", e.toString()));
      return false;
    }
  }

  private void posted(Object receipt, Throwable err) {
    if (err != null && !closed) {
      // Lost in a hub failover: every member that may have missed it gets a resync.
      log.debug("post not delivered", Map.of("channel", name, "error", err.toString()));
    }
  }

  /** RELAY-34: the channel never echoes, so the leader hands its results to its own handles. */
  private void offerLocal(String topic, CachedEnvelope c, List<HostMember> except) {
    List<HostMember> list = members.get(topic);
    if (list != null) {
      for (HostMember m : new ArrayList<>(list)) {
        if (!except.contains(m)) {
          m.offer(c);
        }
      }
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Followers

  private CompletableFuture<String> request(HostMember m) {
    SnapRequest r = new SnapRequest(m);
    requests.computeIfAbsent(m.topic(), t -> new ArrayList<>()).add(r);
    snapshotRequests.incrementAndGet();
    postSnap(r);
    long ms = options.snapshotRequestTimeout().toMillis();
    r.timeout = scheduler.schedule(() -> serial.execute(() -> onRequestTimeout(r)), ms,
        TimeUnit.MILLISECONDS);
    return r.result;
  }

  private void postSnap(SnapRequest r) {
    r.posts++;
    if (channel == null) {
      return;
    }
    try {
      channel.post(HostMessage.snap(r.member.topic(), r.member.sourceKey()))
          .whenComplete((receipt, err) -> {
            if (err != null) {
              serial.execute(() -> {
                List<SnapRequest> pending = requests.get(r.member.topic());
                if (!closed && pending != null && pending.contains(r)
                    && r.posts < SNAP_POST_ATTEMPTS) {
                  postSnap(r);
                }
              });
            }
          });
    } catch (ChannelException e) {
      log.debug("snapshot request not posted", Map.of("channel", name, "error", e.toString()));
    }
  }

  private void onRequestTimeout(SnapRequest r) {
    List<SnapRequest> pending = requests.get(r.member.topic());
    if (pending == null || !pending.remove(r)) {
      return;
    }
    snapshotRequestTimeouts.incrementAndGet();
    long ms = options.snapshotRequestTimeout().toMillis();
    if (options.directFetchFallback()) {
      log.warn("no snapshot from the host leader in time; fetching directly",
          Map.of("channel", name, "topic", r.member.topic(), "timeoutMs", ms));
      directFetch(r.member.topic(), r.member.sourceKey()).whenComplete(complete(r.result));
    } else {
      r.result.completeExceptionally(new CoordinationTimeoutException("no snapshot of topic '"
          + r.member.topic() + "' from the leader of host channel \"" + name + "\" within "
          + ms + " ms, and directFetchFallback is off"));
    }
  }

  /** Completes the pending snapshot requests of {@code topic}; returns their members. */
  private List<HostMember> answerRequests(String topic, CachedEnvelope c) {
    List<SnapRequest> pending = requests.remove(topic);
    List<HostMember> answered = new ArrayList<>();
    if (pending != null) {
      for (SnapRequest r : pending) {
        r.timeout.cancel();
        r.result.complete(c.json());
        answered.add(r.member);
      }
    }
    return answered;
  }

  /** A follower's own fetch, coalesced per topic; the result is not cached or posted. */
  private CompletableFuture<String> directFetch(String topic, String key) {
    CompletableFuture<String> running = directFetches.get(topic);
    if (running != null) {
      return running;
    }
    CompletableFuture<String> f = new CompletableFuture<>();
    directFetches.put(topic, f);
    directFetchCount.incrementAndGet();
    upstreamFetch(topic, key).whenComplete((env, err) -> serial.execute(() -> {
      directFetches.remove(topic, f);
      if (err != null) {
        complete(f).accept(null, err);
        return;
      }
      try {
        f.complete(codec.encodeSnapshot(Objects.requireNonNull(env, "provider returned null")));
      } catch (RuntimeException e) {
        f.completeExceptionally(e);
      }
    }));
    return f;
  }

  // ---------------------------------------------------------------------------------------------
  // Channel messages

  private void onMessage(Message m) {
    if (closed) {
      return;
    }
    HostMessage msg;
    try {
      msg = HostMessage.parse(m.bytes(), codec);
    } catch (IllegalArgumentException e) {
      malformedMessages.incrementAndGet();
      log.warn("malformed host message ignored", Map.of("channel", name, "seq", m.seq(),
          "member", String.valueOf(m.memberId()), "error", e.getMessage(),
          "message", quote(new String(m.bytes(), java.nio.charset.StandardCharsets.UTF_8))));
      return;
    }
    if (msg instanceof HostMessage.Env env) {
      onEnv(env);
    } else if (msg instanceof HostMessage.Big big) {
      onBig(big);
    } else if (msg instanceof HostMessage.Want want) {
      onWant(want);
    } else if (msg instanceof HostMessage.Snap snap) {
      onSnap(snap);
    } else {
      log.debug("unknown host message ignored", Map.of("channel", name,
          "type", ((HostMessage.Unknown) msg).type()));
    }
  }

  private void onEnv(HostMessage.Env env) {
    String topic = env.topic();
    CachedEnvelope c = env.envelope();
    if (c.replaces(cache.get(topic))) {
      cache.put(topic, c);
      bigMarks.remove(topic);
    }
    offerLocal(topic, c, answerRequests(topic, c));
  }

  private void onBig(HostMessage.Big big) {
    if (leading) {
      return; // the leader holds the body it announced
    }
    String topic = big.topic();
    bigMarks.put(topic, big);
    List<SnapRequest> pending = requests.remove(topic);
    List<HostMember> waiting = new ArrayList<>();
    if (pending != null) {
      for (SnapRequest r : pending) {
        r.timeout.cancel();
        waiting.add(r.member);
        directFetch(topic, r.member.sourceKey()).whenComplete(complete(r.result));
      }
    }
    List<HostMember> list = members.get(topic);
    if (list != null) {
      for (HostMember m : list) {
        if (!waiting.contains(m) && m.isBehind(big.revision(), big.epoch())) {
          m.sink().resync();
        }
      }
    }
  }

  private void onWant(HostMessage.Want want) {
    reconcile();
    for (HostMessage.Wanted w : want.topics()) {
      wanted.putIfAbsent(w.topic(), w.key());
    }
    if (!leading) {
      return;
    }
    for (HostMessage.Wanted w : want.topics()) {
      serveFromCache(w.topic());
    }
  }

  private void onSnap(HostMessage.Snap snap) {
    reconcile();
    wanted.putIfAbsent(snap.topic(), snap.key());
    if (leading) {
      serveFromCache(snap.topic());
    }
  }

  /** RELAY-33.6 and .7: a cached topic costs the upstream nothing. */
  private void serveFromCache(String topic) {
    CachedEnvelope c = cache.get(topic);
    if (c != null) {
      publish(topic, c);
    } else if (!subscribing) {
      requestFetch(topic, false);
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Shutdown

  private void shutdown() {
    if (leading) {
      leading = false;
      term++;
      unsubscribeUpstream();
    }
    if (subscribeRetry != null) {
      subscribeRetry.cancel();
    }
    ChannelException closedEx = new ChannelException("host coordinator \"" + name
        + "\" was closed");
    for (FetchSlot s : slots.values()) {
      if (s.retry != null) {
        s.retry.cancel();
      }
      s.waiters.forEach(w -> w.result().completeExceptionally(closedEx));
      s.waiters.clear();
    }
    for (List<SnapRequest> list : requests.values()) {
      for (SnapRequest r : list) {
        r.timeout.cancel();
        r.result.completeExceptionally(closedEx);
      }
    }
    requests.clear();
    BroadcastChannel ch = channel;
    channel = null;
    closeResources(ch);
  }

  /** Channel and election closes may wait for a clean handover: never on a caller's thread. */
  private void closeResources(BroadcastChannel ch) {
    for (Subscription s : listeners) {
      s.unsubscribe();
    }
    listeners.clear();
    StateSync.defaultBlockingExecutor().execute(() -> {
      if (ch != null) {
        ch.close();
      }
      election.close();
    });
  }

  private static String quote(String s) {
    if (s == null) {
      return "null";
    }
    return s.length() <= 256 ? s : s.substring(0, 256) + "...";
  }
}
