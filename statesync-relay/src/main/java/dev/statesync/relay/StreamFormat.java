package dev.statesync.relay;

import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.util.Objects;

/**
 * How {@link StreamSource#feed(java.io.InputStream, StreamFormat)} turns the bytes of a body into
 * stream text: plain text in a charset, or a {@code text/event-stream} whose events are mapped to
 * text, completion and failure by an {@link SseTextMapping}. Immutable.
 */
public final class StreamFormat {
  private static final StreamFormat UTF8 = new StreamFormat(StandardCharsets.UTF_8, null);
  private static final StreamFormat SSE =
      new StreamFormat(StandardCharsets.UTF_8, SseTextMapping.defaults());

  private final Charset charset;
  private final SseTextMapping sse;

  private StreamFormat(Charset charset, SseTextMapping sse) {
    this.charset = charset;
    this.sse = sse;
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
    return new StreamFormat(Objects.requireNonNull(charset, "charset"), null);
  }

  /** A {@code text/event-stream} body with {@link SseTextMapping#defaults()}. */
  public static StreamFormat sse() {
    return SSE;
  }

  /**
   * A {@code text/event-stream} body (always UTF-8), parsed by
   * {@link dev.statesync.relay.sse.SseParser}, whose events drive the stream as {@code mapping}
   * says. An event larger than the parser's limit fails the stream.
   */
  public static StreamFormat sse(SseTextMapping mapping) {
    return new StreamFormat(StandardCharsets.UTF_8, Objects.requireNonNull(mapping, "mapping"));
  }

  /** The charset the body is decoded with. */
  public Charset charset() {
    return charset;
  }

  /** True for an event-stream format. */
  public boolean isSse() {
    return sse != null;
  }

  /** The event mapping of an event-stream format, else null. */
  public SseTextMapping sseMapping() {
    return sse;
  }

  @Override
  public String toString() {
    return sse == null ? "StreamFormat.plainText(" + charset + ")" : "StreamFormat.sse()";
  }
}
