package dev.statesync.bench.chaos;

import com.fasterxml.jackson.databind.JsonNode;
import dev.statesync.bench.chaos.ChaosWorker.Value;
import dev.statesync.channel.HostCoordination;
import dev.statesync.channel.HostCoordinationOptions;
import dev.statesync.channel.HostUpstream;
import dev.statesync.core.RevisionSyncHandle;
import dev.statesync.core.RevisionSyncOptions;
import dev.statesync.core.SnapshotEnvelope;
import dev.statesync.core.StateSync;
import dev.statesync.core.json.ProtocolCodec;
import dev.statesync.relay.HttpSnapshotProvider;
import dev.statesync.relay.SseInvalidationSubscriber;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;

/**
 * A worker's client of the controller's {@link TruthServer}: one SSE connection shared by the
 * topics (opened in every worker, or only in the host leader when host-coordinated), an
 * {@link HttpSnapshotProvider} per topic, and writes as {@code POST /write/<topic>}.
 */
final class HttpWorkerSource implements WorkerSource {
  private final String base;
  private final String self;
  private final SseInvalidationSubscriber events;
  private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
      .build();
  private final ProtocolCodec codec = ProtocolCodec.create();

  HttpWorkerSource(String base, String self) {
    this.base = base;
    this.self = self;
    this.events = SseInvalidationSubscriber.builder(URI.create(base + "/events"))
        .headers(Map.of(TruthServer.WORKER_HEADER, Long.toString(ProcessHandle.current().pid())))
        .initialReconnectDelay(Duration.ofMillis(20)).maxReconnectDelay(Duration.ofSeconds(1))
        .build();
  }

  @Override
  public SourceKind kind() {
    return SourceKind.HTTP;
  }

  private URI snapshotUri(String topic) {
    return URI.create(base + "/snapshot/" + topic);
  }

  @Override
  public RevisionSyncHandle<Value> createHandle(RevisionSyncOptions.Builder<Value> engine,
      String topic, HostCoordinationOptions host) {
    if (host == null) {
      return StateSync.createRevisionSync(engine.subscriber(events).provider(
          HttpSnapshotProvider.builder(snapshotUri(topic), Value.class)
              .timeout(Duration.ofSeconds(10)).build()).build());
    }
    HostUpstream upstream = HostUpstream.of(events, (t, key) -> HttpSnapshotProvider.builder(
        URI.create(key), JsonNode.class).timeout(Duration.ofSeconds(10)).build());
    return HostCoordination.createRevisionSync(engine, Value.class, upstream,
        snapshotUri(topic).toString(), host);
  }

  @Override
  public SnapshotEnvelope<Value> write(String topic) throws Exception {
    HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(base + "/write/" + topic))
        .header(TruthServer.SOURCE_HEADER, self).timeout(Duration.ofSeconds(10))
        .POST(HttpRequest.BodyPublishers.ofString("{}")).build(),
        HttpResponse.BodyHandlers.ofString());
    return r.statusCode() == 200 ? codec.decodeSnapshot(r.body(), Value.class) : null;
  }
}
