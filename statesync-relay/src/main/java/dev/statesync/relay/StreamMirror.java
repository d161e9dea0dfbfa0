package dev.statesync.relay;

import dev.statesync.channel.BroadcastChannel;
import dev.statesync.channel.MemberInfo;
import dev.statesync.channel.MembershipListener;
import dev.statesync.channel.Message;
import dev.statesync.channel.ResyncReason;
import dev.statesync.core.Subscription;
import dev.statesync.relay.internal.SerialExecutor;
import dev.statesync.relay.internal.Wire;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executor;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Predicate;

/**
 * A read-only view, in this process, of the text streams that {@link StreamSource}s broadcast on
 * a channel. It issues no request of its own: it asks the sources for their full state when it
 * joins late or detects a gap, and otherwise applies their deltas.
 *
 * <p><b>What is shown.</b> With {@link Follow#latest()} (the default), of all streams known on
 * the channel the mirror shows the one that started last in the channel's total order, so every
 * such mirror shows the same stream; with {@link Follow#source(String)} it shows that source's
 * latest stream. {@link #streams()} lists them all. With no matching stream it shows
 * {@link StreamState#idle()}.
 *
 * <p><b>Terminal states.</b> A shown stream reaches a terminal state when its source ends it,
 * closes (ABORTED/SOURCE_CLOSED), or when the source's process leaves the channel without ending
 * it (ERROR/SOURCE_LOST, error "source process exited"): a mirror never stays loading after its
 * source is gone.
 *
 * <p><b>Threads.</b> Thread-safe. {@link #onChange} listeners run one at a time, in channel
 * order, on {@link MirrorOptions#executor()} when set, else on the channel's dispatch queue (the
 * {@code ChannelOptions} executor). A listener's exception is logged and affects nothing else.
 *
 * <p><b>Close.</b> {@link #close()} closes the channel instance; after it returns no listener
 * runs and the last state stays readable.
 */
public final class StreamMirror implements AutoCloseable {
  private static final String LOST = "source process exited";

  private final MirrorOptions options;
  private final BroadcastChannel channel;
  private final Map<UUID, Entry> entries = new HashMap<>();
  private final Map<UUID, PendingState> pending = new HashMap<>();
  private final Set<UUID> outstanding = new HashSet<>();
  private final List<Consumer<StreamState>> listeners = new CopyOnWriteArrayList<>();
  private final List<CompletableFuture<StreamState>> terminalWaiters = new ArrayList<>();
  private final CompletableFuture<StreamState> synced = new CompletableFuture<>();
  /** Runs listeners: the options' executor, serialized, or the calling dispatch thread. */
  private final Executor callbacks;
  private final ScheduledFuture<?> retries;
  private Entry shownEntry;
  private long shownVersion = -1;
  private boolean closed;
  private boolean sawStream;
  /** Test seam (package-private, not API): messages it accepts are dropped as if lost. */
  private volatile Predicate<Wire.Msg> lossHook;

  /** Opens a mirror with default options; see {@link #StreamMirror(String, MirrorOptions)}. */
  public StreamMirror(String channelName) {
    this(channelName, MirrorOptions.defaults());
  }

  /**
   * Opens the channel (blocking until joined) and asks every source on it for its state.
   *
   * @throws dev.statesync.channel.ChannelException if the channel cannot be opened
   */
  public StreamMirror(String channelName, MirrorOptions options) {
    Objects.requireNonNull(channelName, "channelName");
    this.options = Objects.requireNonNull(options, "options");
    this.callbacks = options.executor().<Executor>map(e -> new SerialExecutor(e, options.logger()))
        .orElse(Runnable::run);
    this.channel = BroadcastChannel.open(channelName, options.channelOptions());
    channel.subscribe(this::onMessage);
    channel.onResync(this::onResync);
    channel.onMembership(new MembershipListener() {
      @Override
      public void joined(MemberInfo member) {}

      @Override
      public void left(MemberInfo member, boolean clean) {
        onLeft(member.memberId());
      }
    });
    long retryMs = options.stateRequestRetry().toMillis();
    retries = SerialExecutor.timer().scheduleAtFixedRate(this::retryRequests, retryMs, retryMs,
        TimeUnit.MILLISECONDS);
    SerialExecutor.timer().schedule(() -> synced.complete(state()),
        options.stateRequestTimeout().toMillis(), TimeUnit.MILLISECONDS);
    request(null);
  }

