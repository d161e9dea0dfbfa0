package dev.statesync.persistence;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.statesync.core.Epoch;
import dev.statesync.core.Revision;
import dev.statesync.fuzz.FuzzRun;
import dev.statesync.persistence.file.FileStorageBackend;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Corrupted, truncated and mutated records (issue 9). Half of the mutated records get a fresh
 * SHA-256, so the mutation reaches the header, size and decompression checks behind the digest.
 * Every input must decode to a record that re-encodes to the same header and payload, or fail
 * with {@link CorruptRecordException} or {@link UnsupportedRecordException}; {@code readHeader}
 * agrees, {@code decideWrite} never throws and replaces exactly the corrupt records, and no input
 * (a decompression bomb included) allocates beyond the configured limits. Every 20th input is
 * also written over a real data file and loaded through the persistence applier, whose future
 * must complete with an outcome, never fail.
 */
class RecordFormatFuzzTest {
  static final String KEY = "settings";
  static final Limits LIMITS = new Limits(1024 * 1024, 1024 * 1024);
  static final Set<LoadOutcome> LOAD_OUTCOMES =
      EnumSet.of(LoadOutcome.FOUND, LoadOutcome.CORRUPT, LoadOutcome.UNSUPPORTED,
          LoadOutcome.INVALID, LoadOutcome.EXPIRED, LoadOutcome.MIGRATION_FAILED);

  static final Set<String> PAYLOAD_REASONS = Set.of("Corrupt TOO_LARGE",
      "Corrupt DECOMPRESSION_FAILED", "Corrupt PAYLOAD_SIZE_MISMATCH");

  @TempDir
  Path dir;

  static RecordHeader header(long r, Optional<Epoch> epoch, OptionalLong ttl) {
    return new RecordHeader(KEY, KEY, Revision.of(r), epoch, 1, 1_700_000_000_000L + r, ttl,
        "json", "none", 0, Optional.of("writer-1"));
  }

  static List<byte[]> corpus() {
    byte[] json = "{\"theme\":\"dark\",\"text\":\"caf\u00e9 \ud83d\ude00\",\"n\":[1,2,3]}"
        .getBytes(StandardCharsets.UTF_8);
    List<byte[]> out = new ArrayList<>();
    out.add(RecordFormat.encode(header(42, Optional.of(Epoch.of("e7")), OptionalLong.empty()),
        json, Compression.NONE));
    out.add(RecordFormat.encode(header(1, Optional.empty(), OptionalLong.of(60_000)), json,
        Compression.GZIP));
    out.add(RecordFormat.encode(header(-1L >>> 1, Optional.of(Epoch.of("x")),
        OptionalLong.empty()), "null".getBytes(StandardCharsets.UTF_8), Compression.DEFLATE));
    out.add(RecordFormat.encode(header(7, Optional.empty(), OptionalLong.empty()),
        "[]".getBytes(StandardCharsets.UTF_8), Compression.NONE));
    // A decompression bomb: 4 MiB of zeros compress to a few KiB; the limit is 1 MiB.
    byte[] zeros = new byte[4 * 1024 * 1024];
    out.add(RecordFormat.encode(header(9, Optional.empty(), OptionalLong.empty()), zeros,
        Compression.GZIP, Limits.defaults()));
    return out;
  }

