package dev.statesync.postgres.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.StringLength;

class SqlNamesTest {
  @Property
  void acceptedTableNamesQuoteToSafeIdentifiers(@ForAll @StringLength(max = 80) String name) {
    boolean accepted;
    try {
      SqlNames.tableName("tableName", name);
      accepted = true;
    } catch (IllegalArgumentException e) {
      assertTrue(e.getMessage().startsWith("tableName must be"), e.getMessage());
      accepted = false;
    }
    if (accepted) {
      assertTrue(name.matches("[a-z_][a-z0-9_]{0,62}(\\.[a-z_][a-z0-9_]{0,62})?"), name);
      String quoted = SqlNames.quote(name);
      assertEquals(name, quoted.replace("\"", ""));
      assertEquals(name.contains(".") ? 4 : 2, quoted.chars().filter(c -> c == '"').count());
    }
  }

  @Property
  void validNamesAreAccepted(
      @ForAll("identifiers") String schema, @ForAll("identifiers") String table) {
    assertEquals(schema + "." + table, SqlNames.tableName("tableName", schema + "." + table));
    assertEquals(table, SqlNames.identifier("channel", table));
  }

  @net.jqwik.api.Provide
  net.jqwik.api.Arbitrary<String> identifiers() {
    return net.jqwik.api.Arbitraries.strings().withChars("abcxyz_019").ofMinLength(1)
        .ofMaxLength(63).filter(s -> !Character.isDigit(s.charAt(0)));
  }

  @Property
  void upperCaseAndQuotesAreRejected(@ForAll("identifiers") String table) {
    assertThrows(IllegalArgumentException.class,
        () -> SqlNames.identifier("channel", table.toUpperCase() + "\"X"));
  }
}