  /** The shown stream's state. */
  public synchronized StreamState state() {
    return shownEntry == null ? StreamState.idle() : shownEntry.state();
  }

  /** The shown stream's text. */
  public String text() {
    return state().text();
  }

  /** The shown stream's status. */
  public synchronized StreamStatus status() {
    return shownEntry == null ? StreamStatus.IDLE : shownEntry.status;
  }

  /** True while the shown stream is STREAMING. */
  public boolean loading() {
    return status() == StreamStatus.STREAMING;
  }

  /** True when the shown stream ended normally. */
  public boolean done() {
    return status() == StreamStatus.DONE;
  }

  /** The shown stream's error when its status is ERROR, else null. */
  public synchronized String error() {
    return shownEntry == null ? null : shownEntry.error;
  }

  /** Every known stream, the newest start first. */
  public synchronized List<StreamState> streams() {
    List<Entry> sorted = new ArrayList<>(entries.values());
    sorted.sort(Comparator.comparing((Entry e) -> e.startEpoch)
        .thenComparing(e -> e.startSeq).reversed());
    List<StreamState> out = new ArrayList<>();
    for (Entry e : sorted) {
      out.add(e.state());
    }
    return out;
  }

  /** Adds a listener for every change of the shown state; see the class comment for threads. */
  public Subscription onChange(Consumer<StreamState> listener) {
    Objects.requireNonNull(listener, "listener");
    listeners.add(listener);
    return () -> listeners.remove(listener);
  }

  /**
   * Completes with the shown state once a source announced or answered with a stream, or after
   * {@code stateRequestTimeout} when none did.
   */
  public CompletableFuture<StreamState> awaitSynced() {
    return synced.copy();
  }

  /** Completes with the shown state as soon as it is terminal (at once if it already is). */
  public synchronized CompletableFuture<StreamState> awaitTerminal() {
    CompletableFuture<StreamState> f = new CompletableFuture<>();
    if (status().isTerminal()) {
      f.complete(state());
    } else {
      terminalWaiters.add(f);
    }
    return f;
  }

  /** Closes this mirror when {@code owner} completes, normally or exceptionally. */
  public StreamMirror bindTo(CompletionStage<?> owner) {
    owner.whenComplete((r, e) -> close());
    return this;
  }

  /** Lets tests lose chosen incoming messages, as a lost delivery would (AC-RELAY-19). */
  void loseIncoming(Predicate<Wire.Msg> hook) {
    lossHook = hook;
  }

  /** Closes the channel instance; idempotent. */
  @Override
  public void close() {
    synchronized (this) {
      if (closed) {
        return;
      }
      closed = true;
      retries.cancel(false);
    }
    channel.close();
    listeners.clear();
  }

  private void onMessage(Message m) {
    Wire.Msg msg;
    try {
      msg = Wire.decode(m.payload());
    } catch (IllegalArgumentException e) {
      return;
    }
    if (msg == null) {
      return;
    }
    Predicate<Wire.Msg> hook = lossHook;
    if (hook != null && hook.test(msg)) {
      return;
    }
    synchronized (this) {
      if (closed) {
        return;
      }
      apply(m, msg);
    }
    publish();
  }

