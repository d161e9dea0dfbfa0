package dev.statesync.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

class ThrottlingOptionsTest {
  private static ThrottlingOptions.Builder builder() {
    return ThrottlingOptions.builder();
  }

  private static void assertRejected(Executable build, String... mentioned) {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, build);
    for (String word : mentioned) {
      assertTrue(e.getMessage().contains(word), "'" + e.getMessage() + "' names " + word);
    }
  }

  @Test
  void noneIsAPassThroughWithEveryDefault() {
    ThrottlingOptions none = ThrottlingOptions.none();
    assertEquals(0, none.debounceMs());
    assertEquals(0, none.throttleMs());
    assertTrue(none.leading());
    assertTrue(none.trailing());
    assertEquals(OptionalLong.empty(), none.maxWaitMs());
    assertTrue(none.isPassThrough());
    assertEquals(0, none.maxDelayMs());
    assertEquals(none, builder().build());
    assertSame(none, ThrottlingOptions.none());
  }

  @Test
  void negativeDebounceIsRejectedNamingIt() { // CA-75
    assertRejected(() -> builder().debounceMs(-1).build(), "debounceMs", "-1");
    assertRejected(() -> builder().debounce(Duration.ofMillis(-1)).build(), "debounceMs");
  }

  @Test
  void negativeThrottleIsRejectedNamingIt() {
    assertRejected(() -> builder().throttleMs(-5).build(), "throttleMs", "-5");
  }

  @Test
  void leadingAndTrailingBothFalseIsRejectedWhateverTheWindow() { // CA-75
    assertRejected(() -> builder().leading(false).trailing(false).build(), "leading", "trailing");
    assertRejected(() -> builder().throttleMs(100).leading(false).trailing(false).build(),
        "leading", "trailing");
  }

  @Test
  void maxWaitWithoutDebounceIsRejected() { // CA-75
    assertRejected(() -> builder().maxWaitMs(100).build(), "maxWaitMs", "debounceMs");
  }

  @Test
  void maxWaitBelowDebounceIsRejected() { // CA-75
    assertRejected(() -> builder().debounceMs(50).maxWaitMs(10).build(), "maxWaitMs", "50", "10");
  }

  @Test
  void negativeMaxWaitIsRejected() {
    assertRejected(() -> builder().debounceMs(50).maxWaitMs(-1).build(), "maxWaitMs");
  }

  @Test
  void maxWaitEqualToDebounceIsAccepted() {
    ThrottlingOptions o = builder().debounceMs(50).maxWaitMs(50).build();
    assertEquals(OptionalLong.of(50), o.maxWaitMs());
    assertEquals(50, o.effectiveMaxWaitMs());
  }

  @Test
  void effectiveMaxWaitDefaultsToTenTimesDebounce() {
    assertEquals(1_000, builder().debounceMs(100).build().effectiveMaxWaitMs());
    assertEquals(300, builder().debounceMs(100).maxWaitMs(300).build().effectiveMaxWaitMs());
  }

  @Test
  void maxDelayFollowsTheBoundFormula() {
    assertEquals(1_000, builder().debounceMs(100).build().maxDelayMs());
    assertEquals(100, builder().throttleMs(100).build().maxDelayMs());
    assertEquals(200, builder().throttleMs(100).trailing(false).build().maxDelayMs());
    assertEquals(600, builder().debounceMs(50).throttleMs(100).build().maxDelayMs());
    assertEquals(700, builder().debounceMs(50).maxWaitMs(300).throttleMs(200).trailing(false)
        .build().maxDelayMs());
  }

  @Test
  void maxDelaySaturatesInsteadOfOverflowing() {
    ThrottlingOptions o = builder().debounceMs(Long.MAX_VALUE / 2).throttleMs(Long.MAX_VALUE / 2)
        .trailing(false).build();
    assertEquals(Long.MAX_VALUE, o.effectiveMaxWaitMs());
    assertEquals(Long.MAX_VALUE, o.maxDelayMs());
  }

  @Test
  void passThroughOnlyWithoutDebounceAndThrottle() {
    assertTrue(builder().leading(false).build().isPassThrough());
    assertFalse(builder().debounceMs(1).build().isPassThrough());
    assertFalse(builder().throttleMs(1).build().isPassThrough());
  }

  @Test
  void durationSettersMatchMillisecondSetters() {
    ThrottlingOptions byDuration = builder().debounce(Duration.ofMillis(20))
        .throttle(Duration.ofMillis(30)).maxWait(Duration.ofMillis(40)).build();
    ThrottlingOptions byMillis = builder().debounceMs(20).throttleMs(30).maxWaitMs(40).build();
    assertEquals(byMillis, byDuration);
    assertEquals(byMillis.hashCode(), byDuration.hashCode());
    assertNotEquals(byMillis, builder().debounceMs(20).throttleMs(30).build());
    assertTrue(byMillis.toString().contains("maxWaitMs=40"));
  }

  @Test
  void nullDurationsAreRejectedNamingTheOption() {
    NullPointerException e =
        assertThrows(NullPointerException.class, () -> builder().debounce(null));
    assertEquals("debounce", e.getMessage());
  }
}
