package dev.statesync.bench.chaos;

import dev.statesync.channel.BroadcastChannel;
import dev.statesync.channel.ChannelOptions;
import dev.statesync.channel.ElectionOptions;
import dev.statesync.channel.HostCoordination;
import dev.statesync.channel.HostCoordinationOptions;
import dev.statesync.channel.HostCoordinationStats;
import dev.statesync.core.ApplyContext;
import dev.statesync.core.RevisionSyncHandle;
import dev.statesync.core.RevisionSyncOptions;
import dev.statesync.core.SnapshotEnvelope;
import dev.statesync.persistence.Persistence;
import dev.statesync.persistence.PersistenceApplier;
import dev.statesync.persistence.PersistenceOptions;
import dev.statesync.persistence.file.FileStorageBackend;
import dev.statesync.persistence.peer.CrossProcessOptions;
import dev.statesync.relay.StreamMirror;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.locks.LockSupport;

/**
 * One process of the chaos run. For each lane (a topic of a source) it runs a revision sync
 * handle, through a {@link WorkerSource} of its source: the controller's {@link TruthServer}
 * (HTTP + SSE) or the run's PostgreSQL table. Either each handle subscribes itself (direct), or
 * the handles of a source are host-coordinated: only the host leader of that source holds the
 * upstream connection and the others follow over a host channel ({@link HostCoordination}). The
 * applier is wrapped in a persistence applier that saves to a file directory shared by all
 * processes and syncs saves over the host channel {@value #CHANNEL}. A writer process also writes
 * to a random lane's source and offers each write response to its own handle, until the
 * controller sends {@code stop} on stdin.
 *
 * <p>Reports to stdout, one line each: {@code ready}, {@code applied <topic> <epoch> <revision>
 * <value> <origin> <nanoTime>}, {@code status <status> <channelEpoch> <nanoTime>} (the sync
 * channel's hub), {@code lead <source> <nanoTime>} (this process became the host leader of a
 * source), {@code wrote <topic> <revision> <nanoTime>}, {@code stopped}, and the lines of
 * {@link ChaosStreams} when the run has relay streams.
 *
 * <p>Arguments: {@code --key value} pairs: {@code lanes} ({@code <source>:<topic>,...}),
 * {@code base} (the truth server's URI), {@code pg-url}, {@code pg-table}, {@code tag} (the
 * run's tag), {@code storage}, {@code runtime}, {@code write-ms} (0: no writes), {@code seed},
 * {@code coordination} ({@code direct} or {@code host}), {@code streams} ({@code off},
 * {@code source} or {@code mirror}). Commands on stdin: {@code stop} (the writes) and
 * {@code streams} (a mirror's list of streams).
 */
public final class ChaosWorker {
  /** The synced data; {@code value} equals the revision it was written at. */
  public record Value(long value, String writer, String pad) {}

  static final String CHANNEL = "chaos-sync";
  private static final PrintStream OUT =
      new PrintStream(System.out, false, StandardCharsets.UTF_8);
  private static volatile boolean stopWrites;
  private static volatile StreamMirror mirror;

  private ChaosWorker() {}

  static synchronized void emit(String line) {
    OUT.println(line);
    OUT.flush();
  }

  /** The name of the host channel on which the workers coordinate the upstream of a source. */
  static String hostChannel(SourceKind kind) {
    return "chaos-up-" + kind.id;
  }

