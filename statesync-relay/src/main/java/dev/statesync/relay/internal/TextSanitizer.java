package dev.statesync.relay.internal;

/**
 * Makes streamed text well-formed (RELAY-9): a chunk ending in a high surrogate keeps it back for
 * the next chunk, any other unpaired surrogate becomes U+FFFD, and a surrogate still held back
 * when the stream ends becomes U+FFFD. Not thread-safe; owned by one source.
 */
public final class TextSanitizer {
  private char held;

  /** Returns the well-formed text to append for {@code chunk}, possibly empty. */
  public String accept(String chunk) {
    StringBuilder in = new StringBuilder(chunk.length() + 1);
    if (held != 0) {
      in.append(held);
      held = 0;
    }
    in.append(chunk);
    int end = in.length();
    if (end > 0 && Character.isHighSurrogate(in.charAt(end - 1))) {
      held = in.charAt(end - 1);
      end--;
    }
    StringBuilder out = new StringBuilder(end);
    for (int i = 0; i < end; i++) {
      char c = in.charAt(i);
      if (Character.isHighSurrogate(c) && i + 1 < end && Character.isLowSurrogate(in.charAt(i + 1))) {
        out.append(c).append(in.charAt(i + 1));
        i++;
      } else if (Character.isSurrogate(c)) {
        out.append('\uFFFD');
      } else {
        out.append(c);
      }
    }
    return out.toString();
  }

  /** The number of chars held back for the next chunk: 0 or 1. */
  public int heldChars() {
    return held == 0 ? 0 : 1;
  }

  /** Ends the stream: returns "\uFFFD" if a high surrogate was held back, else "". */
  public String finish() {
    boolean pending = held != 0;
    held = 0;
    return pending ? "\uFFFD" : "";
  }
}
