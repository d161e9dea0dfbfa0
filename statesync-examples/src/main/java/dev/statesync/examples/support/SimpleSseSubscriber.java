package dev.statesync.examples.support;

import dev.statesync.core.InvalidationSink;
import dev.statesync.core.InvalidationSubscriber;
import dev.statesync.core.Subscription;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * A small SSE subscriber for the examples, used until the library's {@code
 * SseInvalidationSubscriber} (statesync-relay) is available: one connection per
 * {@code subscribe}, the {@code data} of each {@code invalidation} event handed to the sink, and
 * after every reconnect a {@code resync()} so the engine catches up on what it may have missed.
 */
public final class SimpleSseSubscriber implements InvalidationSubscriber {
  private final HttpClient http = HttpClient.newHttpClient();
  private final URI uri;

  /** @param uri the backend's {@code /events} URI */
  public SimpleSseSubscriber(URI uri) {
    this.uri = uri;
  }

  @Override
  public CompletionStage<Subscription> subscribe(InvalidationSink sink) {
    Connection c = new Connection(sink);
    Thread t = new Thread(c::run, "sse-" + uri.getPort());
    t.setDaemon(true);
    t.start();
    return c.opened;
  }

  private final class Connection {
    final InvalidationSink sink;
    final CompletableFuture<Subscription> opened = new CompletableFuture<>();
    final CountDownLatch cancelled = new CountDownLatch(1);
    volatile InputStream body;

    Connection(InvalidationSink sink) {
      this.sink = sink;
    }

    void run() {
      long backoffMs = 100;
      while (cancelled.getCount() > 0) {
        try {
          HttpResponse<InputStream> r = http.send(HttpRequest.newBuilder(uri)
              .header("Accept", "text/event-stream").GET().build(),
              HttpResponse.BodyHandlers.ofInputStream());
          if (r.statusCode() != 200) {
            r.body().close();
            throw new IOException("GET " + uri + " answered " + r.statusCode());
          }
          body = r.body();
          if (!opened.complete(this::cancel)) {
            sink.resync(); // a reconnect: events may have been missed
          }
          backoffMs = 100;
          read(r.body());
        } catch (IOException e) {
          if (opened.completeExceptionally(e)) {
            return;
          }
        } catch (InterruptedException e) {
          return;
        }
        try {
          // Reconnect pacing, not synchronisation: wait out the backoff unless cancelled.
          if (cancelled.await(backoffMs, TimeUnit.MILLISECONDS)) {
            return;
          }
        } catch (InterruptedException e) {
          return;
        }
        backoffMs = Math.min(backoffMs * 2, Duration.ofSeconds(2).toMillis());
      }
    }

    void read(InputStream in) throws IOException {
      BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
      String type = "message";
      StringBuilder data = new StringBuilder();
      String line;
      while ((line = r.readLine()) != null) {
        if (line.isEmpty()) {
          if (data.length() > 0 && (type.equals("invalidation") || type.equals("message"))) {
            sink.acceptJson(data.toString());
          }
          type = "message";
          data.setLength(0);
        } else if (line.startsWith("event:")) {
          type = line.substring(6).strip();
        } else if (line.startsWith("data:")) {
          if (data.length() > 0) {
            data.append('\n');
          }
          data.append(line.substring(5).strip());
        }
      }
    }

    void cancel() {
      cancelled.countDown();
      InputStream b = body;
      if (b != null) {
        try {
          b.close();
        } catch (IOException ignored) {
          // Closing is best effort; the reader thread ends on the next read either way.
        }
      }
    }
  }
}
