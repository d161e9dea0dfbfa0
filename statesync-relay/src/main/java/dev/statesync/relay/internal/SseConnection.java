package dev.statesync.relay.internal;

import dev.statesync.core.Cancellable;
import dev.statesync.core.StateSyncException;
import dev.statesync.core.TaskScheduler;
import dev.statesync.core.TimeSource;
import dev.statesync.core.logging.Logger;
import dev.statesync.relay.HttpStatusException;
import dev.statesync.relay.SseFatalResponseException;
import dev.statesync.relay.SseReconnectExhaustedException;
import dev.statesync.relay.sse.SseMessage;
import dev.statesync.relay.sse.SseParser;
import dev.statesync.relay.sse.SseProtocolException;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import java.util.random.RandomGenerator;

/**
 * One reconnecting upstream {@code text/event-stream} connection (RELAY-4, RELAY-5), shared by the
 * SSE coordinator and the invalidation subscriber.
 *
 * <p>Each attempt is a GET sent with {@link HttpClient#sendAsync}; an open stream is read on its
 * own daemon thread {@code statesync-sse-<n>} in 8 KiB reads. At most one attempt or open stream
 * exists at a time. Listener calls of one stream come from its reader thread, in order; failure
 * calls come from the thread that saw the failure, never concurrently with the reader of the same
 * stream, because a retry is scheduled only after {@link Listener#dropped} returned.
 */
public final class SseConnection implements AutoCloseable {
  private static final AtomicInteger THREADS = new AtomicInteger();

  /** Receives what happens on the connection. Implementations must not block for long. */
  public interface Listener {
    /** A stream opened (status 200, event-stream type); called before its first message. */
    void opened();

    /** A message was dispatched on the open stream. */
    void message(SseMessage message);

    /**
     * An attempt failed or an open stream ended. {@code retryInMillis} is the wait before the next
     * attempt, or -1 when the connection gives up (followed by {@link #gaveUp}).
     */
    void dropped(Throwable cause, long retryInMillis);

    /** No more attempts until {@link SseConnection#reconnect()}: exhausted or fatal. */
    void gaveUp(StateSyncException error);
  }

  /**
   * The settings of a connection.
   *
   * @param maxAttempts consecutive failures before giving up; 0 means never
   * @param retryFatal whether a fatal response is retried after {@code maxDelay} instead of ending
   *     the attempts
   * @param idleTimeout a stream silent this long is closed and retried; zero means off
   */
  public record Settings(
      URI uri,
      HttpClient client,
      Map<String, String> headers,
      Supplier<Map<String, String>> headersSupplier,
      Duration initialDelay,
      Duration maxDelay,
      int maxAttempts,
      boolean retryFatal,
      Duration idleTimeout,
      TaskScheduler scheduler,
      TimeSource time,
      RandomGenerator random,
      Logger logger) {
    /** Checks that no required setting is null. */
    public Settings {
      Objects.requireNonNull(uri, "uri");
      Objects.requireNonNull(client, "client");
      Objects.requireNonNull(headers, "headers");
      Objects.requireNonNull(initialDelay, "initialDelay");
      Objects.requireNonNull(maxDelay, "maxDelay");
      Objects.requireNonNull(idleTimeout, "idleTimeout");
      Objects.requireNonNull(scheduler, "scheduler");
      Objects.requireNonNull(time, "time");
      Objects.requireNonNull(random, "random");
      Objects.requireNonNull(logger, "logger");
    }
  }

  private enum State {
    IDLE,
    CONNECTING,
    OPEN,
    WAITING,
    GAVE_UP,
    CLOSED
  }

  private final Settings settings;
  private final Listener listener;
  private final Object lock = new Object();

  private State state = State.IDLE;
  private long generation;
  private int failures;
  private long baseMillis;
  private Cancellable retryTask;
  private Cancellable idleTask;
  private InputStream body;
  private volatile long lastByteNanos;
  private volatile String lastEventId;

  /** Creates an idle connection that resumes from {@code lastEventId} ({@code ""} for none). */
  public SseConnection(Settings settings, String lastEventId, Listener listener) {
    this.settings = Objects.requireNonNull(settings, "settings");
    this.listener = Objects.requireNonNull(listener, "listener");
    this.lastEventId = Objects.requireNonNull(lastEventId, "lastEventId");
    this.baseMillis = settings.initialDelay().toMillis();
  }

  /** Sends the first attempt; does nothing unless the connection is idle. */
  public void start() {
    synchronized (lock) {
      if (state != State.IDLE) {
        return;
      }
    }
    attempt();
  }

