package dev.statesync.relay;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

/** States taken from an append-only text log: O(1) snapshots that never change afterwards. */
class StreamStateTest {

  private static StreamState streaming(TextLog log) {
    return log.snapshot("src", "s1", StreamStatus.STREAMING, null, null, false);
  }

  @Test
  void aSnapshotKeepsItsTextWhileTheLogGrowsPastItsArray() {
    TextLog log = new TextLog();
    log.append("héllo");
    StreamState first = streaming(log);
    for (int i = 0; i < 1000; i++) {
      log.append(" ✓" + i); // grows the array many times
    }
    StreamState later = streaming(log);
    assertEquals("héllo", first.text());
    assertEquals(5, first.textLength());
    assertEquals(log.toString(), later.text());
    assertEquals(later.text().length(), later.textLength());
  }

  @Test
  void aSnapshotTakenBeforeAReplaceOrClearStillShowsItsOwnText() {
    TextLog log = new TextLog();
    log.append("abc");
    StreamState before = streaming(log);
    log.replace("xyz-longer");
    StreamState replaced = streaming(log);
    log.clear();
    log.append("q");
    assertEquals("abc", before.text());
    assertEquals("xyz-longer", replaced.text());
    assertEquals("q", streaming(log).text());
  }

  @Test
  void theTextIsBuiltOnceAndStatesCompareByValue() {
    TextLog log = new TextLog();
    log.append("same");
    StreamState a = streaming(log);
    assertSame(a.text(), a.text());
    StreamState b = new StreamState("src", "s1", StreamStatus.STREAMING, "same", null, null,
        false);
    assertEquals(a, b);
    assertEquals(a.hashCode(), b.hashCode());
    log.append("!");
    assertNotEquals(a, streaming(log));
    assertEquals("StreamState[src/s1 STREAMING 4 chars 'same']", a.toString());
  }

  @Test
  void aLongTextIsShortenedInToStringWithoutBuildingIt() {
    TextLog log = new TextLog();
    log.append("x".repeat(100));
    assertEquals("StreamState[src/s1 STREAMING 100 chars '" + "x".repeat(64) + "...']",
        streaming(log).toString());
  }

  @Test
  void anErrorMustMatchTheStatus() {
    assertThrows(IllegalArgumentException.class,
        () -> new StreamState("s", "1", StreamStatus.STREAMING, "", "boom", null, false));
    assertThrows(NullPointerException.class,
        () -> new StreamState("s", "1", StreamStatus.STREAMING, null, null, null, false));
  }
}
