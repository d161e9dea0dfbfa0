package dev.statesync.bench.chaos;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The harness's flags: each bad one is refused with a message that names it. */
class ChaosConfigTest {
  private static String refused(String... args) {
    return assertThrows(IllegalArgumentException.class, () -> ChaosConfig.parse(args))
        .getMessage();
  }

  @Test
  void postgresWithoutAUrlIsRefusedWithAnExample() {
    String m = refused("--source", "postgres");
    assertTrue(m.contains("--source postgres needs --pg-url") && m.contains("jdbc:postgresql:"),
        m);
    assertTrue(refused("--source", "both").contains("--source both needs --pg-url"));
  }

  @Test
  void unknownSourcesModesAndUrlsAreRefused() {
    assertTrue(refused("--source", "mysql").contains("--source must be http, postgres or both"));
    assertTrue(refused("--coordination", "hub").contains("--coordination must be direct or host"));
    assertTrue(refused("--source", "postgres", "--pg-url", "postgres://x")
        .contains("--pg-url must start with jdbc:postgresql:"));
    assertTrue(refused("--topics", "a-b").contains("--topics"));
    assertTrue(refused("--processes", "many").contains("--processes needs a whole number"));
    assertTrue(refused("--source").contains("--source needs a value"));
    assertTrue(refused("--streams", "yes").contains("--streams must be on or off"));
  }

  @Test
  void bothSourcesNameThePostgresLanesApart() throws Exception {
    ChaosConfig c = ChaosConfig.parse(new String[] {"--source", "both", "--coordination", "host",
        "--pg-url", "jdbc:postgresql://127.0.0.1:5432/postgres", "--topics", "a,b",
        "--dir", "/tmp/unused-chaos-dir"});
    assertEquals(Set.of(SourceKind.HTTP, SourceKind.POSTGRES), c.sources());
    assertTrue(c.hostCoordinated());
    assertEquals(Optional.of("jdbc:postgresql://127.0.0.1:5432/postgres"), c.pgUrl());
    assertEquals(List.of(new Lane(SourceKind.HTTP, "a"), new Lane(SourceKind.HTTP, "b"),
        new Lane(SourceKind.POSTGRES, "pg_a"), new Lane(SourceKind.POSTGRES, "pg_b")), c.lanes());
    assertEquals(new Lane(SourceKind.POSTGRES, "pg_a"), Lane.parse("pg:pg_a"));
  }
}
