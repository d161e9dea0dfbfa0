package dev.statesync.relay;

import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.util.Objects;

/**
 * How {@link StreamSource#feed(java.io.InputStream, StreamFormat)} turns the bytes of a body into
 * stream text. Immutable.
 */
public final class StreamFormat {
  private static final StreamFormat UTF8 = new StreamFormat(StandardCharsets.UTF_8);

  private final Charset charset;

  private StreamFormat(Charset charset) {
    this.charset = charset;
  }

  /** Plain text in UTF-8; see {@link #plainText(Charset)}. */
  public static StreamFormat plainText() {
    return UTF8;
  }

  /**
   * Plain text in {@code charset}: every byte of the body is text. Each read is decoded with one
   * stateful decoder, so a multi-byte sequence split across reads (or across HTTP chunks) is
   * joined; malformed input becomes U+FFFD, and so does a sequence cut off by the end of the
   * body.
   */
  public static StreamFormat plainText(Charset charset) {
    return new StreamFormat(Objects.requireNonNull(charset, "charset"));
  }

  /** The charset the body is decoded with. */
  public Charset charset() {
    return charset;
  }

  @Override
  public String toString() {
    return "StreamFormat.plainText(" + charset + ")";
  }
}
