package dev.statesync.persistence.file;

import dev.statesync.core.Epoch;
import dev.statesync.core.Revision;
import dev.statesync.persistence.Compression;
import dev.statesync.persistence.RecordFormat;
import dev.statesync.persistence.RecordHeader;
import dev.statesync.persistence.WriteMode;
import dev.statesync.persistence.WriteResult;
import java.nio.file.Path;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.SplittableRandom;

/**
 * A child JVM for the multi-process tests. Modes: {@code loop <dir> <key> <fsync>} opens the
 * backend, prints {@code ready}, waits for a line on stdin, then writes s+1, s+2, ... forever
 * (s = the stored revision at that moment, printed as {@code from <s>}), printing {@code try <r>}
 * before and {@code ack <r>} after each completed write;
 * {@code random <dir> <key> <count> <seed>} writes random revisions and prints {@code max <r>};
 * {@code hold <dir> <key>} takes the key's lock, prints {@code locked} and waits for stdin.
 */
public final class WriterChild {
  private WriterChild() {}

  public static void main(String[] args) throws Exception {
    String mode = args[0];
    Path dir = Path.of(args[1]);
    String key = args[2];
    if (mode.equals("hold")) {
      try (var held = dev.statesync.persistence.internal.FileLocks.acquire(
          dir.resolve(FileStorageBackend.baseName(key) + ".lock"), Long.MAX_VALUE / 4,
          java.util.EnumSet.of(java.nio.file.StandardOpenOption.CREATE,
              java.nio.file.StandardOpenOption.WRITE), new java.nio.file.attribute.FileAttribute<?>[0])) {
        System.out.println("locked");
        System.out.flush();
        System.in.read();
      }
      return;
    }
    FileStorageBackend backend = FileStorageBackend.builder(dir)
        .fsync(!mode.equals("loop") || Boolean.parseBoolean(args[3]))
        .executor(Runnable::run).build();
    if (mode.equals("loop")) {
      // Warm up before the signal, so the parent's kill lands in steady-state writes.
      System.out.println("ready");
      System.out.flush();
      if (new java.io.BufferedReader(new java.io.InputStreamReader(System.in,
          java.nio.charset.StandardCharsets.UTF_8)).readLine() == null) {
        return;
      }
      long r = backend.read(key).toCompletableFuture().join()
          .map(b -> RecordFormat.readHeader(b, key).revision().unsignedBits()).orElse(0L) + 1;
      byte[] payload = new byte[4096];
      System.out.println("from " + (r - 1));
      while (true) {
        System.out.println("try " + r);
        write(backend, key, r, payload);
        System.out.println("ack " + r);
        System.out.flush();
        r++;
      }
    }
    int count = Integer.parseInt(args[3]);
    SplittableRandom random = new SplittableRandom(Long.parseLong(args[4]));
    long max = 0;
    for (int i = 0; i < count; i++) {
      long r = random.nextLong(1, 1_000_000);
      max = Math.max(max, r);
      write(backend, key, r, new byte[16]);
    }
    System.out.println("max " + max);
    System.out.flush();
  }

  private static WriteResult write(FileStorageBackend b, String key, long r, byte[] payload) {
    RecordHeader h = new RecordHeader(key, key, Revision.of(r), Optional.of(Epoch.of("e")), 1,
        r, OptionalLong.empty(), "json", "none", 0, Optional.empty());
    return b.write(key, RecordFormat.encode(h, payload, Compression.NONE), WriteMode.MONOTONIC)
        .toCompletableFuture().join();
  }
}
