package dev.statesync.core.engine;

import static dev.statesync.core.engine.EngineHarness.TOPIC;
import static dev.statesync.core.engine.EngineHarness.env;
import static dev.statesync.core.engine.EngineHarness.event;
import static dev.statesync.core.engine.EngineHarness.rev;
import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.statesync.core.InvalidationEvent;
import dev.statesync.core.ProtocolException;
import dev.statesync.core.SyncErrorContext;
import dev.statesync.core.SyncPhase;
import dev.statesync.core.SyncStatus;
import dev.statesync.core.logging.Loggers;
import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** The event pipeline of CORE-36/37/47, from the sink to the throttler. */
class EventPipelineTest {

  private static EngineHarness running(long initial) {
    EngineHarness h = EngineHarness.create();
    h.startWith(env(initial)).join();
    return h;
  }

  @Test
  @DisplayName("CA-15 an event r5 leads to a fetch and the apply of r5")
  void newerEventFetchesAndApplies() {
    EngineHarness h = running(1);
    h.send(event(5));
    assertEquals(2, h.provider.calls());
    h.provider.complete(env(5));

    assertEquals(List.of(1L, 5L), h.appliedRevisions());
    assertEquals(rev(5), h.handle.localRevision());
  }

  @Test
  @DisplayName("CA-16 events 0 and 1 at local 1: no fetch, droppedStale 2")
  void staleEventsAreDropped() {
    EngineHarness h = running(1);
    h.send(event(0));
    h.send(event(1));

    assertEquals(1, h.provider.calls());
    assertEquals(2, h.handle.stats().droppedStale());
    assertEquals(2, h.logger.count("debug", "event skipped (not newer)"));
  }

  @Test
  @DisplayName("CA-16 the lock-free stale drop (debug off) counts the same")
  void staleEventsAreDroppedOnTheHotPath() {
    EngineHarness h = EngineHarness.create(b -> b.logger(Loggers.noopLogger()));
    h.startWith(env(1)).join();
    h.send(event(0));
    h.send(event(1));

    assertEquals(1, h.provider.calls());
    assertEquals(2, h.handle.stats().droppedStale());
    assertEquals(2, h.handle.stats().eventsReceived());
  }

  @Test
  @DisplayName("CA-17 three events during a 50 ms fetch cause at most one extra fetch")
  void eventsDuringFetchCoalesce() {
    EngineHarness h = running(1);
    h.send(event(2));
    h.time.advanceMs(10);
    h.send(event(3));
    h.time.advanceMs(10);
    h.send(event(4));
    h.time.advanceMs(10);
    h.send(event(5));
    h.time.advanceMs(20);
    h.provider.complete(env(2)); // read before the later changes
    h.provider.complete(env(5));

    assertEquals(3, h.provider.calls(), "initial, the event fetch, and one follow-up");
    assertEquals(0, h.provider.outstanding());
    assertEquals(rev(5), h.handle.localRevision());
  }

  @Test
  @DisplayName("CA-18 an event for another topic is ignored with one debug entry")
  void otherTopicIsIgnored() {
    EngineHarness h = running(1);
    h.send(InvalidationEvent.of("other", rev(5)));

    assertEquals(1, h.provider.calls());
    assertEquals(List.of(), h.errors());
    List<RecordingLogger.Entry> ignored = h.logger.withMessage("event ignored (other topic)");
    assertEquals(1, ignored.size());
    assertEquals("debug", ignored.get(0).level());
    assertEquals("other", ignored.get(0).extra().get("eventTopic"));
  }

  @Test
  @DisplayName("CA-19 acceptJson with topic \"\" and \"   \": 2 PROTOCOL errors")
  void blankTopicsAreProtocolErrors() {
    EngineHarness h = running(1);
    h.subscriber.sink().acceptJson("{\"topic\":\"\",\"revision\":\"5\"}");
    h.subscriber.sink().acceptJson("{\"topic\":\"   \",\"revision\":\"5\"}".getBytes());

    assertEquals(2, h.errors(SyncPhase.PROTOCOL).size());
    assertEquals(2, h.handle.stats().protocolErrors());
    assertEquals(1, h.provider.calls());
  }