  /**
   * Restarts the attempts with a fresh failure count: at once when waiting for a retry or after
   * giving up; does nothing while an attempt is in flight or a stream is open.
   */
  public void reconnect() {
    synchronized (lock) {
      if (state != State.WAITING && state != State.GAVE_UP && state != State.IDLE) {
        return;
      }
      failures = 0;
      if (retryTask != null) {
        retryTask.cancel();
        retryTask = null;
      }
    }
    attempt();
  }

  /** Returns whether a stream is open now. */
  public boolean isOpen() {
    synchronized (lock) {
      return state == State.OPEN;
    }
  }

  /** Returns the last event id seen (or given at creation), {@code ""} when none. */
  public String lastEventId() {
    return lastEventId;
  }

  /** Closes the stream and stops every attempt; idempotent. No listener call begins after it. */
  @Override
  public void close() {
    InputStream toClose;
    synchronized (lock) {
      if (state == State.CLOSED) {
        return;
      }
      state = State.CLOSED;
      generation++;
      cancelTimers();
      toClose = body;
      body = null;
    }
    closeQuietly(toClose);
  }

  private boolean current(long gen) {
    synchronized (lock) {
      return state != State.CLOSED && gen == generation;
    }
  }

  private void attempt() {
    long gen;
    synchronized (lock) {
      if (state == State.CLOSED) {
        return;
      }
      state = State.CONNECTING;
      retryTask = null;
      gen = ++generation;
    }
    try {
      HttpRequest request = buildRequest();
      settings
          .client()
          .sendAsync(request, HttpResponse.BodyHandlers.ofInputStream())
          .whenComplete((response, error) -> onResponse(gen, response, error));
    } catch (RuntimeException e) {
      // A header the JDK refuses (restricted name, bad value): no attempt can succeed.
      fail(gen, e, true, -1);
    }
  }

  private HttpRequest buildRequest() {
    Map<String, String> headers =
        RequestHeaders.merged(settings.headers(), settings.headersSupplier());
    HttpRequest.Builder builder =
        HttpRequest.newBuilder(settings.uri())
            .GET()
            .header("Accept", "text/event-stream")
            .header("Cache-Control", "no-cache");
    if (!settings.idleTimeout().isZero()) {
      builder.timeout(settings.idleTimeout());
    }
    headers.forEach(builder::setHeader);
    String id = lastEventId;
    if (!id.isEmpty()) {
      builder.setHeader("Last-Event-ID", id);
    }
    return builder.build();
  }

  private void onResponse(long gen, HttpResponse<InputStream> response, Throwable error) {
    if (error != null) {
      fail(gen, unwrap(error), false, -1);
      return;
    }
    int status = response.statusCode();
    String type = response.headers().firstValue("Content-Type").orElse("");
    if (status == 200 && type.toLowerCase(Locale.ROOT).startsWith("text/event-stream")) {
      synchronized (lock) {
        if (state == State.CLOSED || gen != generation) {
          closeQuietly(response.body());
          return;
        }
        state = State.OPEN;
        body = response.body();
        failures = 0;
        lastByteNanos = settings.time().nanoTime();
      }
      Thread reader =
          new Thread(() -> read(gen, response.body()), "statesync-sse-" + THREADS.incrementAndGet());
      reader.setDaemon(true);
      reader.start();
      return;
    }
    closeQuietly(response.body());
    if (status == 204 || status == 200) {
      fail(gen, new SseFatalResponseException(settings.uri(), status, type), true, -1);
    } else {
      long retryAfter =
          status == 429 || status == 503 ? retryAfterMillis(response.headers()) : -1;
      fail(gen, new HttpStatusException(settings.uri(), status, ""), false, retryAfter);
    }
  }

  private void read(long gen, InputStream in) {
    safely(listener::opened);
    scheduleIdleCheck(gen, settings.idleTimeout().toMillis());
    SseParser parser =
        SseParser.builder(
                message -> {
                  lastEventId = message.lastEventId();
                  if (current(gen)) {
                    safely(() -> listener.message(message));
                  }
                })
            .onRetry(
                millis -> {
                  synchronized (lock) {
                    baseMillis = millis;
                  }
                })
            .initialLastEventId(lastEventId)
            .build();
    byte[] buffer = new byte[8192];
    Throwable cause;
    try {
      int n;
      while ((n = in.read(buffer)) >= 0) {
        lastByteNanos = settings.time().nanoTime();
        parser.feed(buffer, 0, n);
        lastEventId = parser.lastEventId();
        if (!current(gen)) {
          break;
        }
      }
      parser.end();
      lastEventId = parser.lastEventId();
      cause = new EOFException("SSE stream from " + settings.uri() + " ended");
    } catch (IOException | SseProtocolException e) {
      cause = e;
    }
    closeQuietly(in);
    fail(gen, cause, false, -1);
  }

