package dev.statesync.bench.persistence;

import dev.statesync.channel.ChannelOptions;
import dev.statesync.core.Epoch;
import dev.statesync.core.InvalidationSubscriber;
import dev.statesync.core.Revision;
import dev.statesync.core.RevisionSyncHandle;
import dev.statesync.core.RevisionSyncOptions;
import dev.statesync.core.SnapshotApplier;
import dev.statesync.core.SnapshotEnvelope;
import dev.statesync.core.SnapshotProvider;
import dev.statesync.core.StateSync;
import dev.statesync.persistence.JsonCodec;
import dev.statesync.persistence.Persistence;
import dev.statesync.persistence.PersistenceApplier;
import dev.statesync.persistence.PersistenceErrorContext;
import dev.statesync.persistence.PersistenceListener;
import dev.statesync.persistence.PersistenceOptions;
import dev.statesync.persistence.SaveInfo;
import dev.statesync.persistence.WriteStatus;
import dev.statesync.persistence.file.FileStorageBackend;
import dev.statesync.persistence.peer.CrossProcessOptions;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;

/**
 * A save in process A, applied in process B: two real JVMs, each with a persistence applier on
 * one shared {@link FileStorageBackend} directory (fsync on, the default) and cross-process sync
 * over the host channel. This JVM is B (it opens the channel first, so it is the hub); it spawns
 * A from its own class path and asks it, one save in flight at a time, to apply revision r from
 * its provider. A applies r, saves it (encode, lock, temp file, fsync, rename, directory fsync)
 * and broadcasts it; B validates the message, takes it through its revision gate and applies it.
 *
 * <p>Three figures per revision, from {@code System.nanoTime()} (CLOCK_MONOTONIC, comparable
 * across processes on Linux): end to end (A's provider hands r to A's applier, stamped into the
 * data, until B's inner applier runs), A's save (its {@code onSaveStart} to its
 * {@code onSaveComplete}), and save to apply ({@code onSaveComplete} in A, just before the
 * broadcast, until B's inner applier runs). Run:
 * {@code java -cp statesync-benchmarks/target/benchmarks.jar
 * dev.statesync.bench.persistence.CrossProcessSaveBenchmark [saves] [payloadBytes]}
 * (defaults 1000 and 1024; a fifth as many saves again are a warm-up). Files go under
 * {@code -Dstatesync.bench.dir} (default {@code java.io.tmpdir}), which must not be tmpfs.
 */
public final class CrossProcessSaveBenchmark {
  private static final PrintStream OUT = new PrintStream(System.out, true, StandardCharsets.UTF_8);
  private static final String KEY = "bench.settings";
  private static final Epoch EPOCH = Epoch.of("bench");

  /** The synced data: when A's provider produced it, and filler to reach the payload size. */
  public record Sample(long producedAt, String filler) {}

  private CrossProcessSaveBenchmark() {}

