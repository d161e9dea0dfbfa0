package dev.statesync.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class EpochAndTopicTest {
  @Test
  void emptyAndOverlongEpochsAreRejected() {
    assertThrows(IllegalArgumentException.class, () -> Epoch.of(""));
    assertThrows(IllegalArgumentException.class, () -> Epoch.of("e".repeat(257)));
    assertThrows(NullPointerException.class, () -> Epoch.of(null));
    assertEquals(256, Epoch.of("e".repeat(256)).value().length());
  }

  @Test
  void equalStringsGiveEqualEpochs() {
    assertEquals(Epoch.of("b7"), Epoch.of(new String("b7")));
    assertEquals(Epoch.of("b7").hashCode(), Epoch.of("b7").hashCode());
    assertNotEquals(Epoch.of("b7"), Epoch.of("b8"));
    assertEquals("b7", Epoch.of("b7").toString());
  }

  @Test
  void validTopicIsAccepted() {
    assertTrue(Topics.isValid("settings"));
    assertTrue(Topics.isValid("a b"));
    assertTrue(Topics.isValid("t".repeat(256)));
    assertEquals("settings", Topics.validate("settings"));
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "   ", " a", "a ", "a\tb", "a\u0000b", "a\u007Fb"})
  void invalidTopicsAreRejected(String topic) {
    assertFalse(Topics.isValid(topic));
    assertThrows(IllegalArgumentException.class, () -> Topics.validate(topic));
  }

  @Test
  void overlongAndNullTopicsAreRejected() {
    assertFalse(Topics.isValid("t".repeat(257)));
    assertFalse(Topics.isValid(null));
    assertThrows(NullPointerException.class, () -> Topics.validate(null));
  }
}
