package dev.statesync.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.math.BigInteger;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.NullSource;
import org.junit.jupiter.params.provider.ValueSource;

class RevisionTest {
  @ParameterizedTest
  @ValueSource(strings = {"0", "1", "42", "999999999999", "18446744073709551615"})
  void canonicalFormsAreAccepted(String text) {
    assertTrue(Revision.isCanonical(text));
    assertEquals(text, Revision.parse(text).toString());
  }

  @Test
  void maxLiteralParsesToMaxWithAllBitsSet() {
    assertEquals(Revision.MAX, Revision.parse("18446744073709551615"));
    assertEquals(-1L, Revision.MAX.unsignedBits());
    assertEquals("0", Revision.ZERO.toString());
  }

  @ParameterizedTest
  @NullSource
  @ValueSource(
      strings = {"", "00", "01", "007", "abc", "12a", "-1", "+1", "1.0", " 1", "1 ",
          "\u0661\u0662", "\uFF11"})
  void nonCanonicalFormsAreRejected(String text) {
    assertFalse(Revision.isCanonical(text));
    assertEquals(Optional.empty(), Revision.tryParse(text));
  }

  @ParameterizedTest
  @ValueSource(strings = {"18446744073709551616", "99999999999999999999", "100000000000000000000",
      "000000000000000000001"})
  void valuesAboveMaxOrLongerThanTwentyDigitsAreRejected(String text) {
    assertFalse(Revision.isCanonical(text));
    assertThrows(IllegalArgumentException.class, () -> Revision.parse(text));
  }

  @Test
  void parseRejectsWithMessageQuotingAtMostFortyCharacters() {
    String input = "x".repeat(100);
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> Revision.parse(input));
    assertTrue(e.getMessage().contains("x".repeat(40) + "..."));
    assertFalse(e.getMessage().contains("x".repeat(41)));
    assertThrows(NullPointerException.class, () -> Revision.parse(null));
  }

  @Test
  void orderIsUnsignedNumeric() {
    assertTrue(rev("9").compareTo(rev("10")) < 0);
    assertTrue(rev("100").compareTo(rev("99")) > 0);
    assertTrue(rev("10").compareTo(rev("20")) < 0);
    assertTrue(Revision.MAX.isNewerThan(rev("9223372036854775808")));
    assertTrue(rev("9223372036854775808").isNewerThan(rev("9223372036854775807")));
    assertTrue(Revision.ZERO.compareTo(rev("1")) < 0);
    assertEquals(Revision.ZERO, Revision.ZERO);
    assertEquals(0, Revision.ZERO.compareTo(Revision.of(0)));
    assertFalse(rev("5").isNewerThan(rev("5")));
  }

  @Test
  void nextIncrementsAndSaturatesAtMax() {
    assertEquals(rev("1"), Revision.ZERO.next());
    assertSame(Revision.MAX, Revision.MAX.next());
    assertEquals(rev("9223372036854775808"), rev("9223372036854775807").next());
  }

  @Test
  void ofRequiresNonNegativeValue() {
    assertEquals("42", Revision.of(42).toString());
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> Revision.of(-1L));
    assertTrue(e.getMessage().contains("ofUnsignedBits"));
  }

  @Test
  void ofUnsignedBitsCoversTheUpperHalf() {
    assertEquals("9223372036854775808", Revision.ofUnsignedBits(Long.MIN_VALUE).toString());
    assertSame(Revision.MAX, Revision.ofUnsignedBits(-1L));
    assertSame(Revision.ZERO, Revision.ofUnsignedBits(0L));
  }

  @Test
  void bigIntegerConversionCoversTheFullRangeAndRejectsOutside() {
    BigInteger max = new BigInteger("18446744073709551615");
    assertEquals(Revision.MAX, Revision.of(max));
    assertEquals(max, Revision.MAX.toBigInteger());
    assertEquals(BigInteger.ZERO, Revision.ZERO.toBigInteger());
    assertThrows(IllegalArgumentException.class, () -> Revision.of(max.add(BigInteger.ONE)));
    assertThrows(IllegalArgumentException.class, () -> Revision.of(BigInteger.valueOf(-1)));
    assertThrows(NullPointerException.class, () -> Revision.of((BigInteger) null));
  }

  @Test
  void equalityAndHashAreByValue() {
    assertEquals(rev("123"), Revision.of(123));
    assertEquals(rev("123").hashCode(), Revision.of(123).hashCode());
    assertNotEquals(rev("123"), rev("124"));
    assertNotEquals(rev("123"), "123");
  }

  @Test
  void compareCanonicalOrdersByLengthThenLexicographically() {
    assertTrue(Revision.compareCanonical("9", "10") < 0);
    assertTrue(Revision.compareCanonical("20", "10") > 0);
    assertEquals(0, Revision.compareCanonical("18446744073709551615", "18446744073709551615"));
  }

  @Test
  void compareCanonicalRejectsNonCanonicalArguments() {
    assertThrows(IllegalArgumentException.class, () -> Revision.compareCanonical("01", "1"));
    assertThrows(IllegalArgumentException.class, () -> Revision.compareCanonical("1", "+1"));
    assertThrows(IllegalArgumentException.class, () -> Revision.compareCanonical(null, "1"));
  }

  private static Revision rev(String text) {
    return Revision.parse(text);
  }
}
