package dev.statesync.relay;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JsonNode;
import dev.statesync.core.Epoch;
import dev.statesync.core.ProtocolException;
import dev.statesync.core.Revision;
import dev.statesync.core.SnapshotEnvelope;
import dev.statesync.relay.testserver.TestSseServer;
import java.net.URI;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** AC-RELAY-35: the HTTP snapshot provider against a real HTTP server. */
class HttpSnapshotProviderTest {
  private static final TypeReference<Map<String, Integer>> MAP = new TypeReference<>() {};
  private final TestSseServer server = TestSseServer.start();

  @AfterEach
  void stop() {
    server.close();
  }

  private HttpSnapshotProvider<Map<String, Integer>> provider(String topic) {
    return HttpSnapshotProvider.builder(server.uri("/snapshot/" + topic), MAP)
        .headers(Map.of("X-Static", "s"))
        .headersSupplier(() -> Map.of("Authorization", "Bearer t1"))
        .build();
  }

  private static Throwable failure(HttpSnapshotProvider<?> p) {
    ExecutionException e =
        assertThrows(
            ExecutionException.class,
            () -> p.getSnapshot().toCompletableFuture().get(20, TimeUnit.SECONDS));
    return e.getCause();
  }

  @Test
  void aValidEnvelopeIsDecodedWithTheRequestHeaders() throws Exception {
    server.setSnapshot("settings", 42, "{\"a\":1}", "e7");
    SnapshotEnvelope<Map<String, Integer>> envelope =
        provider("settings").getSnapshot().toCompletableFuture().get(20, TimeUnit.SECONDS);
    assertEquals(SnapshotEnvelope.of(Revision.of(42), Map.of("a", 1), Epoch.of("e7")), envelope);
    TestSseServer.Request request = server.requests().get(0);
    assertEquals("application/json", request.header("Accept"));
    assertEquals("s", request.header("X-Static"));
    assertEquals("Bearer t1", request.header("Authorization"));
    assertEquals(1, server.snapshotGets("settings"));
  }

  @Test
  void aNumericRevisionFailsWithProtocolException() {
    server.answerNextSnapshot(200, "{\"revision\":42,\"data\":{}}");
    ProtocolException e = assertInstanceOf(ProtocolException.class, failure(provider("t")));
    assertEquals("revision", e.field().orElse(null));
  }

  @Test
  void aBodyThatIsNotJsonFailsWithProtocolException() {
    server.answerNextSnapshot(200, "<html>oops</html>");
    assertInstanceOf(ProtocolException.class, failure(provider("t")));
  }

  @Test
  void dataThatDoesNotBindFailsWithProtocolException() {
    server.answerNextSnapshot(200, "{\"revision\":\"1\",\"data\":{\"a\":\"not a number\"}}");
    assertInstanceOf(ProtocolException.class, failure(provider("t")));
  }

  @Test
  void aNonOkStatusFailsWithHttpStatusExceptionQuotingTheBody() {
    String longBody = "x".repeat(2000);
    server.answerNextSnapshot(500, longBody);
    HttpStatusException e = assertInstanceOf(HttpStatusException.class, failure(provider("t")));
    assertEquals(500, e.statusCode());
    assertEquals(HttpStatusException.MAX_BODY_CHARS, e.body().length());
    assertTrue(e.getMessage().contains("HTTP 500"), e.getMessage());
    assertEquals(server.uri("/snapshot/t"), e.uri());

    HttpStatusException missing =
        assertInstanceOf(HttpStatusException.class, failure(provider("unknown")));
    assertEquals(404, missing.statusCode());
  }

  @Test
  void aNumericEpochIsDropped() throws Exception {
    server.answerNextSnapshot(200, "{\"revision\":\"3\",\"data\":{\"a\":1},\"epoch\":7}");
    SnapshotEnvelope<Map<String, Integer>> envelope =
        provider("t").getSnapshot().toCompletableFuture().get(20, TimeUnit.SECONDS);
    assertEquals(Revision.of(3), envelope.revision());
    assertFalse(envelope.epoch().isPresent());
  }

  @Test
  void theTimeoutIsHonoured() {
    server.holdSnapshots();
    HttpSnapshotProvider<JsonNode> p =
        HttpSnapshotProvider.forJsonNode(server.uri("/snapshot/slow"))
            .timeout(Duration.ofMillis(200))
            .build();
    assertInstanceOf(HttpTimeoutException.class, failure(p));
    server.releaseSnapshots();
  }

  @Test
  void eachCallIsOneGetWithoutCaching() throws Exception {
    server.setSnapshot("c", 1, "{}", null);
    HttpSnapshotProvider<Map<String, Integer>> p = provider("c");
    p.getSnapshot().toCompletableFuture().get(20, TimeUnit.SECONDS);
    server.setSnapshot("c", 2, "{}", null);
    assertEquals(
        Revision.of(2), p.getSnapshot().toCompletableFuture().get(20, TimeUnit.SECONDS).revision());
    assertEquals(2, server.snapshotGets("c"));
  }

  @Test
  void theBuilderRejectsBadOptionsByName() {
    URI uri = server.uri("/snapshot/x");
    IllegalArgumentException timeout =
        assertThrows(
            IllegalArgumentException.class,
            () -> HttpSnapshotProvider.forJsonNode(uri).timeout(Duration.ZERO).build());
    assertTrue(timeout.getMessage().startsWith("timeout"), timeout.getMessage());
    IllegalArgumentException scheme =
        assertThrows(
            IllegalArgumentException.class,
            () -> HttpSnapshotProvider.forJsonNode(URI.create("ftp://h/x")).build());
    assertTrue(scheme.getMessage().startsWith("uri"), scheme.getMessage());
    IllegalArgumentException header =
        assertThrows(
            IllegalArgumentException.class,
            () -> HttpSnapshotProvider.forJsonNode(uri).headers(Map.of("Host", "evil")).build());
    assertTrue(header.getMessage().contains("'Host'"), header.getMessage());
  }
}