  private void apply(Message m, Wire.Msg msg) {
    UUID origin = m.originId();
    Entry e = entries.get(origin);
    if (msg instanceof Wire.Start s) {
      if (e == null || s.stream() > e.number) {
        Entry n = new Entry(origin, m.memberId(), s.src(), s.stream(), s.id());
        n.startEpoch = m.epoch();
        n.startSeq = m.seq();
        put(n);
      }
      sawStream = true;
    } else if (msg instanceof Wire.Delta d) {
      if (e != null && e.number == d.stream() && e.synced) {
        if (d.n() == e.deltas + 1) {
          e.text.append(d.text());
          e.deltas++;
          e.version++;
        } else if (d.n() > e.deltas + 1) {
          unsync(e);
        }
      } else if (e == null || d.stream() > e.number || !e.synced) {
        unsync(e, origin);
      }
    } else if (msg instanceof Wire.End end) {
      if (e != null && e.number == end.stream() && e.synced && e.deltas == end.deltas()) {
        EndReason reason = reason(end.reason(), end.status());
        e.end(reason, reason.status() == StreamStatus.ERROR ? orEmpty(end.error()) : null);
      } else if (e == null || end.stream() >= e.number) {
        unsync(e, origin);
      }
    } else if (msg instanceof Wire.State s) {
      if (s.parts() > 1) {
        pending.put(origin, new PendingState(s, m));
      } else {
        applyState(m, origin, s, s.text());
      }
    } else if (msg instanceof Wire.StatePart p) {
      PendingState ps = pending.get(origin);
      if (ps != null && ps.state.stream() == p.stream() && ps.next == p.part()) {
        ps.text.append(p.text());
        ps.next++;
        if (ps.next > ps.state.parts()) {
          pending.remove(origin);
          applyState(ps.message, origin, ps.state, ps.text.toString());
        }
      }
    } else if (msg instanceof Wire.Closed) {
      if (e != null) {
        e.sourceClosed = true;
        e.version++;
        if (e.status == StreamStatus.STREAMING) {
          e.end(EndReason.SOURCE_CLOSED, null);
        }
      }
      outstanding.remove(origin);
      evict();
    }
  }

  private void applyState(Message m, UUID origin, Wire.State s, String text) {
    outstanding.remove(origin);
    Entry e = entries.get(origin);
    if (e == null || s.stream() > e.number) {
      e = new Entry(origin, m.memberId(), s.src(), s.stream(), s.id());
      e.startEpoch = m.epoch();
      e.startSeq = m.seq();
      put(e);
    } else if (s.stream() < e.number || (e.synced && s.deltas() < e.deltas)) {
      return;
    }
    if (s.startEpoch() != 0 || s.startSeq() != 0) {
      e.startEpoch = s.startEpoch();
      e.startSeq = s.startSeq();
    }
    e.text.replace(text);
    e.deltas = s.deltas();
    StreamStatus status = StreamStatus.valueOf(s.status().toUpperCase(Locale.ROOT));
    if (status.isTerminal()) {
      EndReason reason = reason(s.reason(), s.status());
      e.status = reason.status();
      e.reason = reason;
      e.error = e.status == StreamStatus.ERROR ? orEmpty(s.error()) : null;
    } else {
      e.status = status;
      e.reason = null;
      e.error = null;
    }
    e.synced = true;
    e.version++;
    sawStream = true;
  }

  private static EndReason reason(String reason, String status) {
    if (reason != null) {
      try {
        return EndReason.valueOf(reason);
      } catch (IllegalArgumentException ignored) {
        // An unknown reason from a newer source falls back to the status below.
      }
    }
    switch (status) {
      case "done":
        return EndReason.COMPLETED;
      case "error":
        return EndReason.FAILED;
      default:
        return EndReason.ABORTED;
    }
  }

  private static String orEmpty(String s) {
    return s == null ? "" : s;
  }

  private void put(Entry e) {
    entries.put(e.origin, e);
    evict();
  }

  private void evict() {
    while (entries.size() > options.maxRetainedStreams()) {
      Entry oldest = null;
      for (Entry e : entries.values()) {
        if (e.status.isTerminal() && e.sourceClosed && (oldest == null
            || e.startEpoch < oldest.startEpoch
            || (e.startEpoch == oldest.startEpoch && e.startSeq < oldest.startSeq))) {
          oldest = e;
        }
      }
      if (oldest == null) {
        return;
      }
      entries.remove(oldest.origin);
    }
  }

  private void unsync(Entry e) {
    unsync(e, e.origin);
  }

  private void unsync(Entry e, UUID origin) {
    if (e != null) {
      e.synced = false;
    }
    if (outstanding.add(origin)) {
      request(origin);
    }
  }