  public static void main(String[] args) throws Exception {
    // The controller holds our stdin: "stop" ends the writes; if the controller dies, so do we,
    // instead of writing on forever.
    Thread parentWatch = new Thread(() -> {
      try (BufferedReader in = new BufferedReader(new InputStreamReader(System.in,
          StandardCharsets.UTF_8))) {
        for (String line = in.readLine(); line != null; line = in.readLine()) {
          if (line.equals("stop")) {
            stopWrites = true;
          } else if (line.equals("streams") && mirror != null) {
            emit(ChaosStreams.describe(mirror, ChaosWorker::emit));
          }
        }
      } catch (IOException e) {
        // Treated as the end of the stream.
      }
      Runtime.getRuntime().halt(0);
    }, "parent-watch");
    parentWatch.setDaemon(true);
    parentWatch.start();
    Map<String, String> opt = new HashMap<>();
    for (int i = 0; i + 1 < args.length; i += 2) {
      opt.put(args[i].substring(2), args[i + 1]);
    }
    List<Lane> lanes = new ArrayList<>();
    for (String l : opt.get("lanes").split(",")) {
      lanes.add(Lane.parse(l));
    }
    Path runtimeDir = Path.of(opt.get("runtime"));
    long writeIntervalMs = Long.parseLong(opt.get("write-ms"));
    SplittableRandom random = new SplittableRandom(Long.parseLong(opt.get("seed")));
    boolean host = opt.get("coordination").equals("host");
    String self = "w" + ProcessHandle.current().pid();

    ChannelOptions channel = ChannelOptions.builder().runtimeDir(runtimeDir)
        .openTimeout(Duration.ofSeconds(30)).build();
    // A second instance of the sync channel in this JVM reports who is the hub.
    BroadcastChannel watch = BroadcastChannel.open(CHANNEL, channel);
    watch.onStatus(s -> emit("status " + s + " " + watch.epoch() + " " + System.nanoTime()));
    emit("status " + watch.status() + " " + watch.epoch() + " " + System.nanoTime());

    Map<SourceKind, WorkerSource> sources = new EnumMap<>(SourceKind.class);
    for (Lane lane : lanes) {
      sources.computeIfAbsent(lane.source(), k -> k == SourceKind.HTTP
          ? new HttpWorkerSource(opt.get("base"), self)
          : new PostgresWorkerSource(opt.get("pg-url"), opt.get("tag"), opt.get("pg-table"), self));
    }
    FileStorageBackend storage = FileStorageBackend.builder(Path.of(opt.get("storage"))).build();
    List<RevisionSyncHandle<Value>> handles = new ArrayList<>();
    for (Lane lane : lanes) {
      String topic = lane.topic();
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
      HostCoordinationOptions coordination = !host ? null : HostCoordinationOptions.builder()
          .channelName(hostChannel(lane.source())).channelOptions(channel)
          .electionOptions(ElectionOptions.builder().runtimeDir(runtimeDir).build()).build();
      RevisionSyncHandle<Value> handle = sources.get(lane.source()).createHandle(
          RevisionSyncOptions.<Value>builder().topic(topic).applier(applier), topic,
          coordination);
      applier.attach(handle);
      applier.hydrate().join();
      handles.add(handle);
    }
    for (RevisionSyncHandle<Value> h : handles) {
      h.start().join();
    }
    if (host) {
      watchLeadership(sources.keySet());
    }
    switch (opt.getOrDefault("streams", "off")) {
      case "source": ChaosStreams.startStreamer(channel); break;
      case "mirror": mirror = ChaosStreams.startMirror(channel, ChaosWorker::emit); break;
      default: break;
    }
    emit("ready " + ProcessHandle.current().pid());
    if (writeIntervalMs > 0) {
      write(lanes, handles, sources, writeIntervalMs, random);
    }
    LockSupport.park();
  }

  private static void write(List<Lane> lanes, List<RevisionSyncHandle<Value>> handles,
      Map<SourceKind, WorkerSource> sources, long intervalMs, SplittableRandom random) {
    while (!stopWrites) {
      int i = random.nextInt(lanes.size());
      Lane lane = lanes.get(i);
      try {
        SnapshotEnvelope<Value> written = sources.get(lane.source()).write(lane.topic());
        if (written != null) {
          emit("wrote " + lane.topic() + " " + written.revision() + " " + System.nanoTime());
          // The write response goes through the gate; its echo then costs no fetch.
          handles.get(i).offer(written);
        }
      } catch (Exception e) {
        // The source is unreachable for now; the next write tries again.
        System.err.println("write to " + lane.arg() + " failed: " + e);
      }
      LockSupport.parkNanos(intervalMs * 1_000_000L);
    }
    emit("stopped");
  }

  /** Reports each time this process becomes the host leader of a source (polled every 10 ms). */
  private static void watchLeadership(Iterable<SourceKind> kinds) {
    Thread t = new Thread(() -> {
      Map<SourceKind, Boolean> leading = new EnumMap<>(SourceKind.class);
      while (true) {
        for (SourceKind k : kinds) {
          boolean now = HostCoordination.stats(hostChannel(k)).map(HostCoordinationStats::leader)
              .orElse(false);
          if (now && !leading.getOrDefault(k, false)) {
            emit("lead " + k.id + " " + System.nanoTime());
          }
          leading.put(k, now);
        }
        LockSupport.parkNanos(10_000_000L);
      }
    }, "chaos-leadership");
    t.setDaemon(true);
    t.start();
  }
}
