package dev.statesync.bench.chaos;

import dev.statesync.channel.BroadcastChannel;
import dev.statesync.channel.ChannelOptions;
import dev.statesync.core.ApplyContext;
import dev.statesync.core.RevisionSyncHandle;
import dev.statesync.core.RevisionSyncOptions;
import dev.statesync.core.SnapshotEnvelope;
import dev.statesync.core.StateSync;
import dev.statesync.core.json.ProtocolCodec;
import dev.statesync.persistence.Persistence;
import dev.statesync.persistence.PersistenceApplier;
import dev.statesync.persistence.PersistenceOptions;
import dev.statesync.persistence.file.FileStorageBackend;
import dev.statesync.persistence.peer.CrossProcessOptions;
import dev.statesync.relay.HttpSnapshotProvider;
import dev.statesync.relay.SseInvalidationSubscriber;
import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.locks.LockSupport;

/**
 * One process of the chaos run. For each topic it runs a revision sync handle whose provider
 * ({@link HttpSnapshotProvider}) and subscriber ({@link SseInvalidationSubscriber}, one SSE
 * connection shared by the topics) talk HTTP to the controller's {@link TruthServer}, with an
 * applier wrapped in a persistence applier that
 * saves to a file directory shared by all processes and syncs saves over the host channel
 * {@value #CHANNEL}. A writer process also writes to the source and offers each write response
 * to its own handle. Reports to stdout, one line each: {@code ready}, {@code applied <topic>
 * <epoch> <revision> <value> <origin> <nanoTime>}, {@code status <status> <channelEpoch>
 * <nanoTime>}.
 *
 * <p>Arguments: {@code <baseUri> <storageDir> <runtimeDir> <topics,...> <writeIntervalMs|0> <seed>}.
 */
public final class ChaosWorker {
  /** The synced data; {@code value} equals the revision it was written at. */
  public record Value(long value, String writer, String pad) {}

  static final String CHANNEL = "chaos-sync";
  private static final PrintStream OUT =
      new PrintStream(System.out, false, StandardCharsets.UTF_8);

  private ChaosWorker() {}

  static synchronized void emit(String line) {
    OUT.println(line);
    OUT.flush();
  }

  public static void main(String[] args) throws InterruptedException {
    // The controller holds our stdin: if it dies, so do we, instead of writing on forever.
    Thread parentWatch = new Thread(() -> {
      try {
        while (System.in.read() >= 0) {
          // The controller sends nothing; wait for the end of the stream.
        }
      } catch (IOException e) {
        // Treated as the end of the stream.
      }
      Runtime.getRuntime().halt(0);
    }, "parent-watch");
    parentWatch.setDaemon(true);
    parentWatch.start();
    String base = args[0];
    Path storageDir = Path.of(args[1]);
    Path runtimeDir = Path.of(args[2]);
    String[] topics = args[3].split(",");
    long writeIntervalMs = Long.parseLong(args[4]);
    SplittableRandom random = new SplittableRandom(Long.parseLong(args[5]));
    String self = "w" + ProcessHandle.current().pid();

    ChannelOptions channel = ChannelOptions.builder().runtimeDir(runtimeDir)
        .openTimeout(Duration.ofSeconds(30)).build();
    // A second instance of the sync channel in this JVM reports who is the hub.
    BroadcastChannel watch = BroadcastChannel.open(CHANNEL, channel);
    watch.onStatus(s -> emit("status " + s + " " + watch.epoch() + " " + System.nanoTime()));
    emit("status " + watch.status() + " " + watch.epoch() + " " + System.nanoTime());

    FileStorageBackend storage = FileStorageBackend.builder(storageDir).build();
    // One SSE connection for all topics, as createHttpRevisionSync would share it.
    SseInvalidationSubscriber events = SseInvalidationSubscriber.builder(
        URI.create(base + "/events")).initialReconnectDelay(Duration.ofMillis(20))
        .maxReconnectDelay(Duration.ofSeconds(1)).build();
    ProtocolCodec codec = ProtocolCodec.create();
    List<RevisionSyncHandle<Value>> handles = new ArrayList<>();
    for (String topic : topics) {
      PersistenceApplier<Value> applier = Persistence.createPersistenceApplier(
          PersistenceOptions.<Value>builder().storage(storage).key(topic).ownsStorage(false)
              .dataType(Value.class)
              .crossProcessSync(CrossProcessOptions.builder().channelName(CHANNEL)
                  .channelOptions(channel).build())
              .applier((SnapshotEnvelope<Value> s, ApplyContext ctx) -> {
                emit("applied " + topic + " " + s.epoch().map(Object::toString).orElse("-")
                    + " " + s.revision() + " " + s.data().value() + " " + ctx.origin() + " "
                    + System.nanoTime());
                return CompletableFuture.completedFuture(null);
              }).build());
      RevisionSyncHandle<Value> handle = StateSync.createRevisionSync(
          RevisionSyncOptions.<Value>builder().topic(topic).subscriber(events)
              .provider(HttpSnapshotProvider.builder(URI.create(base + "/snapshot/" + topic),
                  Value.class).timeout(Duration.ofSeconds(10)).build())
              .applier(applier).build());
      applier.attach(handle);
      applier.hydrate().join();
      handles.add(handle);
    }
    for (RevisionSyncHandle<Value> h : handles) {
      h.start().join();
    }
    emit("ready " + ProcessHandle.current().pid());
    if (writeIntervalMs <= 0) {
      LockSupport.park();
      return;
    }
    HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    while (true) {
      int i = random.nextInt(topics.length);
      try {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(
            URI.create(base + "/write/" + topics[i])).header(TruthServer.SOURCE_HEADER, self)
            .timeout(Duration.ofSeconds(10)).POST(HttpRequest.BodyPublishers.ofString("{}")).build(),
            HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() == 200) {
          // The write response goes through the gate; its echo then costs no fetch.
          handles.get(i).offer(codec.decodeSnapshot(r.body(), Value.class));
        }
      } catch (IOException e) {
        // The source is gone: the run is over.
        return;
      }
      LockSupport.parkNanos(writeIntervalMs * 1_000_000L);
    }
  }
}
