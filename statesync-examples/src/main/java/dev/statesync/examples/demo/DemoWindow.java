package dev.statesync.examples.demo;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.statesync.core.ApplyOrigin;
import dev.statesync.core.InvalidationSink;
import dev.statesync.core.InvalidationSubscriber;
import dev.statesync.core.Revision;
import dev.statesync.core.RevisionSyncHandle;
import dev.statesync.core.RevisionSyncOptions;
import dev.statesync.core.SnapshotEnvelope;
import dev.statesync.core.StateSync;
import dev.statesync.core.SyncStats;
import dev.statesync.core.ThrottlingOptions;
import dev.statesync.core.apply.StateHolder;
import dev.statesync.core.logging.Logger;
import dev.statesync.core.logging.Loggers;
import dev.statesync.examples.support.MutableLogger;
import dev.statesync.examples.support.Reports;
import dev.statesync.examples.support.Settings;
import dev.statesync.examples.support.SettingsBackend;
import dev.statesync.examples.support.SettingsClient;
import dev.statesync.persistence.LoadResult;
import dev.statesync.persistence.Persistence;
import dev.statesync.persistence.PersistenceApplier;
import dev.statesync.persistence.PersistenceOptions;
import dev.statesync.persistence.file.FileStorageBackend;
import dev.statesync.persistence.peer.CrossProcessOptions;
import dev.statesync.relay.HttpSnapshotProvider;
import dev.statesync.relay.SseCoordinator;
import dev.statesync.relay.SseOptions;
import dev.statesync.relay.StreamMirror;
import dev.statesync.relay.StreamSource;
import dev.statesync.relay.StreamState;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.lang.management.ManagementFactory;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;

/**
 * One "window" of the main demo, in its own JVM: a revision sync handle on the backend's topic
 * with the tagged console logger, file-backed persistence with cross-process save sync, a seat in
 * the host's SSE coordinator, and (for {@code main} and {@code reader}) the live text stream.
 *
 * <p>The window's invalidations come from the host's {@link SseCoordinator}: only the leader
 * process holds the SSE connection and relays its events over the host channel; when it dies,
 * the next window leads within milliseconds, reconnects with {@code Last-Event-ID}, and every
 * window fetches once to catch up.
 *
 * <p>Arguments: {@code windowId settingsUri eventsUri storageDir}. The runtime directory of the
 * host channel comes from {@code -Dstatesync.runtimeDir}. Commands arrive on stdin as
 * {@code <n> <verb> [args]}; each is answered with a report {@code @ {"re":n,...}}. The window
 * also reports {@code hydrated}, {@code ready}, {@code leader} and {@code streamDone} on its own.
 * It quits on {@code quit} or when stdin closes (its parent is gone).
 */
public final class DemoWindow {
  static final String STREAM_CHANNEL = "demo-stream";
  static final String SSE_CHANNEL = "demo-sse";
  static final String SAVE_SYNC_CHANNEL = "demo-settings";