  public static void main(String[] args) throws Exception {
    if (args.length > 0 && args[0].equals("child-saver")) {
      saver(Path.of(args[1]), args[2], Path.of(args[3]), Integer.parseInt(args[4]));
      return;
    }
    int n = args.length > 0 ? Integer.parseInt(args[0]) : 1000;
    int payloadBytes = args.length > 1 ? Integer.parseInt(args[1]) : 1024;
    int warm = n / 5;
    Path runtimeDir = Files.createTempDirectory(Path.of("/tmp"), "ssp"); // short socket paths
    Path base = Files.createDirectories(Path.of(System.getProperty("statesync.bench.dir",
        System.getProperty("java.io.tmpdir"))));
    Path work = Files.createTempDirectory(base, "ss-xproc-bench");
    Path store = work.resolve("store");
    String channel = "bench-" + ProcessHandle.current().pid();
    Process saver = null;
    try {
      Receiver b = new Receiver(runtimeDir, channel, store);
      OUT.printf("statesync cross-process save benchmark: %d cores, JDK %s, storage %s (%s)%n",
          Runtime.getRuntime().availableProcessors(), System.getProperty("java.version"),
          store, Files.getFileStore(store).type());
      OUT.printf("%d warm-up + %d measured saves of a %d B payload, one save in flight, "
          + "fsync on%n%n", warm, n, payloadBytes);
      saver = spawn("child-saver", runtimeDir.toString(), channel, store.toString(),
          Integer.toString(payloadBytes));
      BufferedReader fromA = new BufferedReader(new InputStreamReader(saver.getInputStream(),
          StandardCharsets.UTF_8));
      OutputStream toA = saver.getOutputStream();
      awaitLine(fromA, "ready");
      long[] endToEnd = new long[n];
      long[] appliedAt = new long[warm + n + 1];
      for (int r = 1; r <= warm + n; r++) {
        toA.write(("save " + r + "\n").getBytes(StandardCharsets.UTF_8));
        toA.flush();
        Applied a = b.applied.poll(60, TimeUnit.SECONDS);
        if (a == null) {
          throw new IllegalStateException("r" + r + " did not reach B within 60 s; B errors: "
              + b.errors);
        }
        if (a.revision != r) {
          throw new IllegalStateException("B applied r" + a.revision + ", expected r" + r);
        }
        appliedAt[r] = a.at;
        if (r > warm) {
          endToEnd[r - warm - 1] = a.at - a.producedAt;
        }
      }
      toA.write("dump\n".getBytes(StandardCharsets.UTF_8));
      toA.flush();
      String[] dump = awaitLine(fromA, "saves ").substring(6).split(",");
      long[] save = new long[n];
      long[] saveToApply = new long[n];
      for (int r = warm + 1; r <= warm + n; r++) {
        String[] t = dump[r].split(":");
        save[r - warm - 1] = Long.parseLong(t[1]) - Long.parseLong(t[0]);
        saveToApply[r - warm - 1] = appliedAt[r] - Long.parseLong(t[1]);
      }
      report("end to end: provider -> A applied, saved, broadcast -> B applied", endToEnd);
      report("A's save (onSaveStart -> onSaveComplete, fsync on)", save);
      report("A's save complete -> B applied (broadcast, validate, gate, apply)", saveToApply);
      if (!b.errors.isEmpty()) {
        throw new IllegalStateException("B reported persistence errors: " + b.errors);
      }
      toA.close();
      if (!saver.waitFor(60, TimeUnit.SECONDS) || saver.exitValue() != 0) {
        throw new IllegalStateException("A did not exit cleanly");
      }
      b.close();
    } finally {
      if (saver != null) {
        saver.destroyForcibly();
      }
      deleteTree(work);
      deleteTree(runtimeDir);
    }
  }

  /** One revision as B's inner applier saw it. */
  private record Applied(long revision, long producedAt, long at) {}

  /** Process B: receives saves over the channel, applies them through its gate. */
  private static final class Receiver implements AutoCloseable {
    final BlockingQueue<Applied> applied = new ArrayBlockingQueue<>(16);
    final Queue<PersistenceErrorContext> errors = new ConcurrentLinkedQueue<>();
    final Node node;

    Receiver(Path runtimeDir, String channel, Path store) {
      SnapshotApplier<Sample> inner = (s, ctx) -> {
        long now = System.nanoTime();
        applied.add(new Applied(s.revision().unsignedBits(), s.data().producedAt(), now));
        return CompletableFuture.completedFuture(null);
      };
      node = new Node(runtimeDir, channel, store, inner, errors, null);
    }

    @Override
    public void close() {
      node.close();
    }
  }

  /** A persistence applier on file storage with cross-process sync, and its engine handle. */
  private static final class Node implements AutoCloseable {
    final AtomicReference<SnapshotEnvelope<Sample>> upstream = new AtomicReference<>();
    final PersistenceApplier<Sample> applier;
    final RevisionSyncHandle<Sample> handle;

    Node(Path runtimeDir, String channel, Path store, SnapshotApplier<Sample> inner,
        Queue<PersistenceErrorContext> errors, PersistenceListener<Sample> listener) {
      CrossProcessOptions sync = CrossProcessOptions.builder().channelName(channel)
          .channelOptions(ChannelOptions.builder().runtimeDir(runtimeDir).build())
          .requestSyncOnAttach(false).build();
      applier = Persistence.createPersistenceApplier(PersistenceOptions.<Sample>builder()
          .storage(FileStorageBackend.builder(store).build()).ownsStorage(true).key(KEY)
          .applier(inner).codec(JsonCodec.of(Sample.class))
          .onPersistenceError(errors::add).crossProcessSync(sync).build());
      if (listener != null) {
        applier.addListener(listener);
      }
      handle = StateSync.createRevisionSync(RevisionSyncOptions.<Sample>builder().topic(KEY)
          .subscriber(InvalidationSubscriber.none())
          .provider(SnapshotProvider.of(upstream::get))
          .applier(applier).build());
      applier.attach(handle);
    }

