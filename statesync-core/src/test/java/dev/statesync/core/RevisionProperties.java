package dev.statesync.core;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.math.BigInteger;
import java.util.regex.Pattern;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

class RevisionProperties {
  private static final Pattern DIGITS = Pattern.compile("^(0|[1-9][0-9]*)$");
  private static final BigInteger MAX = new BigInteger("18446744073709551615");

  @Property
  void toStringThenParseRoundTripsEveryUnsignedLong(@ForAll long bits) {
    Revision r = Revision.ofUnsignedBits(bits);
    assertEquals(r, Revision.parse(r.toString()));
    assertEquals(bits, Revision.parse(r.toString()).unsignedBits());
  }

  @Property
  void compareToAgreesWithBigInteger(@ForAll long a, @ForAll long b) {
    Revision ra = Revision.ofUnsignedBits(a);
    Revision rb = Revision.ofUnsignedBits(b);
    assertEquals(
        Integer.signum(ra.toBigInteger().compareTo(rb.toBigInteger())),
        Integer.signum(ra.compareTo(rb)));
    assertEquals(
        Integer.signum(ra.compareTo(rb)),
        Revision.compareCanonical(ra.toString(), rb.toString()));
  }

  @Property
  void isCanonicalAgreesWithRegexAndBound(@ForAll("revisionLikeStrings") String s) {
    boolean expected = DIGITS.matcher(s).matches() && new BigInteger(s).compareTo(MAX) <= 0;
    assertEquals(expected, Revision.isCanonical(s));
  }

  @Property
  void isCanonicalAgreesWithRegexAndBoundOnAnyString(@ForAll String s) {
    boolean expected = DIGITS.matcher(s).matches() && new BigInteger(s).compareTo(MAX) <= 0;
    assertEquals(expected, Revision.isCanonical(s));
  }

  @Provide
  Arbitrary<String> revisionLikeStrings() {
    // Mostly digits, so that the interesting boundaries (leading zeros, 20 digits, MAX) are hit.
    return Arbitraries.oneOf(
        Arbitraries.strings().withChars("0123456789").ofMinLength(0).ofMaxLength(22),
        Arbitraries.strings().withChars("0123456789+- \u0661\uFF11a").ofMaxLength(22),
        Arbitraries.longs().map(Long::toUnsignedString),
        Arbitraries.bigIntegers().between(MAX.subtract(BigInteger.valueOf(1000)),
            MAX.add(BigInteger.valueOf(1000))).map(BigInteger::toString));
  }
}
