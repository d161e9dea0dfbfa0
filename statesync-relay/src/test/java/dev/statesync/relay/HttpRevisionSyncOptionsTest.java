package dev.statesync.relay;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.statesync.channel.HostCoordinationOptions;
import dev.statesync.core.SnapshotApplier;
import dev.statesync.core.SyncStatus;
import java.net.URI;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The host-coordination option of {@link HttpRevisionSyncOptions} (RELAY-31, RELAY-32). */
class HttpRevisionSyncOptionsTest {
  private static final URI SSE = URI.create("https://api.example/events");

  private static HttpRevisionSyncOptions.Builder<JsonNode> builder() {
    return HttpRevisionSyncOptions.<JsonNode>builder()
        .topic("settings")
        .sseUri(SSE)
        .snapshotUri(URI.create("https://api.example/settings"))
        .dataType(JsonNode.class)
        .applier(SnapshotApplier.of(env -> { }));
  }

  @Test
  void theDefaultChannelNameIsThePrefixAndSixteenHexDigitsOfTheSseUrisSha256() {
    // printf 'https://api.example/events' | sha256sum | cut -c1-16
    assertEquals("statesync-http-015965618b5eaeff", HttpRevisionSync.defaultChannelName(SSE));
  }

  @Test
  void hostCoordinationIsOffByDefault() {
    assertTrue(builder().build().hostCoordination().isEmpty());
  }

  @Test
  void withoutAChannelNameTheDefaultOfTheSseUriIsUsedAndTheOtherOptionsAreKept() {
    HostCoordinationOptions chosen = builder()
        .hostCoordination(HostCoordinationOptions.builder()
            .snapshotRequestTimeout(Duration.ofSeconds(2)).directFetchFallback(false).build())
        .build().hostCoordination().orElseThrow();
    assertEquals("statesync-http-015965618b5eaeff", chosen.channelName().orElseThrow());
    assertEquals(Duration.ofSeconds(2), chosen.snapshotRequestTimeout());
    assertEquals(false, chosen.directFetchFallback());
  }

  @Test
  void anExplicitChannelNameWins() {
    HostCoordinationOptions chosen = builder()
        .hostCoordination(HostCoordinationOptions.builder().channelName("my-app").build())
        .build().hostCoordination().orElseThrow();
    assertEquals("my-app", chosen.channelName().orElseThrow());
  }

  @Test
  void nullHostCoordinationIsRefusedByName() {
    NullPointerException e = assertThrows(NullPointerException.class,
        () -> builder().hostCoordination(null));
    assertEquals("hostCoordination", e.getMessage());
  }

  @Test
  void aCoordinatedHandleIsCreatedIdleWithoutIo() {
    var handle = HttpRevisionSync.createHttpRevisionSync(builder()
        .hostCoordination(HostCoordinationOptions.defaults()).build());
    try (handle) {
      assertEquals(SyncStatus.IDLE, handle.status());
    }
  }
}
