package dev.statesync.bench.persistence;

import dev.statesync.core.Epoch;
import dev.statesync.core.Revision;
import dev.statesync.persistence.Compression;
import dev.statesync.persistence.DecodedRecord;
import dev.statesync.persistence.Limits;
import dev.statesync.persistence.RecordFormat;
import dev.statesync.persistence.RecordHeader;
import dev.statesync.persistence.WriteMode;
import dev.statesync.persistence.WriteResult;
import dev.statesync.persistence.WriteStatus;
import dev.statesync.persistence.file.FileStorageBackend;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Latency of one record through {@link FileStorageBackend}, sampled (p50/p99 in the JMH output):
 *
 * <ul>
 *   <li>{@code save}: what the persistence applier does per save once the data is JSON bytes:
 *       {@link RecordFormat#encode} (header, SHA-256 digest) and a {@link WriteMode#MONOTONIC}
 *       write (lock, re-read and verify the stored record, temp file, fsync, atomic rename,
 *       directory fsync), with and without fsync; every save carries a new revision and must be
 *       {@code WRITTEN}, so a skipped write cannot pass for a fast one;
 *   <li>{@code loadAndVerify}: read the file and {@link RecordFormat#decode} it (all checks,
 *       digest included).
 * </ul>
 *
 * <p>Payloads are printable ASCII (the shape of the JSON the codec writes), stored without
 * compression, the applier's default. Files go to a fresh directory under
 * {@code -Dstatesync.bench.dir} (default: {@code java.io.tmpdir}), deleted in {@code @TearDown};
 * that directory must be on a real disk, not tmpfs, or fsync measures nothing. Run:
 * {@code java -jar statesync-benchmarks/target/benchmarks.jar FileStorageBenchmark}.
 */
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class FileStorageBenchmark {
  static final String KEY = "bench.settings";
  static final Epoch EPOCH = Epoch.of("bench");

  /** A backend on a fresh directory, shared by the state classes below. */
  abstract static class Store {
    Path dir;
    FileStorageBackend backend;

    void open(boolean fsync) throws IOException {
      Path base = Path.of(System.getProperty("statesync.bench.dir",
          System.getProperty("java.io.tmpdir")));
      Files.createDirectories(base);
      dir = Files.createTempDirectory(base, "ss-persist-bench");
      backend = FileStorageBackend.builder(dir.resolve("store")).fsync(fsync).build();
    }

    void close() throws IOException {
      backend.close();
      try (Stream<Path> files = Files.walk(dir)) {
        files.sorted(Comparator.reverseOrder()).forEach(p -> {
          try {
            Files.delete(p);
          } catch (IOException e) {
            throw new UncheckedIOException(e);
          }
        });
      }
    }
  }

  /** Save state: payload size and whether the backend fsyncs. */
  @State(Scope.Benchmark)
  public static class SaveState extends Store {
    @Param({"1024", "1048576"})
    public int payloadBytes;

    @Param({"true", "false"})
    public boolean fsync;

    byte[] payload;
    long revision;

    @Setup(Level.Trial)
    public void setUp() throws IOException {
      open(fsync);
      payload = payload(payloadBytes);
    }

    @TearDown(Level.Trial)
    public void tearDown() throws IOException {
      close();
    }
  }

  /** Load state: payload size; one record written in setup. */
  @State(Scope.Benchmark)
  public static class LoadState extends Store {
    @Param({"1024", "1048576"})
    public int payloadBytes;

    byte[] payload;

    @Setup(Level.Trial)
    public void setUp() throws IOException {
      open(true);
      payload = payload(payloadBytes);
      WriteResult r = backend.write(KEY, record(1, payload), WriteMode.MONOTONIC)
          .toCompletableFuture().join();
      if (r.status() != WriteStatus.WRITTEN) {
        throw new IllegalStateException("setup write was " + r.status());
      }
    }

    @TearDown(Level.Trial)
    public void tearDown() throws IOException {
      close();
    }
  }

  @Benchmark
  public WriteStatus save(SaveState s) {
    byte[] record = record(++s.revision, s.payload);
    WriteStatus status = s.backend.write(KEY, record, WriteMode.MONOTONIC)
        .toCompletableFuture().join().status();
    if (status != WriteStatus.WRITTEN) {
      throw new IllegalStateException("save of r" + s.revision + " was " + status);
    }
    return status;
  }

  @Benchmark
  public int loadAndVerify(LoadState s) {
    byte[] stored = s.backend.read(KEY).toCompletableFuture().join()
        .orElseThrow(() -> new IllegalStateException("record missing"));
    DecodedRecord decoded = RecordFormat.decode(stored, KEY, Limits.defaults());
    if (decoded.payload().length != s.payloadBytes) {
      throw new IllegalStateException("decoded " + decoded.payload().length + " bytes");
    }
    return decoded.payload()[decoded.payload().length - 1];
  }

  static byte[] record(long revision, byte[] payload) {
    RecordHeader header = new RecordHeader(KEY, KEY, Revision.of(revision), Optional.of(EPOCH),
        1, System.currentTimeMillis(), OptionalLong.empty(), "json", "none", payload.length,
        Optional.of("bench"));
    return RecordFormat.encode(header, payload, Compression.NONE);
  }

  /** Returns {@code size} bytes forming one JSON string of random printable ASCII. */
  static byte[] payload(int size) {
    byte[] b = new byte[size];
    SplittableRandom random = new SplittableRandom(42);
    for (int i = 0; i < size; i++) {
      byte c = (byte) random.nextInt(0x20, 0x7f);
      b[i] = c == '"' || c == '\\' ? (byte) 'x' : c;
    }
    b[0] = '"';
    b[size - 1] = '"';
    return b;
  }
}
