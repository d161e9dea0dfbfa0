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
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.Stream;
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

  @Test
  void aResumingStreamGetsTheEventsAfterItsLastEventIdFirst() throws Exception {
    try (SettingsBackend backend = SettingsBackend.start(Settings.defaults())) {
      backend.write(new Settings("dark", 14), "a");
      backend.write(new Settings("dark", 15), "a");
      backend.write(new Settings("dark", 16), "a");

      List<String> ids = CompletableFuture.supplyAsync(() -> eventIds(backend, "2", "4"))
          .get(30, TimeUnit.SECONDS);

      assertEquals(List.of("3", "4"), ids);
    }
  }

  @Test
  void aLastEventIdThatIsNotARevisionIsIgnored() throws Exception {
    try (SettingsBackend backend = SettingsBackend.start(Settings.defaults())) {
      backend.write(new Settings("dark", 14), "a");
      CompletableFuture<List<String>> ids =
          CompletableFuture.supplyAsync(() -> eventIds(backend, "-1x", "3"));
      // The stream is registered once the server counts it open; then revision 3 is published.
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
      while (backend.openEventStreams() == 0 && System.nanoTime() < deadline) {
        LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(2));
      }
      backend.write(new Settings("dark", 15), "a");

      assertEquals(List.of("3"), ids.get(30, TimeUnit.SECONDS));
    }
  }

  /** Opens /events with {@code lastEventId}, reads the event ids up to {@code until}. */
  private static List<String> eventIds(SettingsBackend backend, String lastEventId,
      String until) {
    try {
      HttpResponse<Stream<String>> r = HttpClient.newHttpClient().send(
          HttpRequest.newBuilder(backend.eventsUri()).header("Last-Event-ID", lastEventId)
              .build(), HttpResponse.BodyHandlers.ofLines());
      List<String> ids = new ArrayList<>();
      try (Stream<String> lines = r.body()) {
        Iterator<String> it = lines.iterator();
        while (it.hasNext()) {
          String line = it.next();
          if (line.startsWith("id: ")) {
            ids.add(line.substring(4));
            if (line.substring(4).equals(until)) {
              return ids;
            }
          }
        }
      }
      return ids;
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  private static HttpResponse<String> post(URI uri, String body) throws Exception {
    return HttpClient.newHttpClient().send(HttpRequest.newBuilder(uri)
        .POST(HttpRequest.BodyPublishers.ofString(body)).build(),
        HttpResponse.BodyHandlers.ofString());
  }
}