  private void request(UUID origin) {
    try {
      channel.post(Wire.encode(new Wire.Request(origin)));
    } catch (RuntimeException ex) {
      // Closed or full: the retry timer or the next resync asks again.
    }
  }

  private void retryRequests() {
    synchronized (this) {
      if (closed) {
        return;
      }
      for (UUID origin : outstanding) {
        Entry e = entries.get(origin);
        if (e == null || !e.sourceClosed) {
          request(origin);
        }
      }
    }
  }

  private void onResync(ResyncReason reason) {
    synchronized (this) {
      if (closed) {
        return;
      }
      for (Entry e : entries.values()) {
        e.synced = false;
        outstanding.add(e.origin);
      }
      pending.clear();
      request(null);
    }
  }

  private void onLeft(UUID memberId) {
    synchronized (this) {
      if (closed) {
        return;
      }
      for (Entry e : entries.values()) {
        if (e.memberId.equals(memberId)) {
          e.sourceClosed = true;
          e.version++;
          outstanding.remove(e.origin);
          if (e.status == StreamStatus.STREAMING) {
            e.end(EndReason.SOURCE_LOST, LOST);
          }
        }
      }
      evict();
    }
    publish();
  }

  /** Fires onChange and terminal waiters when the shown stream or its content changed. */
  private void publish() {
    StreamState fire = null;
    List<CompletableFuture<StreamState>> done = List.of();
    synchronized (this) {
      Entry top = null;
      for (Entry e : entries.values()) {
        if (!options.follow().accepts(e.src)) {
          continue;
        }
        if (top == null || e.startEpoch > top.startEpoch
            || (e.startEpoch == top.startEpoch && e.startSeq > top.startSeq)) {
          top = e;
        }
      }
      long version = top == null ? -1 : top.version;
      if (sawStream && !synced.isDone()) {
        shownEntry = top;
        synced.complete(state());
      }
      if (top == shownEntry && version == shownVersion) {
        return;
      }
      shownEntry = top;
      shownVersion = version;
      if (!listeners.isEmpty()) {
        fire = state();
      }
      if (status().isTerminal() && !terminalWaiters.isEmpty()) {
        done = new ArrayList<>(terminalWaiters);
        terminalWaiters.clear();
      }
    }
    if (!done.isEmpty()) {
      StreamState s = state();
      done.forEach(f -> f.complete(s));
    }
    if (fire != null) {
      StreamState state = fire;
      callbacks.execute(() -> {
        // After close() the list is empty, so a task still queued runs no listener.
        for (Consumer<StreamState> l : listeners) {
          try {
            l.accept(state);
          } catch (RuntimeException ex) {
            options.logger().warn("mirror listener failed",
                Map.of("channel", channel.name(), "error", ex));
          }
        }
      });
    }
  }

  /** One source's latest stream as known here. */
  private static final class Entry {
    final UUID origin;
    final UUID memberId;
    final String src;
    final long number;
    final String id;
    final TextLog text = new TextLog();
    StreamStatus status = StreamStatus.STREAMING;
    EndReason reason;
    String error;
    long deltas;
    long startEpoch;
    long startSeq;
    boolean synced = true;
    boolean sourceClosed;
    long version;
    private StreamState cached;
    private long cachedVersion = -1;

    Entry(UUID origin, UUID memberId, String src, long number, String id) {
      this.origin = origin;
      this.memberId = memberId;
      this.src = src;
      this.number = number;
      this.id = id;
    }

    void end(EndReason r, String message) {
      status = r.status();
      reason = r;
      error = message;
      version++;
    }

    StreamState state() {
      if (cachedVersion != version || cached == null) {
        cached = text.snapshot(src, id, status, error, reason, sourceClosed);
        cachedVersion = version;
      }
      return cached;
    }
  }

  /** A STATE waiting for its STATE_PARTs. */
  private static final class PendingState {
    final Wire.State state;
    final Message message;
    final StringBuilder text;
    int next = 2;

    PendingState(Wire.State state, Message message) {
      this.state = state;
      this.message = message;
      this.text = new StringBuilder(state.text());
    }
  }
}