  private final String id;
  private final Reports reports = new Reports(System.out);
  private final MutableLogger console = new MutableLogger(System.out);
  private final Logger log;
  private final StateHolder<Settings> shown = StateHolder.create();
  private final SettingsClient client;
  private final PersistenceApplier<Settings> persistence;
  private final RevisionSyncHandle<Settings> sync;
  private final ScheduledExecutorService producer =
      Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "producer");
        t.setDaemon(true);
        return t;
      });
  private final SseCoordinator coordinator = new SseCoordinator();
  private final URI eventsUri;
  private volatile InvalidationSink sink;
  private volatile boolean leading;
  private StreamSource source;
  private StreamMirror mirror;
  private StreamState lastShown;

  private DemoWindow(String id, URI settingsUri, URI eventsUri, Path storageDir) {
    this.id = id;
    this.eventsUri = eventsUri;
    this.log = Loggers.tagLogger(console, Map.of("windowId", id));
    this.client = new SettingsClient(settingsUri, id);
    persistence = Persistence.createPersistenceApplier(PersistenceOptions.<Settings>builder()
        .storage(FileStorageBackend.builder(storageDir).build()).ownsStorage(true)
        .key(SettingsBackend.TOPIC)
        .applier(shown.applier())
        .dataType(Settings.class)
        .crossProcessSync(CrossProcessOptions.builder().channelName(SAVE_SYNC_CHANNEL).build())
        .logger(log)
        .build());
    sync = StateSync.createRevisionSync(RevisionSyncOptions.<Settings>builder()
        .topic(SettingsBackend.TOPIC)
        .sourceId(id)
        .ignoreOwnEvents(true) // safe: this window offers the response of every write it makes
        .subscriber(hostSubscriber())
        .provider(HttpSnapshotProvider.builder(settingsUri, Settings.class).build())
        // A burst of events becomes one fetch 30 ms after the last, or every 300 ms at least.
        .throttling(ThrottlingOptions.builder().debounceMs(30).maxWaitMs(300).build())
        .applier(persistence)
        .logger(log)
        .build());
    persistence.attach(sync);
  }

  /** Runs one window; see the class comment for the arguments. */
  public static void main(String[] args) throws IOException {
    if (args.length != 4) {
      System.err.println("usage: DemoWindow windowId settingsUri eventsUri storageDir");
      System.exit(2);
    }
    DemoWindow w = new DemoWindow(args[0], URI.create(args[1]), URI.create(args[2]),
        Path.of(args[3]));
    int code = 0;
    try {
      w.open();
      w.serve();
    } catch (RuntimeException e) {
      w.reports.send(w.reports.of("error").put("message", String.valueOf(e)));
      code = 1;
    } finally {
      w.close();
    }
    System.exit(code);
  }

  private void open() {
    // The host's one SSE connection: the first window to connect leads and holds it; the
    // others receive its events over the host channel.
    coordinator.connect(SseOptions.builder(eventsUri)
        .eventTypes(Set.of("invalidation"))
        .channelName(SSE_CHANNEL)
        .onEvent(e -> {
          InvalidationSink s = sink;
          if (s != null) {
            s.acceptJson(e.rawData());
          }
        })
        .onConnectionChange(up -> {
          InvalidationSink s = sink;
          if (up && s != null) {
            s.resync(); // events may have been missed while no leader held the stream
          }
          if (up && coordinator.isLeader() && !leading) {
            leading = true;
            reports.send(reports.of("leader").put("atMicros", nowMicros()));
          }
        })
        .logger(log)
        .build());
    LoadResult<Settings> cached = persistence.hydrate().join();
    reports.send(reports.of("hydrated")
        .put("outcome", cached.outcome().name())
        .put("revision", sync.localRevision().toString())
        .put("shown", String.valueOf(shown.get()))
        .put("ms", msSinceJvmStart()));
    sync.start().join();
    reports.send(reports.of("ready")
        .put("revision", sync.localRevision().toString())
        .put("shown", String.valueOf(shown.get()))
        .put("ms", msSinceJvmStart()));
    if (id.equals("main")) {
      source = new StreamSource(id, null);
      source.broadcast(STREAM_CHANNEL);
    } else if (id.equals("reader")) {
      mirror = new StreamMirror(STREAM_CHANNEL);
      mirror.onChange(this::showStream);
    }
  }

  private void showStream(StreamState s) {
    if (s.streamId() == null || s.text().isEmpty() || (lastShown != null
        && s.status() == lastShown.status() && s.text().equals(lastShown.text()))) {
      return;
    }
    lastShown = s;
    String text = s.text();
    String shownText = text.length() > 40 ? "…" + text.substring(text.length() - 39) : text;
    System.out.printf("[stream] [windowId=%s] %-42s %s%n", id, '"' + shownText + '"',
        s.status().name().toLowerCase());
    if (!s.loading()) {
      reports.send(reports.of("streamDone").put("status", s.status().name()).put("text", text));
    }
  }

  private void serve() throws IOException {
    BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
    String line;
    while ((line = in.readLine()) != null) {
      String[] words = line.strip().split(" ");
      int re = Integer.parseInt(words[0]);
      try {
        if (!handle(re, words)) {
          reports.send(reports.answer(re, "done"));
          return;
        }
      } catch (RuntimeException e) {
        Throwable cause = e.getCause() != null ? e.getCause() : e;
        reports.send(reports.answer(re, "error").put("message", cause.toString()));
      }
    }
  }

  /** Runs one command; false for {@code quit}. */
  private boolean handle(int re, String[] w) {
    switch (w[1]) {
      case "write" -> {
        SnapshotEnvelope<Settings> response =
            client.writeAndWait(new Settings(w[2], Integer.parseInt(w[3])));
        sync.offer(response, ApplyOrigin.OFFER).join();
        reports.send(reports.answer(re, "written").put("revision", response.revision().toString()));
      }
      case "burst" -> {
        long t0 = System.nanoTime();
        SnapshotEnvelope<Settings> last = burst(Integer.parseInt(w[2]), w[3]);
        reports.send(reports.answer(re, "written").put("revision", last.revision().toString())
            .put("ms", (System.nanoTime() - t0) / 1_000_000));
      }
      case "await" -> {
        Revision target = Revision.parse(w[2]);
        boolean reached = awaitRevision(target, Duration.ofSeconds(Long.parseLong(w[3])));
        reports.send(stats(reports.answer(re, "awaited").put("reached", reached)));
      }
      case "stats" -> reports.send(stats(reports.answer(re, "stats")));
      case "awaitStat" -> {
        long min = Long.parseLong(w[3]);
        long deadline = System.nanoTime() + Duration.ofSeconds(Long.parseLong(w[4])).toNanos();
        // A bounded wait on a counter the engine exposes only by polling.
        while (stats(reports.of("probe")).path(w[2]).asLong() < min
            && System.nanoTime() < deadline) {
          LockSupport.parkNanos(Duration.ofMillis(2).toNanos());
        }
        reports.send(stats(reports.answer(re, "stats")));
      }
      case "log" -> {
        console.debug(w[2].equals("on"));
        reports.send(reports.answer(re, "done"));
      }
      case "stream" -> {
        produce(String.join(" ", java.util.Arrays.copyOfRange(w, 2, w.length)));
        reports.send(reports.answer(re, "done"));
      }
      case "quit" -> {
        return false;
      }
      default -> throw new IllegalArgumentException("unknown command " + w[1]);
    }
    return true;
  }

  /**
   * Writes {@code n} times over 10 concurrent connections, as a busy user or a script would, and
   * offers each write response as it arrives: the gate applies the newest and drops the rest.
   * Returns the newest response.
   */
  private SnapshotEnvelope<Settings> burst(int n, String theme) {
    List<CompletableFuture<SnapshotEnvelope<Settings>>> lanes = new ArrayList<>();
    AtomicInteger next = new AtomicInteger();
    AtomicReference<SnapshotEnvelope<Settings>> newest = new AtomicReference<>();
    for (int lane = 0; lane < 10; lane++) {
      CompletableFuture<SnapshotEnvelope<Settings>> chain = CompletableFuture.completedFuture(null);
      for (int i = lane; i < n; i += 10) {
        chain = chain.thenCompose(ignored -> client.write(
            new Settings(theme, 10 + next.getAndIncrement() % 20)))
            .thenApply(response -> {
              sync.offer(response, ApplyOrigin.OFFER);
              newest.accumulateAndGet(response, (a, b) ->
                  a == null || b.revision().compareTo(a.revision()) > 0 ? b : a);
              return response;
            });
      }
      lanes.add(chain);
    }
    CompletableFuture.allOf(lanes.toArray(CompletableFuture[]::new)).join();
    return newest.get();
  }

  /** Streams {@code text} word by word, as a model would produce it, and waits until done. */
  private void produce(String text) {
    if (source == null) {
      throw new IllegalStateException("only 'main' streams");
    }
    source.start();
    String[] words = text.split(" ");
    CompletableFuture<Void> done = new CompletableFuture<>();
    for (int i = 0; i < words.length; i++) {
      String chunk = (i == 0 ? "" : " ") + words[i];
      boolean last = i == words.length - 1;
      // Production pace (a word every 60 ms), not synchronisation.
      producer.schedule(() -> {
        source.append(chunk);
        if (last) {
          source.complete();
          done.complete(null);
        }
      }, 60L * (i + 1), TimeUnit.MILLISECONDS);
    }
    done.join();
  }

  private boolean awaitRevision(Revision target, Duration timeout) {
    CompletableFuture<Void> reached = new CompletableFuture<>();
    try (var sub = shown.addListener(env -> {
      if (env.revision().compareTo(target) >= 0) {
        reached.complete(null);
      }
    })) {
      if (shown.revision().map(r -> r.compareTo(target) >= 0).orElse(false)) {
        return true;
      }
      reached.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
      return true;
    } catch (java.util.concurrent.TimeoutException e) {
      return false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    } catch (java.util.concurrent.ExecutionException e) {
      throw new IllegalStateException(e.getCause());
    }
  }

  private ObjectNode stats(ObjectNode report) {
    SyncStats s = sync.stats();
    return report.put("revision", s.localRevision().toString())
        .put("shown", String.valueOf(shown.get()))
        .put("applies", s.applies())
        .put("fetches", s.fetches())
        .put("droppedStale", s.droppedStale())
        .put("droppedSelf", s.droppedSelf())
        .put("eventsReceived", s.eventsReceived())
        .put("peerApplied", persistence.stats().peerApplied())
        .put("leader", coordinator.isLeader());
  }

  private void close() {
    producer.shutdownNow();
    if (mirror != null) {
      mirror.close();
    }
    if (source != null) {
      source.close();
    }
    sync.close();
    persistence.close();
    coordinator.close();
  }

  /** Invalidations relayed by the host's SSE coordinator, for this window's handle. */
  private InvalidationSubscriber hostSubscriber() {
    return InvalidationSubscriber.of(s -> {
      sink = s;
      return () -> sink = null;
    });
  }

  private static long msSinceJvmStart() {
    return System.currentTimeMillis() - ManagementFactory.getRuntimeMXBean().getStartTime();
  }

  static long nowMicros() {
    return ChronoUnit.MICROS.between(Instant.EPOCH, Instant.now());
  }
}
