package dev.statesync.persistence;

import net.jqwik.api.ForAll;
import net.jqwik.api.Label;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;

/** PP-5 over random apply sequences; each try runs on a fresh harness. */
class SavePipelinePropertiesTest {
  @Property(tries = 60)
  @Label("PP-5 any apply sequence over random backend latency: one write at a time, "
      + "increasing within an epoch, the last applied stored at quiescence")
  void anyApplySequenceOverRandomLatencyEndsOnTheLastSnapshot(@ForAll long seed,
      @ForAll @IntRange(min = 1, max = 80) int applies,
      @ForAll @IntRange(min = 0, max = 40) int maxLatencyMs,
      @ForAll @IntRange(min = 0, max = 30) int maxGapMs,
      @ForAll @IntRange(min = 0, max = 10) int epochEvery) {
    new SavePipelineTest().assertRandomLatencyRunKeepsPp5(seed, applies, maxLatencyMs, maxGapMs,
        epochEvery);
  }
}