  @Test
  @DisplayName("CA-20 own topic with revisions \"01\" and \"abc\": 2 PROTOCOL errors")
  void invalidRevisionsAreProtocolErrors() {
    EngineHarness h = running(1);
    h.subscriber.sink().acceptJson("{\"topic\":\"settings\",\"revision\":\"01\"}");
    h.subscriber.sink().acceptJson("{\"topic\":\"settings\",\"revision\":\"abc\"}");

    List<SyncErrorContext> errors = h.errors(SyncPhase.PROTOCOL);
    assertEquals(2, errors.size());
    assertEquals("01", errors.get(0).eventRevision());
    assertEquals("abc", errors.get(1).eventRevision());
  }

  @Test
  @DisplayName("CA-21 a numeric revision and a numeric topic: 2 PROTOCOL errors, nothing thrown")
  void wrongJsonTypesAreProtocolErrors() {
    EngineHarness h = running(1);
    assertDoesNotThrow(() -> {
      h.subscriber.sink().acceptJson("{\"topic\":\"settings\",\"revision\":5}");
      h.subscriber.sink().acceptJson("{\"topic\":123,\"revision\":\"5\"}");
    });

    assertEquals(2, h.errors(SyncPhase.PROTOCOL).size());
    assertEquals(2, h.errors().size());
  }

  @Test
  @DisplayName("CA-22 another topic with revision \"01\" is silent")
  void otherTopicIsNotValidated() {
    EngineHarness h = running(1);
    h.subscriber.sink().acceptJson("{\"topic\":\"other\",\"revision\":\"01\"}");

    assertEquals(List.of(), h.errors());
    assertEquals(1, h.logger.count("debug", "event ignored (other topic)"));
  }

  @Test
  @DisplayName("CA-23 a blank-topic PROTOCOL context has the handle's topic and the raw JSON")
  void protocolContextCarriesRawInput() {
    EngineHarness h = running(1);
    String raw = "{\"topic\":\" \",\"revision\":\"5\"}";
    h.subscriber.sink().acceptJson(raw);

    SyncErrorContext ctx = h.errors(SyncPhase.PROTOCOL).get(0);
    assertEquals(TOPIC, ctx.topic());
    assertEquals(raw, ctx.sourceEvent());
    assertInstanceOf(ProtocolException.class, ctx.error());
  }

  @Test
  @DisplayName("CA-25 a ProtocolException during an event refresh leaves the handle RUNNING")
  void providerProtocolErrorIsNotFatal() {
    EngineHarness h = running(1);
    h.send(event(2));
    h.provider.fail(new ProtocolException("bad snapshot"));

    assertEquals(SyncStatus.RUNNING, h.handle.status());
    assertEquals(1, h.errors(SyncPhase.PROTOCOL).size());
    h.send(event(10));
    h.provider.complete(env(10));
    assertEquals(rev(10), h.handle.localRevision());
  }

  @Test
  @DisplayName("CA-30 shouldRefresh false drops the event by filter")
  void filterDropsEvent() {
    EngineHarness h = EngineHarness.create(b -> b.shouldRefresh(e -> false));
    h.startWith(env(1)).join();
    h.send(event(5));

    assertEquals(1, h.provider.calls());
    assertEquals(1, h.handle.stats().droppedByFilter());
  }

  @Test
  @DisplayName("CA-30 shouldRefresh true lets r5 apply")
  void filterAcceptsEvent() {
    EngineHarness h = EngineHarness.create(b -> b.shouldRefresh(e -> true));
    h.startWith(env(1)).join();
    h.send(event(5));
    h.provider.complete(env(5));

    assertEquals(rev(5), h.handle.localRevision());
    assertEquals(0, h.handle.stats().droppedByFilter());
  }

