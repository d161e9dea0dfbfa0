package dev.statesync.relay;

import dev.statesync.channel.BroadcastChannel;
import dev.statesync.channel.ChannelOptions;
import dev.statesync.channel.ChannelStats;
import dev.statesync.channel.ChannelStatus;
import dev.statesync.channel.Message;
import dev.statesync.channel.PostReceipt;
import dev.statesync.channel.ResyncReason;
import dev.statesync.core.Cancellable;
import dev.statesync.core.Subscription;
import dev.statesync.core.logging.Logger;
import dev.statesync.relay.internal.BodyReader;
import dev.statesync.relay.internal.RelayLoggers;
import dev.statesync.relay.internal.SerialExecutor;
import dev.statesync.relay.internal.TextSanitizer;
import dev.statesync.relay.internal.Wire;
import dev.statesync.relay.sse.SseParser;
import java.io.IOException;
import java.io.InputStream;
import java.net.http.HttpResponse;
import java.nio.charset.Charset;
import java.nio.charset.IllegalCharsetNameException;
import java.nio.charset.StandardCharsets;
import java.nio.charset.UnsupportedCharsetException;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Flow;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * Owns one live text stream at a time and, once {@link #broadcast(String) broadcasting}, mirrors
 * it to every {@link StreamMirror} on the same channel name, in this and in other processes of
 * the host.
 *
 * <p>A stream is fed by hand ({@link #start()}, {@link #append}, {@link #complete()},
 * {@link #fail(String)}, {@link #abort()}) or from a {@link Flow.Publisher} ({@link #feed}).
 * Mutations are serialized; each one produces exactly one new {@link StreamState}. Text is
 * sanitized so that the source and every mirror hold identical, well-formed text: a chunk that
 * ends inside a surrogate pair keeps the high surrogate back for the next chunk.
 *
 * <p><b>Threads.</b> Thread-safe. {@link #onChange} listeners run one at a time, in mutation
 * order, on the executor given at construction (by default a shared daemon pool), never on the
 * mutating thread. A listener's exception is logged and affects nothing else.
 *
 * <p><b>Close.</b> {@link #close()} aborts a running stream (ABORTED/SOURCE_CLOSED), tells the
 * mirrors that the source closed and closes the channel. Afterwards no listener is called,
 * {@link #start()} and {@link #append} throw {@link IllegalStateException}, and the last state
 * stays readable.
 */
public final class StreamSource implements AutoCloseable {
  private static final int DELTA_OVERHEAD = 24;
  private static final long RECOVERY_DELAY_MS = 100;
  private static final int ERROR_BODY_CHARS = 512;

  private final SourceOptions options;
  private final String sourceId;
  private final Logger logger;
  private final SerialExecutor callbacks;
  private final List<Consumer<StreamState>> listeners = new CopyOnWriteArrayList<>();

  private TextLog text = new TextLog();
  private StreamStatus status = StreamStatus.IDLE;
  private String streamId = "";
  private String error;
  private EndReason endReason;
  private boolean closed;
  private long streamNumber;
  private long deltas;
  private TextSanitizer sanitizer = new TextSanitizer();
  private StreamState cached = StreamState.idle();
  private Runnable cancelFeed;
  private CompletableFuture<StreamState> feedResult;
  private Broadcast broadcast;

  /** Creates a source with {@link SourceOptions#defaults()}: a random source id. */
  public StreamSource() {
    this(SourceOptions.defaults());
  }

  /**
   * Creates a source with the given options.
   *
   * @throws NullPointerException if {@code options} is null
   */
  public StreamSource(SourceOptions options) {
    this.options = Objects.requireNonNull(options, "options");
    this.sourceId = options.sourceId();
    this.logger = options.logger();
    this.callbacks = new SerialExecutor(options.executor(), logger);
  }

  /** This source's id. */
  public String sourceId() {
    return sourceId;
  }

  /**
   * Starts a new stream with id {@code sourceId + "-" + n}; a running stream first ends
   * ABORTED/SUPERSEDED.
   *
   * @return the new stream id
   * @throws IllegalStateException if the source is closed
   */
  public String start() {
    synchronized (this) {
      return start(sourceId + "-" + (streamNumber + 1));
    }
  }

  /**
   * Starts a new stream with the given id; a running stream first ends ABORTED/SUPERSEDED.
   *
   * @return {@code streamId}
   * @throws IllegalStateException if the source is closed
   * @throws IllegalArgumentException if {@code streamId} is empty
   */
  public synchronized String start(String streamId) {
    Objects.requireNonNull(streamId, "streamId");
    if (streamId.isEmpty()) {
      throw new IllegalArgumentException("streamId must not be empty");
    }
    if (closed) {
      throw new IllegalStateException("source " + sourceId + " is closed");
    }
    end(EndReason.SUPERSEDED, null);
    streamNumber++;
    this.streamId = streamId;
    text = new TextLog();
    sanitizer = new TextSanitizer();
    deltas = 0;
    status = StreamStatus.STREAMING;
    error = null;
    endReason = null;
    changed();
    if (broadcast != null) {
      broadcast.postStart();
    }
    return streamId;
  }

  /**
   * Appends {@code chunk} to the running stream; an empty chunk does nothing.
   *
   * @throws IllegalStateException if no stream is STREAMING
   * @throws StreamLimitException if the text would exceed {@link SourceOptions#maxTextChars()};
   *     the chunk is then not appended and the stream keeps streaming
   */
  public synchronized void append(String chunk) {
    Objects.requireNonNull(chunk, "chunk");
    if (status != StreamStatus.STREAMING) {
      throw new IllegalStateException("cannot append: stream status is " + status);
    }
    long length = (long) text.length() + sanitizer.heldChars() + chunk.length();
    if (length > options.maxTextChars()) {
      throw new StreamLimitException("stream " + streamId + " would hold " + length
          + " chars, more than maxTextChars (" + options.maxTextChars() + ")");
    }
    appendSanitized(sanitizer.accept(chunk));
  }

  private void appendSanitized(String clean) {
    if (clean.isEmpty()) {
      return;
    }
    text.append(clean);
    if (broadcast != null) {
      broadcast.queueDelta(clean);
    } else {
      deltas += Wire.splitUtf8(clean, Integer.MAX_VALUE).size();
    }
    changed();
  }

  /** Ends the running stream normally; returns false if none was STREAMING. */
  public synchronized boolean complete() {
    return end(EndReason.COMPLETED, null);
  }

  /** Fails the running stream with {@code message}; returns false if none was STREAMING. */
  public synchronized boolean fail(String message) {
    return end(EndReason.FAILED, message == null ? "unknown error" : message);
  }

  /**
   * Fails the running stream with the error's message, or its class name when it has none;
   * returns false if none was STREAMING.
   */
  public boolean fail(Throwable error) {
    String message = error.getMessage() == null ? error.getClass().getName() : error.getMessage();
    return fail(message);
  }

  /** Aborts the running stream and cancels its feed; returns false if none was STREAMING. */
  public synchronized boolean abort() {
    return end(EndReason.ABORTED, null);
  }

  /**
   * Starts a new stream fed from {@code publisher}: each item is appended, completion completes
   * the stream and an error fails it. The source requests 256 items, then 128 more after every
   * 128. {@link #abort()}, {@link #close()} or a new stream cancels the subscription.
   *
   * @return a future completing with the stream's terminal state
   * @throws IllegalStateException if the source is closed
   */
  public CompletableFuture<StreamState> feed(Flow.Publisher<String> publisher) {
    Objects.requireNonNull(publisher, "publisher");
    CompletableFuture<StreamState> result = new CompletableFuture<>();
    long number;
    synchronized (this) {
      start();
      number = streamNumber;
      feedResult = result;
    }
    publisher.subscribe(new Flow.Subscriber<>() {
      private Flow.Subscription subscription;
      private int sinceRequest;

      @Override
      public void onSubscribe(Flow.Subscription s) {
        synchronized (StreamSource.this) {
          if (!current()) {
            s.cancel();
            return;
          }
          subscription = s;
          cancelFeed = s::cancel;
        }
        s.request(256);
      }

      @Override
      public void onNext(String item) {
        synchronized (StreamSource.this) {
          if (!current()) {
            return;
          }
          try {
            append(item);
          } catch (StreamLimitException e) {
            fail(e);
            return;
          }
        }
        if (++sinceRequest == 128) {
          sinceRequest = 0;
          subscription.request(128);
        }
      }

      @Override
      public void onError(Throwable t) {
        synchronized (StreamSource.this) {
          if (current()) {
            fail(t);
          }
        }
      }

      @Override
      public void onComplete() {
        synchronized (StreamSource.this) {
          if (current()) {
            complete();
          }
        }
      }

      private boolean current() {
        return streamNumber == number && status == StreamStatus.STREAMING;
      }
    });
    return result;
  }

  /**
   * Starts a new stream fed from {@code in}, read on a daemon thread in 8 KiB reads and decoded
   * as {@code format} says: plain text, or an event stream mapped by its {@link SseTextMapping}.
   * EOF completes the stream (unless the mapping requires a done event); an {@link IOException},
   * or an event larger than the parser's limit, fails it with the exception's message. {@link #abort()}, {@link #close()} or a new stream closes {@code in},
   * which unblocks the reader, and nothing more is appended. The stream is closed when the
   * reading ends.
   *
   * @return a future completing with the stream's terminal state
   * @throws IllegalStateException if the source is closed
   */
  public CompletableFuture<StreamState> feed(InputStream in, StreamFormat format) {
    Objects.requireNonNull(in, "in");
    Objects.requireNonNull(format, "format");
    return feedBody(in, sink -> read(in, format, sink));
  }

  private static void read(InputStream in, StreamFormat format, FeedSink sink)
      throws IOException {
    if (format.isSse()) {
      readSse(in, format.sseMapping(), sink);
    } else {
      new BodyReader(format.charset()).readAll(in, sink::append);
    }
  }

  /** Parses an event stream and maps its events to appends and terminal transitions. */
  private static void readSse(InputStream in, SseTextMapping mapping, FeedSink sink)
      throws IOException {
    boolean[] stop = {false};
    SseParser parser = new SseParser(m -> {
      if (stop[0]) {
        return;
      }
      if (mapping.textEvents().contains(m.type())) {
        if (m.data().equals(mapping.doneSentinel())) {
          sink.complete();
          stop[0] = true;
          return;
        }
        String text;
        try {
          text = mapping.textExtractor().apply(m.data());
        } catch (RuntimeException e) {
          sink.fail("textExtractor failed on a \"" + RelayLoggers.quote(m.type()) + "\" event: "
              + (e.getMessage() == null ? e.getClass().getName() : e.getMessage()));
          stop[0] = true;
          return;
        }
        if (text != null && !sink.append(text)) {
          stop[0] = true;
        }
      } else if (mapping.doneEvents().contains(m.type())) {
        sink.complete();
        stop[0] = true;
      } else if (mapping.errorEvents().contains(m.type())) {
        sink.fail(m.data());
        stop[0] = true;
      }
    });
    byte[] buf = new byte[BodyReader.READ_BYTES];
    while (!stop[0]) {
      int n = in.read(buf);
      if (n < 0) {
        parser.end();
        if (!stop[0] && mapping.requireDoneEvent()) {
          sink.fail("stream ended without done event");
        }
        return;
      }
      parser.feed(buf, 0, n);
    }
  }

  /**
   * Starts a new stream fed from an HTTP response body, as returned by
   * {@code HttpClient.send(request, BodyHandlers.ofInputStream())}. A status outside 2xx fails
   * the stream with {@code "HTTP <status>: <first 512 chars of the body>"}. Otherwise a
   * {@code Content-Type} starting with {@code text/event-stream} (in any case) is read as
   * {@link StreamFormat#sse()}, and any other body as {@link StreamFormat#plainText(Charset)} in
   * the charset of the {@code Content-Type} (UTF-8 if it names none); an unknown charset fails
   * the stream with a message naming it.
   *
   * @return a future completing with the stream's terminal state
   * @throws IllegalStateException if the source is closed
   * @see #feed(InputStream, StreamFormat)
   */
  public CompletableFuture<StreamState> feed(HttpResponse<InputStream> response) {
    Objects.requireNonNull(response, "response");
    InputStream in = Objects.requireNonNull(response.body(), "response.body()");
    int code = response.statusCode();
    String contentType = response.headers().firstValue("Content-Type").orElse("");
    return feedBody(in, sink -> {
      if (code < 200 || code > 299) {
        String body = new BodyReader(charsetOf(contentType, StandardCharsets.UTF_8))
            .readPrefix(in, ERROR_BODY_CHARS);
        sink.fail("HTTP " + code + ": " + body);
        return;
      }
      if (contentType.trim().toLowerCase(Locale.ROOT).startsWith("text/event-stream")) {
        readSse(in, SseTextMapping.defaults(), sink);
        return;
      }
      Charset charset = charsetOf(contentType, null);
      if (charset == null) {
        sink.fail("unsupported charset in Content-Type \"" + RelayLoggers.quote(contentType)
            + "\"; the body was not read");
        return;
      }
      new BodyReader(charset).readAll(in, sink::append);
    });
  }

  /**
   * The charset named by a Content-Type's {@code charset} parameter, UTF-8 when there is none,
   * or {@code unknown} when it names one this JVM does not support.
   */
  private static Charset charsetOf(String contentType, Charset unknown) {
    for (String param : contentType.split(";")) {
      String p = param.trim();
      int eq = p.indexOf('=');
      if (eq > 0 && p.substring(0, eq).trim().toLowerCase(Locale.ROOT).equals("charset")) {
        String name = p.substring(eq + 1).trim();
        if (name.length() >= 2 && name.startsWith("\"") && name.endsWith("\"")) {
          name = name.substring(1, name.length() - 1);
        }
        try {
          return Charset.forName(name);
        } catch (IllegalCharsetNameException | UnsupportedCharsetException e) {
          return unknown;
        }
      }
    }
    return StandardCharsets.UTF_8;
  }

  /** Reads a body for one stream; see {@link FeedSink}. */
  @FunctionalInterface
  private interface BodyFeed {
    void read(FeedSink sink) throws IOException;
  }

  /** Starts a stream and runs {@code body} on a daemon thread, ending the stream as it ends. */
  private CompletableFuture<StreamState> feedBody(InputStream in, BodyFeed body) {
    CompletableFuture<StreamState> result = new CompletableFuture<>();
    FeedSink sink;
    synchronized (this) {
      start();
      sink = new FeedSink(streamNumber, in);
      feedResult = result;
      // Closing may block on some streams, so it runs off the source lock.
      cancelFeed = () -> SerialExecutor.blockingPool().execute(sink::closeQuietly);
    }
    SerialExecutor.blockingPool().execute(() -> {
      try {
        body.read(sink);
        sink.complete();
      } catch (IOException | RuntimeException e) {
        sink.fail(e.getMessage() == null ? e.getClass().getName() : e.getMessage());
      } finally {
        sink.closeQuietly();
      }
    });
    return result;
  }

  /** Where a body reader puts its text; every call is a no-op once the stream is not current. */
  private final class FeedSink {
    private final long number;
    private final InputStream in;

    FeedSink(long number, InputStream in) {
      this.number = number;
      this.in = in;
    }

    boolean append(String chunk) {
      synchronized (StreamSource.this) {
        if (!current()) {
          return false;
        }
        try {
          StreamSource.this.append(chunk);
          return true;
        } catch (StreamLimitException e) {
          StreamSource.this.fail(e);
          return false;
        }
      }
    }

    void complete() {
      synchronized (StreamSource.this) {
        if (current()) {
          StreamSource.this.complete();
        }
      }
    }

    void fail(String message) {
      synchronized (StreamSource.this) {
        if (current()) {
          StreamSource.this.fail(message);
        }
      }
    }

    private boolean current() {
      return streamNumber == number && status == StreamStatus.STREAMING;
    }

    void closeQuietly() {
      try {
        in.close();
      } catch (IOException | RuntimeException e) {
        // The stream is being abandoned; a failing close changes nothing for it.
      }
    }
  }

  /**
   * Broadcasts this source on the channel {@code channelName} with default channel options.
   *
   * @see #broadcast(String, ChannelOptions)
   */
  public BroadcastHandle broadcast(String channelName) {
    return broadcast(channelName, ChannelOptions.defaults());
  }

  /**
   * Opens the channel (blocking until joined) and broadcasts this source on it: the current
   * stream, if any, is announced at once, and every later mutation is posted as it happens. A
   * previous broadcast of this source is closed first.
   *
   * @throws IllegalStateException if the source is closed
   * @throws dev.statesync.channel.ChannelException if the channel cannot be opened
   */
  public BroadcastHandle broadcast(String channelName, ChannelOptions options) {
    Objects.requireNonNull(channelName, "channelName");
    Objects.requireNonNull(options, "options");
    synchronized (this) {
      if (closed) {
        throw new IllegalStateException("source " + sourceId + " is closed");
      }
      if (broadcast != null) {
        broadcast.close();
      }
    }
    BroadcastChannel channel = BroadcastChannel.open(channelName, options);
    synchronized (this) {
      if (closed) {
        channel.close();
        throw new IllegalStateException("source " + sourceId + " is closed");
      }
      broadcast = new Broadcast(channel, options.maxMessageBytes());
      broadcast.attach();
      return broadcast;
    }
  }

  /** The current state; cheap to call repeatedly while nothing changes. */
  public synchronized StreamState state() {
    if (cached == null) {
      cached = text.snapshot(streamNumber == 0 ? "" : sourceId, streamId, status, error,
          endReason, closed);
    }
    return cached;
  }

  /** The text of the current stream. */
  public String text() {
    return state().text();
  }

  /** The status of the current stream. */
  public synchronized StreamStatus status() {
    return status;
  }

  /** True while a stream is STREAMING. */
  public boolean loading() {
    return status() == StreamStatus.STREAMING;
  }

  /** True when the current stream ended normally. */
  public boolean done() {
    return status() == StreamStatus.DONE;
  }

  /** The error message when the status is ERROR, else null. */
  public synchronized String error() {
    return error;
  }

  /**
   * Adds a listener for every new state, run serialized on this source's executor in mutation
   * order. Building each state copies the text, so a listener on a very long stream costs a copy
   * per chunk.
   */
  public Subscription onChange(Consumer<StreamState> listener) {
    Objects.requireNonNull(listener, "listener");
    listeners.add(listener);
    return () -> listeners.remove(listener);
  }

  /**
   * Aborts a running stream (ABORTED/SOURCE_CLOSED), tells mirrors the source closed, and closes
   * the channel. Idempotent.
   */
  @Override
  public void close() {
    synchronized (this) {
      if (closed) {
        return;
      }
      end(EndReason.SOURCE_CLOSED, null);
      closed = true;
      cached = null;
      if (broadcast != null) {
        broadcast.close();
      }
    }
    listeners.clear();
  }

  private boolean end(EndReason reason, String message) {
    if (status != StreamStatus.STREAMING) {
      return false;
    }
    String tail = sanitizer.finish();
    if (!tail.isEmpty()) {
      appendSanitized(tail);
    }
    status = reason.status();
    endReason = reason;
    error = message;
    if (cancelFeed != null) {
      cancelFeed.run();
      cancelFeed = null;
    }
    changed();
    if (broadcast != null) {
      broadcast.postEnd();
    }
    if (feedResult != null) {
      feedResult.complete(state());
      feedResult = null;
    }
    return true;
  }

  private void changed() {
    cached = null;
    if (listeners.isEmpty() || closed) {
      return;
    }
    StreamState s = state();
    callbacks.execute(() -> {
      for (Consumer<StreamState> l : listeners) {
        try {
          l.accept(s);
        } catch (RuntimeException e) {
          logger.warn("stream listener failed", Map.of("sourceId", sourceId, "error", e));
        }
      }
    });
  }

  private Wire.State stateMessage(String part, int parts, long[] start) {
    return new Wire.State(sourceId, streamNumber, streamId, status.name().toLowerCase(),
        endReason == null ? null : endReason.name(), error, part, deltas, start[0], start[1],
        parts);
  }

  /** The channel side of a source; every method runs under the source's lock. */
  private final class Broadcast implements BroadcastHandle {
    private final BroadcastChannel channel;
    private final int maxBytes;
    private final long[] startPosition = new long[2];
    private final long mergeNanos = options.maxDeltaDelay().toNanos();
    private final StringBuilder pending = new StringBuilder();
    private int pendingBytes;
    private Cancellable flushTask;
    private long startStream;
    private boolean failed;
    private boolean closedHandle;
    private Subscription messages;
    private Subscription resyncs;

    Broadcast(BroadcastChannel channel, int maxBytes) {
      this.channel = channel;
      this.maxBytes = maxBytes;
    }

    @Override
    public String channelName() {
      return channel.name();
    }

    @Override
    public ChannelStats stats() {
      return channel.stats();
    }

    void attach() {
      messages = channel.subscribe(this::onMessage);
      resyncs = channel.onResync(this::onResync);
      if (status != StreamStatus.IDLE) {
        postStart();
        postState();
      }
    }

    void postStart() {
      long number = streamNumber;
      post(Wire.encode(new Wire.Start(sourceId, number, streamId))).thenAcceptAsync(r -> {
        synchronized (StreamSource.this) {
          if (streamNumber == number) {
            startStream = number;
            startPosition[0] = r.epoch();
            startPosition[1] = r.seq();
          }
        }
      }, SerialExecutor.blockingPool());
    }

    /** Posts {@code clean} as DELTAs now, or merges it into the pending window (RELAY-12.2). */
    void queueDelta(String clean) {
      if (mergeNanos == 0) {
        postDeltas(clean);
        return;
      }
      pending.append(clean);
      pendingBytes += Wire.utf8Length(clean);
      if (pendingBytes >= options.maxDeltaBytes()) {
        flush();
      } else if (flushTask == null) {
        long number = streamNumber;
        flushTask = options.scheduler().schedule(() -> {
          synchronized (StreamSource.this) {
            if (streamNumber == number && !closedHandle) {
              flushTask = null;
              flush();
            }
          }
        }, mergeNanos, TimeUnit.NANOSECONDS);
      }
    }

    /** Posts the merged text, if any; called before anything that must follow it on the wire. */
    void flush() {
      if (flushTask != null) {
        flushTask.cancel();
        flushTask = null;
      }
      if (pending.length() > 0) {
        String merged = pending.toString();
        pending.setLength(0);
        pendingBytes = 0;
        postDeltas(merged);
      }
    }

    private void postDeltas(String clean) {
      int limit = Math.min(options.maxDeltaBytes(), maxBytes - DELTA_OVERHEAD);
      for (String piece : Wire.splitUtf8(clean, limit)) {
        deltas++;
        if (!failed) {
          post(Wire.encode(new Wire.Delta(streamNumber, deltas, piece)));
        }
      }
    }

    void postEnd() {
      flush();
      if (!failed) {
        post(Wire.encode(new Wire.End(streamNumber, status.name().toLowerCase(),
            endReason.name(), error, deltas)));
      }
    }

    void postState() {
      if (status == StreamStatus.IDLE || closedHandle) {
        return;
      }
      flush();
      // JSON may escape a char to six bytes; keep the STATE and each part well under the limit.
      int budget = Math.max(256, (maxBytes - 1024) / 6);
      List<String> pieces = Wire.splitUtf8(text.toString(), budget);
      long[] start = startStream == streamNumber ? startPosition : new long[2];
      post(Wire.encode(stateMessage(pieces.get(0), pieces.size(), start)));
      for (int i = 1; i < pieces.size(); i++) {
        post(Wire.encode(new Wire.StatePart(streamNumber, i + 1, pieces.get(i))));
      }
    }

    private CompletableFuture<PostReceipt> post(byte[] bytes) {
      try {
        CompletableFuture<PostReceipt> f = channel.post(bytes);
        // The receipt may complete on a library I/O thread, which must not wait for our lock.
        f.whenCompleteAsync((r, e) -> {
          if (e != null) {
            synchronized (StreamSource.this) {
              postFailed();
            }
          }
        }, SerialExecutor.blockingPool());
        return f;
      } catch (RuntimeException e) {
        postFailed();
        return CompletableFuture.failedFuture(e);
      }
    }

    /** RELAY-12.7: stop posting deltas, and repost the full state once the channel is back. */
    private void postFailed() {
      if (failed || closedHandle) {
        return;
      }
      failed = true;
      scheduleRecovery();
    }

    private void scheduleRecovery() {
      options.scheduler().schedule(() -> {
        synchronized (StreamSource.this) {
          if (closedHandle) {
            return;
          }
          ChannelStatus s = channel.status();
          if (s == ChannelStatus.HUB || s == ChannelStatus.FOLLOWER) {
            failed = false;
            postState();
          } else {
            scheduleRecovery();
          }
        }
      }, RECOVERY_DELAY_MS, TimeUnit.MILLISECONDS);
    }

    private void onMessage(Message m) {
      Wire.Msg msg;
      try {
        msg = Wire.decode(m.payload());
      } catch (IllegalArgumentException e) {
        return;
      }
      if (msg instanceof Wire.Request r
          && (r.origin() == null || r.origin().equals(channel.instanceId()))) {
        synchronized (StreamSource.this) {
          if (!failed) {
            postState();
          }
        }
      }
    }

    private void onResync(ResyncReason reason) {
      synchronized (StreamSource.this) {
        if (!failed) {
          postState();
        }
      }
    }

    @Override
    public void close() {
      synchronized (StreamSource.this) {
        if (closedHandle) {
          return;
        }
        flush();
        try {
          channel.post(Wire.encode(new Wire.Closed(sourceId)));
        } catch (RuntimeException e) {
          // The channel is already closed or full; mirrors learn of the exit from membership.
        }
        closedHandle = true;
        messages.unsubscribe();
        resyncs.unsubscribe();
        if (broadcast == this) {
          broadcast = null;
        }
      }
      channel.close();
    }
  }
}
