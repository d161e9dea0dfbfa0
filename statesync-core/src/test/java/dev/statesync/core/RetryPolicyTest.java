package dev.statesync.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeoutException;
import java.util.random.RandomGenerator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

class RetryPolicyTest {
  /** Returns {@code u} from every {@code nextDouble()}; other draws are not expected. */
  private static RandomGenerator fixed(double u) {
    return new RandomGenerator() {
      @Override
      public long nextLong() {
        throw new AssertionError("only nextDouble() is drawn");
      }

      @Override
      public double nextDouble() {
        return u;
      }
    };
  }

  private static final RandomGenerator NO_DRAW = new RandomGenerator() {
    @Override
    public long nextLong() {
      throw new AssertionError("jitter 0 draws nothing");
    }

    @Override
    public double nextDouble() {
      throw new AssertionError("jitter 0 draws nothing");
    }
  };

  private static void assertRejected(Executable build, String option) {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, build);
    assertTrue(e.getMessage().contains(option), "'" + e.getMessage() + "' names " + option);
  }

  @Test
  void defaultsMatchTheDocumentedValues() {
    RetryPolicy p = RetryPolicy.defaults();
    assertEquals(3, p.maxAttempts());
    assertEquals(500, p.initialDelayMs());
    assertEquals(2.0, p.multiplier());
    assertEquals(10_000, p.maxDelayMs());
    assertEquals(0.2, p.jitter());
    assertSame(RetryPolicy.RETRY_GET_SNAPSHOT, p.retryIf());
  }

  @Test
  void noneIsTheDefaultsWithOneAttempt() {
    RetryPolicy p = RetryPolicy.none();
    assertEquals(1, p.maxAttempts());
    assertEquals(500, p.initialDelayMs());
    assertEquals(10_000, p.maxDelayMs());
  }

  @Test
  void defaultRetryIfRetriesOnlySnapshotFetches() {
    RetryPolicy p = RetryPolicy.defaults();
    assertTrue(p.retryIf().test(SyncPhase.GET_SNAPSHOT, new RuntimeException()));
    assertTrue(p.retryIf().test(SyncPhase.GET_SNAPSHOT, new TimeoutException()));
    for (SyncPhase phase : List.of(SyncPhase.PROTOCOL, SyncPhase.APPLY, SyncPhase.REFRESH)) {
      assertFalse(p.retryIf().test(phase, new RuntimeException()), phase.name());
    }
  }

  @Test
  void backoffGrowsByTheMultiplierAndStopsAtMaxDelay() { // CA-44
    RetryPolicy p = RetryPolicy.builder().multiplier(10).initialDelayMs(100).maxDelayMs(500)
        .maxAttempts(4).jitter(0).build();
    assertEquals(List.of(100L, 500L, 500L),
        List.of(p.delayMs(1, NO_DRAW), p.delayMs(2, NO_DRAW), p.delayMs(3, NO_DRAW)));
  }

  @Test
  void jitterSpreadsAroundTheBase() { // CA-45
    RetryPolicy p = RetryPolicy.builder().initialDelayMs(500).jitter(0.5).build();
    assertEquals(250, p.delayMs(1, fixed(0.0)));
    assertEquals(700, p.delayMs(1, fixed(0.9)));
    assertEquals(500, p.delayMs(1, fixed(0.5)));
  }

  @Test
  void zeroJitterGivesExactlyTheBaseWithoutDrawing() {
    RetryPolicy p = RetryPolicy.builder().initialDelayMs(300).multiplier(1.5).jitter(0).build();
    assertEquals(300, p.delayMs(1, NO_DRAW));
    assertEquals(450, p.delayMs(2, NO_DRAW));
    assertEquals(675, p.delayMs(3, NO_DRAW));
    assertEquals(675, p.baseDelayMs(3));
  }

  @Test
  void jitterAppliesToTheUnroundedBase() {
    // base for n = 3 is 2.25; 2.25 × 1.2 = 2.7 rounds to 3 (rounding the base first would give 2)
    RetryPolicy p = RetryPolicy.builder().initialDelayMs(1).multiplier(1.5).jitter(0.2).build();
    assertEquals(3, p.delayMs(3, fixed(Math.nextDown(1.0))));
  }

  @Test
  void overflowingBackoffGivesMaxDelay() {
    RetryPolicy p = RetryPolicy.builder().initialDelayMs(1_000).multiplier(1e300)
        .maxDelayMs(60_000).jitter(0).build();
    assertEquals(60_000, p.delayMs(5, NO_DRAW));
    assertEquals(60_000, p.delayMs(Integer.MAX_VALUE, NO_DRAW));
  }

  @Test
  void zeroInitialDelayStaysZeroEvenWhereThePowerOverflows() {
    RetryPolicy p = RetryPolicy.builder().initialDelayMs(0).multiplier(1e300).jitter(0).build();
    assertEquals(0, p.delayMs(10, NO_DRAW));
  }

  @Test
  void jitteredDelayIsClampedToMaxDelay() {
    RetryPolicy p = RetryPolicy.builder().initialDelayMs(1_000).maxDelayMs(1_000).jitter(1).build();
    assertEquals(1_000, p.delayMs(1, fixed(Math.nextDown(1.0))));
    assertEquals(0, p.delayMs(1, fixed(0.0)));
  }

  @Test
  void delayOfAttemptBelowOneIsRejected() {
    assertRejected(() -> RetryPolicy.defaults().delayMs(0, NO_DRAW), "n");
    assertRejected(() -> RetryPolicy.defaults().baseDelayMs(-1), "n");
  }

  @Test
  void invalidFieldsAreRejectedAtBuildNamingTheField() { // CA-48
    assertRejected(() -> RetryPolicy.builder().maxAttempts(0).build(), "maxAttempts");
    assertRejected(() -> RetryPolicy.builder().initialDelayMs(-1).build(), "initialDelay");
    assertRejected(() -> RetryPolicy.builder().initialDelay(Duration.ofMillis(-1)).build(),
        "initialDelay");
    assertRejected(() -> RetryPolicy.builder().multiplier(0.5).build(), "multiplier");
    assertRejected(() -> RetryPolicy.builder().multiplier(Double.NaN).build(), "multiplier");
    assertRejected(() -> RetryPolicy.builder().multiplier(Double.POSITIVE_INFINITY).build(),
        "multiplier");
    assertRejected(() -> RetryPolicy.builder().jitter(1.5).build(), "jitter");
    assertRejected(() -> RetryPolicy.builder().jitter(-0.1).build(), "jitter");
    assertRejected(() -> RetryPolicy.builder().jitter(Double.NaN).build(), "jitter");
    assertRejected(() -> RetryPolicy.builder().initialDelayMs(1_000).maxDelayMs(999).build(),
        "maxDelay");
  }

  @Test
  void boundaryValuesAreAccepted() {
    RetryPolicy p = RetryPolicy.builder().maxAttempts(1).initialDelay(Duration.ZERO).multiplier(1)
        .maxDelay(Duration.ZERO).jitter(1).build();
    assertEquals(0, p.delayMs(3, fixed(0.99)));
  }

  @Test
  void nullRetryIfIsRejected() {
    assertThrows(NullPointerException.class, () -> RetryPolicy.builder().retryIf(null));
  }
}
