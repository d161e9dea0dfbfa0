package dev.statesync.relay;

import java.util.Arrays;

/**
 * Append-only text whose snapshots cost O(1): a {@link StreamState} keeps the array and the
 * length it saw, and later appends only write past that length or into a new array. Appending
 * n chars in k chunks therefore costs O(n) overall instead of the O(n·k) of copying the whole
 * text into every state. Not thread-safe: the owner appends under its own lock and publishes
 * states through it.
 */
final class TextLog {
  private static final char[] EMPTY = new char[0];
  private char[] chars = EMPTY;
  private int length;

  /** Appends {@code s}. */
  void append(CharSequence s) {
    int n = s.length();
    if (n == 0) {
      return;
    }
    int needed = length + n;
    if (needed < 0) {
      throw new OutOfMemoryError("text longer than 2^31 - 1 chars");
    }
    if (needed > chars.length) {
      // A new array: snapshots taken so far keep the old one, whose prefix never changes.
      int grown = Math.max(needed, Math.max(16, chars.length + (chars.length >> 1)));
      chars = Arrays.copyOf(chars, grown < 0 ? needed : grown);
    }
    if (s instanceof String str) {
      str.getChars(0, n, chars, length);
    } else {
      for (int i = 0; i < n; i++) {
        chars[length + i] = s.charAt(i);
      }
    }
    length = needed;
  }

  /** Replaces the whole text; earlier snapshots are unaffected. */
  void replace(String s) {
    chars = s.toCharArray();
    length = chars.length;
  }

  /** Empties the text; earlier snapshots are unaffected. */
  void clear() {
    chars = EMPTY;
    length = 0;
  }

  int length() {
    return length;
  }

  /** A state of this text as it is now; its text is built only if someone asks for it. */
  StreamState snapshot(String sourceId, String streamId, StreamStatus status, String error,
      EndReason reason, boolean sourceClosed) {
    return new StreamState(sourceId, streamId, status, chars, length, error, reason,
        sourceClosed);
  }

  @Override
  public String toString() {
    return new String(chars, 0, length);
  }
}