  @Test
  @DisplayName("CA-39 two handles on different topics each react only to their own topic")
  void handlesOnDifferentTopicsAreIndependent() {
    EngineHarness settings = running(1);
    EngineHarness other = EngineHarness.create(b -> b.topic("other"));
    other.startWith(env(1)).join();
    List<InvalidationEvent> feed = List.of(
        InvalidationEvent.of(TOPIC, rev(5)), InvalidationEvent.of("other", rev(7)));
    feed.forEach(settings::send);
    feed.forEach(other::send);
    settings.provider.complete(env(5));
    other.provider.complete(env(7));

    assertEquals(2, settings.provider.calls());
    assertEquals(2, other.provider.calls());
    assertEquals(rev(5), settings.handle.localRevision());
    assertEquals(rev(7), other.handle.localRevision());
    assertEquals(List.of(), settings.errors());
    assertEquals(List.of(), other.errors());
  }

  @Test
  @DisplayName("CA-54 a throwing shouldRefresh gives one INVALIDATION and no fetch")
  void throwingFilterIsReported() {
    EngineHarness h = EngineHarness.create(b -> b.shouldRefresh(e -> {
      throw new IllegalStateException("filter bug");
    }));
    h.startWith(env(1)).join();
    assertDoesNotThrow(() -> h.send(event(5)));

    assertEquals(1, h.errors(SyncPhase.INVALIDATION).size());
    assertEquals("5", h.errors(SyncPhase.INVALIDATION).get(0).eventRevision());
    assertEquals(1, h.provider.calls());
  }

  @Test
  @DisplayName("CA-54 sink.accept(null) gives one INVALIDATION and no fetch")
  void nullEventIsReported() {
    EngineHarness h = running(1);
    assertDoesNotThrow(() -> h.subscriber.sink().accept(null));

    assertEquals(1, h.errors(SyncPhase.INVALIDATION).size());
    assertInstanceOf(NullPointerException.class, h.errors().get(0).error());
    assertEquals(1, h.provider.calls());
  }

  @Test
  @DisplayName("CA-79 ignoreOwnEvents drops an own event but advances latestSeen")
  void ownEventIsDroppedWhenIgnored() {
    EngineHarness h = EngineHarness.create(b -> b.ignoreOwnEvents(true).sourceId("me"));
    h.startWith(env(1)).join();
    h.send(event(2).withSourceId("me"));

    assertEquals(1, h.provider.calls());
    assertEquals(1, h.handle.stats().droppedSelf());
    assertEquals(rev(2), h.handle.stats().latestSeenRevision());
    assertEquals(1, h.handle.stats().lag());
  }

  @Test
  @DisplayName("CA-80 by default an own event r2 is fetched")
  void ownEventIsFetchedByDefault() {
    EngineHarness h = EngineHarness.create(b -> b.sourceId("me"));
    h.startWith(env(1)).join();
    h.send(event(2).withSourceId("me"));

    assertEquals(2, h.provider.calls());
    assertEquals(0, h.handle.stats().droppedSelf());
  }

  @Test
  @DisplayName("CA-81 an own event with a new epoch is fetched even with ignoreOwnEvents")
  void ownEventWithNewEpochIsFetched() {
    EngineHarness h = EngineHarness.create(b -> b.ignoreOwnEvents(true).sourceId("me"));
    h.startWith(env(1, "A")).join();
    h.send(event(2, "B").withSourceId("me"));

    assertEquals(2, h.provider.calls());
    assertEquals(0, h.handle.stats().droppedSelf());
    assertEquals("epoch", h.refreshReasons().get(h.refreshReasons().size() - 1));
  }

  @Test
  @DisplayName("CA-82 resync() with nothing newer forces a fetch with reason resync")
  void resyncForcesFetch() {
    EngineHarness h = running(1);
    h.subscriber.sink().resync();

    assertEquals(2, h.provider.calls());
    assertEquals(List.of("start", "resync"), h.refreshReasons());
    h.provider.complete(env(1));
    assertTrue(h.handle.stats().droppedStale() >= 1);
  }
}