    @Override
    public void close() {
      handle.close();
      applier.close();
    }
  }

  /** Process A: applies and saves the revisions its parent asks for, timing each save. */
  private static void saver(Path runtimeDir, String channel, Path store, int payloadBytes)
      throws Exception {
    String filler = "x".repeat(Math.max(0, payloadBytes - 40)); // ~40 B of JSON around it
    List<long[]> times = new ArrayList<>(); // index r: {saveStart, saveComplete}
    Queue<PersistenceErrorContext> errors = new ConcurrentLinkedQueue<>();
    PersistenceListener<Sample> timing = new PersistenceListener<>() {
      @Override
      public void onSaveStart(SaveInfo info) {
        slot(info)[0] = System.nanoTime();
      }

      @Override
      public void onSaveComplete(SaveInfo info, WriteStatus status, long durationMs,
          long recordBytes) {
        slot(info)[1] = System.nanoTime();
      }

      private long[] slot(SaveInfo info) {
        int r = (int) info.revision().unsignedBits();
        synchronized (times) {
          while (times.size() <= r) {
            times.add(new long[2]);
          }
          return times.get(r);
        }
      }
    };
    SnapshotApplier<Sample> inner = (s, ctx) -> CompletableFuture.completedFuture(null);
    try (Node a = new Node(runtimeDir, channel, store, inner, errors, timing)) {
      BufferedReader in = new BufferedReader(new InputStreamReader(System.in,
          StandardCharsets.UTF_8));
      OUT.println("ready");
      String line;
      while ((line = in.readLine()) != null) {
        if (line.startsWith("save ")) {
          long r = Long.parseLong(line.substring(5));
          a.upstream.set(SnapshotEnvelope.of(Revision.of(r),
              new Sample(System.nanoTime(), filler), EPOCH));
          a.handle.refresh().join();
        } else if (line.equals("dump")) {
          a.applier.flush().join();
          StringBuilder sb = new StringBuilder("saves ");
          synchronized (times) {
            for (int r = 0; r < times.size(); r++) {
              sb.append(r == 0 ? "" : ",").append(times.get(r)[0]).append(':')
                  .append(times.get(r)[1]);
            }
          }
          OUT.println(sb);
        }
      }
      if (!errors.isEmpty()) {
        System.err.println("A reported persistence errors: " + errors);
        System.exit(1);
      }
    }
  }

  // --------------------------------------------------------------------------------------------

  private static Process spawn(String... args) throws IOException {
    List<String> cmd = new ArrayList<>(List.of(
        Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx256m",
        "-cp", System.getProperty("java.class.path"),
        CrossProcessSaveBenchmark.class.getName()));
    cmd.addAll(List.of(args));
    return new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.INHERIT).start();
  }

  private static String awaitLine(BufferedReader r, String prefix) throws IOException {
    String line;
    while ((line = r.readLine()) != null) {
      if (line.startsWith(prefix)) {
        return line;
      }
    }
    throw new IOException("the child ended before printing " + prefix);
  }

  private static void deleteTree(Path dir) throws IOException {
    if (!Files.exists(dir)) {
      return;
    }
    try (Stream<Path> files = Files.walk(dir)) {
      for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    }
  }

  private static void report(String what, long[] ns) {
    long[] s = ns.clone();
    Arrays.sort(s);
    OUT.printf("  %-68s p50 %8.1f us  p90 %8.1f us  p99 %8.1f us  max %8.1f us  (n=%d)%n",
        what + ":", q(s, 0.5) / 1e3, q(s, 0.9) / 1e3, q(s, 0.99) / 1e3, s[s.length - 1] / 1e3,
        s.length);
  }

  private static long q(long[] sorted, double p) {
    return sorted[Math.min(sorted.length - 1, (int) Math.floor(p * sorted.length))];
  }
}
