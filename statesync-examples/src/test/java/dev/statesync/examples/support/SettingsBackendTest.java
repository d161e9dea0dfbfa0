package dev.statesync.examples.support;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.statesync.core.Revision;
import dev.statesync.core.SnapshotEnvelope;
import dev.statesync.relay.HttpSnapshotProvider;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import org.junit.jupiter.api.Test;

class SettingsBackendTest {
  @Test
  void writeBumpsTheRevisionAndAnswersWithTheStoredEnvelope() {
    try (SettingsBackend backend = SettingsBackend.start(Settings.defaults())) {
      SettingsClient client = new SettingsClient(backend.snapshotUri(), "w1");
      SnapshotEnvelope<Settings> response = client.writeAndWait(new Settings("dark", 14));

      assertEquals(Revision.of(2), response.revision());
      assertEquals(new Settings("dark", 14), response.data());
      assertEquals(response, HttpSnapshotProvider.builder(backend.snapshotUri(), Settings.class)
          .build().getSnapshot().toCompletableFuture().join());
    }
  }

  @Test
  void badBodyIsRejectedWithTheReasonAndChangesNothing() throws Exception {
    try (SettingsBackend backend = SettingsBackend.start(Settings.defaults())) {
      HttpResponse<String> notJson = post(backend.snapshotUri(), "{\"theme\":");
      HttpResponse<String> tooSmall = post(backend.snapshotUri(), "{\"theme\":\"dark\",\"fontSize\":2}");
      IllegalStateException viaClient = assertThrows(IllegalStateException.class,
          () -> new SettingsClient(backend.snapshotUri(), "w1").writeAndWait(new Settings("", 12)));

      assertEquals(400, notJson.statusCode());
      assertTrue(notJson.body().contains("body is not a settings object"), notJson.body());
      assertEquals(400, tooSmall.statusCode());
      assertTrue(tooSmall.body().contains("fontSize must be 6..72, was 2"), tooSmall.body());
      assertTrue(viaClient.getMessage().contains("theme must be a non-empty string"),
          viaClient.getMessage());
      assertEquals(SnapshotEnvelope.of(Revision.of(1), Settings.defaults()), backend.current());
      assertEquals(0, backend.writes());
    }
  }

  private static HttpResponse<String> post(URI uri, String body) throws Exception {
    return HttpClient.newHttpClient().send(HttpRequest.newBuilder(uri)
        .POST(HttpRequest.BodyPublishers.ofString(body)).build(),
        HttpResponse.BodyHandlers.ofString());
  }
}
