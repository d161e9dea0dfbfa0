package dev.statesync.core.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.statesync.core.InvalidationEvent;
import dev.statesync.core.Revision;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;
import net.jqwik.api.statistics.Statistics;

/** The engine properties CP-1..CP-5 and CP-9 over random programs on virtual time. */
class EnginePropertiesTest {

  @Provide
  Arbitrary<List<EngineSimulation.Step>> programs() {
    Arbitrary<EngineSimulation.Step> step = Combinators.combine(
        Arbitraries.integers().between(0, EngineSimulation.OPS.length - 1),
        Arbitraries.integers().between(0, 999),
        Arbitraries.integers().between(0, 999)).as(EngineSimulation.Step::new);
    return step.list().ofMinSize(5).ofMaxSize(40);
  }

  private static EngineSimulation simulate(long seed, List<EngineSimulation.Step> program) {
    EngineSimulation sim = new EngineSimulation(seed);
    sim.run(program);
    return sim;
  }

  @Property
  void cp1RevisionsStrictlyIncreaseBetweenEpochResets(
      @ForAll long seed, @ForAll("programs") List<EngineSimulation.Step> program) {
    EngineSimulation sim = simulate(seed, program);
    sim.stopAndDrain();
    assertEquals(List.of(), sim.cp1);
  }

  @Property
  void cp2ApplierNeverConcurrentAndSingleFlightFetch(
      @ForAll long seed, @ForAll("programs") List<EngineSimulation.Step> program) {
    EngineSimulation sim = simulate(seed, program);
    sim.quiesce(seed % 2 == 0);
    assertEquals(List.of(), sim.cp2);
  }

  @Property
  void cp3NothingAppliesAfterStopAndEveryFutureCompletes(
      @ForAll long seed, @ForAll("programs") List<EngineSimulation.Step> program) {
    EngineSimulation sim = simulate(seed, program);
    sim.stopAndDrain();
    assertEquals(List.of(), sim.cp3);
  }

  @Property
  void cp4QuiescenceConvergesOnTheSource(
      @ForAll long seed, @ForAll("programs") List<EngineSimulation.Step> program) {
    EngineSimulation sim = simulate(seed, program);
    String status = sim.handle.status().toString();
    String divergence = sim.quiesce(seed % 2 == 0);
    Statistics.label("status before quiescence").collect(status);
    Statistics.label("applies").collect(Math.min(sim.appliesSeen / 3, 3) * 3 + "+");
    assertNull(divergence);
  }

  @Property
  void cp5RefreshCompletesAfterAFetchThatStartedAfterIt(
      @ForAll long seed, @ForAll("programs") List<EngineSimulation.Step> program) {
    EngineSimulation sim = simulate(seed, program);
    sim.stopAndDrain();
    assertEquals(List.of(), sim.cp5);
  }

  @Property
  void cp9EventsDuringOneFetchCauseAtMostOneExtraFetch(
      @ForAll @IntRange(min = 1, max = 20) int local,
      @ForAll @Size(min = 1, max = 10) List<@IntRange(min = -3, max = 12) Integer> offsets,
      @ForAll @IntRange(min = 0, max = 100) int readPercent,
      @ForAll @Size(max = 5) List<Boolean> laterReadsLag) {
    EngineHarness h = EngineHarness.create(b -> b.noSnapshotTimeout());
    h.startWith(EngineHarness.env(local)).join();
    h.send(EngineHarness.event(local + 1L));
    int fetchesBefore = h.provider.calls();
    long target = local + 1L;
    for (int offset : offsets) {
      long r = Math.max(0, local + offset);
      h.send(InvalidationEvent.of(EngineHarness.TOPIC, Revision.of(r)));
      target = Math.max(target, r);
    }
    long source = target;
    long firstRead = local + Math.round((source - local) * readPercent / 100.0);
    h.provider.complete(EngineHarness.env(firstRead));
    int olderThanTarget = firstRead < target ? 1 : 0;
    int lagIndex = 0;
    for (int guard = 0; guard < 20; guard++) {
      h.time.advanceMs(60_000);
      if (h.provider.outstanding() == 0) {
        break;
      }
      boolean lag = lagIndex < laterReadsLag.size() && laterReadsLag.get(lagIndex++);
      long read = lag ? h.handle.localRevision().unsignedBits() : source;
      if (read < target) {
        olderThanTarget++;
      }
      h.provider.complete(EngineHarness.env(read));
    }

    int extra = h.provider.calls() - fetchesBefore;
    assertTrue(extra <= olderThanTarget,
        "extra fetches " + extra + ", reads older than the target " + olderThanTarget);
    if (firstRead >= target) {
      assertEquals(0, extra);
    }
    assertEquals(0, h.provider.outstanding());
  }
}