  private void scheduleIdleCheck(long gen, long delayMillis) {
    if (delayMillis <= 0) {
      return;
    }
    synchronized (lock) {
      if (state != State.OPEN || gen != generation) {
        return;
      }
      idleTask =
          settings.scheduler().schedule(() -> checkIdle(gen), delayMillis, TimeUnit.MILLISECONDS);
    }
  }

  private void checkIdle(long gen) {
    long idleMillis = settings.idleTimeout().toMillis();
    long silent = TimeUnit.NANOSECONDS.toMillis(settings.time().nanoTime() - lastByteNanos);
    if (silent < idleMillis) {
      scheduleIdleCheck(gen, idleMillis - silent);
      return;
    }
    InputStream toClose;
    synchronized (lock) {
      if (state != State.OPEN || gen != generation) {
        return;
      }
      toClose = body;
    }
    settings
        .logger()
        .warn(
            "SSE stream idle, reconnecting",
            Map.of("url", settings.uri().toString(), "idleMs", silent));
    closeQuietly(toClose); // the reader sees an IOException and reports the drop
  }

  private void fail(long gen, Throwable cause, boolean fatal, long retryAfterMillis) {
    long delay;
    StateSyncException giveUp = null;
    synchronized (lock) {
      if (state == State.CLOSED || gen != generation) {
        return;
      }
      body = null;
      cancelTimers();
      failures++;
      if (fatal && !settings.retryFatal()) {
        giveUp =
            cause instanceof StateSyncException s
                ? s
                : new SseFatalResponseException("SSE request to " + settings.uri() + " failed: " + cause);
      } else if (settings.maxAttempts() > 0 && failures >= settings.maxAttempts()) {
        giveUp =
            new SseReconnectExhaustedException(
                "SSE endpoint "
                    + settings.uri()
                    + " failed "
                    + failures
                    + " consecutive times (maxReconnectAttempts "
                    + settings.maxAttempts()
                    + "); last failure: "
                    + cause,
                cause);
      }
      if (giveUp != null) {
        state = State.GAVE_UP;
        delay = -1;
      } else {
        state = State.WAITING;
        long maxMillis = settings.maxDelay().toMillis();
        delay =
            fatal
                ? maxMillis
                : Backoff.delayMillis(
                    failures, baseMillis, maxMillis, retryAfterMillis, settings.random());
      }
    }
    StateSyncException error = giveUp;
    safely(() -> listener.dropped(cause, delay));
    if (error != null) {
      safely(() -> listener.gaveUp(error));
      return;
    }
    synchronized (lock) {
      if (state != State.WAITING || gen != generation) {
        return;
      }
      retryTask = settings.scheduler().schedule(this::attempt, delay, TimeUnit.MILLISECONDS);
    }
  }

  private long retryAfterMillis(HttpHeaders headers) {
    String value = headers.firstValue("Retry-After").orElse("").trim();
    if (value.isEmpty()) {
      return -1;
    }
    try {
      return Math.multiplyExact(Long.parseLong(value), 1000L);
    } catch (NumberFormatException | ArithmeticException e) {
      // Not delta-seconds: an HTTP date.
    }
    try {
      long at = ZonedDateTime.parse(value, DateTimeFormatter.RFC_1123_DATE_TIME).toInstant().toEpochMilli();
      return Math.max(0, at - settings.time().currentTimeMillis());
    } catch (DateTimeParseException e) {
      return -1;
    }
  }

  private void cancelTimers() {
    if (retryTask != null) {
      retryTask.cancel();
      retryTask = null;
    }
    if (idleTask != null) {
      idleTask.cancel();
      idleTask = null;
    }
  }

  private void safely(Runnable call) {
    try {
      call.run();
    } catch (RuntimeException e) {
      settings
          .logger()
          .warn("SSE listener failed", Map.of("url", settings.uri().toString(), "error", e.toString()));
    }
  }

  private static Throwable unwrap(Throwable t) {
    return t instanceof CompletionException && t.getCause() != null ? t.getCause() : t;
  }

  private static void closeQuietly(InputStream in) {
    if (in == null) {
      return;
    }
    try {
      in.close();
    } catch (IOException e) {
      // Closing only cancels the exchange; there is nothing left to report.
    }
  }
}