  /** Recomputes the trailing SHA-256, so that a mutation gets past the digest check. */
  static byte[] reseal(byte[] b) {
    if (b.length < RecordFormat.FIXED_BYTES) {
      return b;
    }
    try {
      MessageDigest sha = MessageDigest.getInstance("SHA-256");
      sha.update(b, 0, b.length - 32);
      System.arraycopy(sha.digest(), 0, b, b.length - 32, 32);
      return b;
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  static String reason(Throwable t) {
    return t instanceof CorruptRecordException c ? "Corrupt " + c.reason() : "Unsupported";
  }

  @Test
  void mutatedRecordsDecodeOrFailWithARecordException() throws Exception {
    List<byte[]> corpus = corpus();
    FileStorageBackend backend = FileStorageBackend.builder(dir).fsync(false)
        .executor(Runnable::run).limits(LIMITS).build();
    PersistenceApplier<JsonNode> applier = Persistence.createPersistenceApplier(
        PersistenceOptions.<JsonNode>builder().storage(backend).key(KEY)
            .applier((s, ctx) -> CompletableFuture.completedFuture(null))
            .dataType(JsonNode.class).executor(Runnable::run).limits(LIMITS).build());
    backend.write(KEY, corpus.get(0), WriteMode.REPLACE).toCompletableFuture().join();
    Path dataFile;
    try (Stream<Path> files = Files.list(dir)) {
      dataFile = files.filter(p -> p.toString().endsWith(".ssrec")).findFirst().orElseThrow();
    }
    RecordHeader incoming = header(50, Optional.of(Epoch.of("e7")), OptionalLong.empty());
    int[] n = {0};
    FuzzRun.Report r = FuzzRun.<byte[]>of("record-format")
        .documented(CorruptRecordException.class).documented(UnsupportedRecordException.class)
        .classify(RecordFormatFuzzTest::reason)
        // The limits allow 1 MiB stored and 1 MiB decoded; decoding may buffer both.
        .allocationLimit(len -> 8L * 1024 * 1024 + 8 * len)
        .run(m -> {
          byte[] b = m.mutate(corpus);
          return m.random().nextBoolean() ? reseal(b) : b;
        }, input -> {
          String headerVerdict = verdictOfReadHeader(input);
          WriteResult w = RecordFormat.decideWrite(Optional.of(input), incoming);
          assertEquals(expectedStatus(headerVerdict, w.status()), w.status(), headerVerdict);
          if (++n[0] % 20 == 0) {
            loadThroughTheApplier(applier, dataFile, input);
          }
          DecodedRecord d;
          try {
            d = RecordFormat.decode(input, KEY, LIMITS);
          } catch (CorruptRecordException | UnsupportedRecordException e) {
            // Past a readable header, only the payload checks (and the stricter size limit
            // given to decode) may fail.
            assertTrue(!headerVerdict.equals("ok") || PAYLOAD_REASONS.contains(reason(e)),
                "decode said " + reason(e) + ", readHeader said " + headerVerdict);
            throw e;
          }
          assertEquals("ok", headerVerdict);
          Compression c = Stream.of(Compression.NONE, Compression.GZIP, Compression.DEFLATE)
              .filter(x -> x.name().equals(d.header().compression())).findFirst().orElseThrow();
          DecodedRecord again = RecordFormat.decode(
              RecordFormat.encode(d.header(), d.payload(), c, LIMITS), KEY, LIMITS);
          assertEquals(d.header(), again.header());
          assertArrayEquals(d.payload(), again.payload());
          return "valid";
        });
    applier.close();
    assertTrue(r.count("valid") > 0 && r.count("rejected: Corrupt DIGEST_MISMATCH") > 0
        && r.count("rejected: Corrupt BAD_HEADER") > 0 && r.count("rejected: Corrupt TOO_LARGE")
        > 0, r.toString());
  }

  private static String verdictOfReadHeader(byte[] input) {
    try {
      RecordFormat.readHeader(input, KEY);
      return "ok";
    } catch (CorruptRecordException | UnsupportedRecordException e) {
      return reason(e);
    }
  }

  /** PERS-10: corrupt is replaced, unsupported is refused, a readable header is compared. */
  private static WriteStatus expectedStatus(String headerVerdict, WriteStatus actual) {
    if (headerVerdict.startsWith("Corrupt")) {
      return WriteStatus.REPLACED_CORRUPT;
    }
    if (headerVerdict.equals("Unsupported")) {
      return WriteStatus.REFUSED_UNSUPPORTED;
    }
    return actual == WriteStatus.SKIPPED_NOT_NEWER ? actual : WriteStatus.WRITTEN;
  }

  private static void loadThroughTheApplier(PersistenceApplier<JsonNode> applier, Path file,
      byte[] input) throws IOException {
    Files.write(file, input);
    LoadResult<JsonNode> result = applier.loadPersistedSnapshot().join();
    assertTrue(LOAD_OUTCOMES.contains(result.outcome()), result.toString());
    assertEquals(result.outcome() == LoadOutcome.FOUND, result.envelope().isPresent(),
        result.toString());
    if (result.outcome() == LoadOutcome.CORRUPT) {
      assertTrue(!Files.exists(file) || !Arrays.equals(input, Files.readAllBytes(file)),
          "a corrupt record is quarantined");
    }
  }
}
