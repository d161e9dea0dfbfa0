package dev.statesync.relay.internal;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.Charset;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;

/**
 * Reads a body in 8 KiB reads and decodes it with one stateful decoder, so a multi-byte sequence
 * split across reads is joined. Malformed input and a sequence cut off by EOF become U+FFFD.
 */
public final class BodyReader {
  /** The size of one read. */
  public static final int READ_BYTES = 8192;

  /** Receives decoded text; returns false to stop reading. */
  @FunctionalInterface
  public interface TextSink {
    boolean text(String text);
  }

  private final CharsetDecoder decoder;
  private final ByteBuffer bytes = ByteBuffer.allocate(READ_BYTES + 64);
  private final CharBuffer chars;

  /** A reader decoding {@code charset}. */
  public BodyReader(Charset charset) {
    this.decoder = charset.newDecoder()
        .onMalformedInput(CodingErrorAction.REPLACE)
        .onUnmappableCharacter(CodingErrorAction.REPLACE);
    this.chars = CharBuffer.allocate(
        (int) Math.ceil(bytes.capacity() * (double) decoder.maxCharsPerByte()) + 8);
  }

  /**
   * Reads {@code in} to EOF, handing each decoded piece to {@code sink}.
   *
   * @return true at EOF, false if the sink stopped the reading
   * @throws IOException if a read fails
   */
  public boolean readAll(InputStream in, TextSink sink) throws IOException {
    byte[] buf = new byte[READ_BYTES];
    while (true) {
      int n = in.read(buf);
      if (n < 0) {
        return finish(sink);
      }
      if (n > 0 && !decode(buf, n, sink)) {
        return false;
      }
    }
  }

  /**
   * Reads at most {@code maxChars} chars (and at most 8 reads), for quoting an error body.
   *
   * @throws IOException if a read fails
   */
  public String readPrefix(InputStream in, int maxChars) throws IOException {
    StringBuilder out = new StringBuilder();
    byte[] buf = new byte[1024];
    for (int reads = 0; reads < 8 && out.length() < maxChars; reads++) {
      int n = in.read(buf);
      if (n < 0) {
        finish(s -> out.append(s) != null);
        break;
      }
      decode(buf, n, s -> out.append(s) != null);
    }
    return out.length() > maxChars ? out.substring(0, maxChars) : out.toString();
  }

  private boolean decode(byte[] buf, int n, TextSink sink) {
    bytes.put(buf, 0, n);
    bytes.flip();
    while (true) {
      CoderResult r = decoder.decode(bytes, chars, false);
      if (!drain(sink)) {
        return false;
      }
      if (r.isUnderflow()) {
        break;
      }
    }
    // Keeps the bytes of an incomplete sequence for the next read.
    bytes.compact();
    return true;
  }

  private boolean finish(TextSink sink) {
    bytes.flip();
    decoder.decode(bytes, chars, true);
    decoder.flush(chars);
    bytes.clear();
    return drain(sink);
  }

  private boolean drain(TextSink sink) {
    chars.flip();
    String s = chars.toString();
    chars.clear();
    return s.isEmpty() || sink.text(s);
  }
}
