package dev.statesync.persistence;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.statesync.core.ApplyContext;
import dev.statesync.core.ApplyOrigin;
import dev.statesync.core.Revision;
import dev.statesync.core.SnapshotApplier;
import dev.statesync.core.SnapshotEnvelope;
import dev.statesync.persistence.file.FileStorageBackend;
import dev.statesync.persistence.memory.MemoryStorageBackend;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionException;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;

/** Arbitrary Java strings survive save and load exactly, or the save fails; never altered. */
class UnicodeRoundTripPropertiesTest {
  private static final List<Compression> ALL =
      List.of(Compression.NONE, Compression.GZIP, Compression.DEFLATE);
  private static Path dir;
  private static StorageBackend file;

  @BeforeContainer
  static void open() throws Exception {
    dir = Files.createTempDirectory("unicode-props");
    file = FileStorageBackend.builder(dir).fsync(false).executor(Runnable::run).build();
  }

  @AfterContainer
  static void close() throws Exception {
    file.close();
    try (var s = Files.walk(dir)) {
      s.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    }
  }

  public record Nested(String text, List<String> items, Map<String, String> map) {}

  @Property(tries = 150)
  void saveThenLoadIsExactOrFailsToEncode(@ForAll String text, @ForAll List<String> items,
      @ForAll @IntRange(max = 2) int c, @ForAll boolean useFile) {
    StorageBackend storage = useFile ? file : MemoryStorageBackend.builder().build();
    Nested data = new Nested(text, items, Map.of(text, text + "\uD800"));
    PersistenceApplier<Nested> p = Persistence.createPersistenceApplier(
        PersistenceOptions.<Nested>builder().storage(storage).key("unicode")
            .applier(SnapshotApplier.of(s -> { })).codec(JsonCodec.of(Nested.class))
            .compression(ALL.get(c)).executor(Runnable::run).build());
    storage.delete("unicode").toCompletableFuture().join();
    SnapshotEnvelope<Nested> env = SnapshotEnvelope.of(Revision.of(1), data);
    p.apply(env, ApplyContext.of("unicode", ApplyOrigin.PROVIDER)).toCompletableFuture().join();
    try {
      p.flush().join();
    } catch (CompletionException e) {
      if (e.getCause() instanceof PayloadEncodeException) {
        return; // refusing to store is allowed; storing altered text is not
      }
      throw e;
    }
    LoadResult<Nested> r = p.loadPersistedSnapshot().join();
    assertEquals(LoadOutcome.FOUND, r.outcome(), String.valueOf(r.error()));
    assertEquals(data, r.envelope().orElseThrow().data());
  }
}
