package dev.statesync.relay.sse;

import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Objects;
import java.util.OptionalLong;
import java.util.function.Consumer;
import java.util.function.LongConsumer;

/**
 * A streaming parser for {@code text/event-stream} bodies, following the WHATWG event-stream
 * interpretation rules.
 *
 * <p>Bytes arrive in arbitrary pieces through {@link #feed(byte[], int, int)}; the end of a
 * stream is signalled with {@link #end()}. Any split of the same byte stream yields the same
 * messages:
 *
 * <ul>
 *   <li><b>Decoding.</b> Input is UTF-8, decoded statefully, so a multi-byte sequence split across
 *       pieces is joined; malformed input becomes U+FFFD. One U+FEFF at the very start of a stream
 *       is dropped.
 *   <li><b>Lines</b> end at CRLF, LF or CR. A line ended by a CR is processed at once; an LF that
 *       directly follows it, in the same piece or the next, is skipped.
 *   <li><b>Line kinds.</b> An empty line dispatches the event. A line starting with {@code :} is a
 *       comment, passed without the colon to the {@link Builder#onComment comment listener}.
 *       Otherwise the field name is the text before the first colon and the value the text after
 *       it, minus one leading space; a line without a colon is a field with an empty value.
 *   <li><b>Fields.</b> {@code event} sets the type; {@code data} appends the value and a newline to
 *       the data buffer; {@code id} sets the last event id unless the value contains U+0000;
 *       {@code retry} sets the reconnection delay if the value is ASCII digits only (a value too
 *       large for a {@code long} saturates); every other field is ignored.
 *   <li><b>Dispatch.</b> The last event id takes the id buffer (it persists across events). If the
 *       data buffer is empty nothing is emitted; otherwise one trailing newline is removed and a
 *       {@link SseMessage} is emitted. The type and data buffers are then cleared.
 *   <li><b>End.</b> {@link #end()} drops an event that was not dispatched by a blank line and an
 *       unterminated line; the parser may then be fed a new stream, keeping its last event id.
 * </ul>
 *
 * <p><b>Limits.</b> Event data longer than {@link Builder#maxEventChars maxEventChars}
 * characters (4 Mi by default), or a line longer than that plus {@link #LINE_OVERHEAD_CHARS},
 * makes {@code feed} throw {@link SseProtocolException}, so a server that never sends a line
 * break or a blank line cannot exhaust memory.
 *
 * <p><b>Threads.</b> A parser is not thread-safe: feed it from one thread at a time. Listeners run
 * synchronously on the thread that calls {@code feed}, in stream order. An exception thrown by a
 * listener propagates out of {@code feed}; the rest of that piece is not parsed and the parser is
 * failed, like after a {@link SseProtocolException}: every later {@code feed} or {@code end}
 * throws {@link IllegalStateException}.
 */
public final class SseParser {
  /** The default limit on the characters of one line and of one event's data: 4 Mi. */
  public static final int DEFAULT_MAX_EVENT_CHARS = 4 * 1024 * 1024;

  /** Room for a field name beyond {@code maxEventChars} in the length limit of one line. */
  public static final int LINE_OVERHEAD_CHARS = 64;

  private static final String DEFAULT_TYPE = "message";
  private static final char BOM = '\uFEFF';

  private final Consumer<SseMessage> onMessage;
  private final Consumer<String> onComment;
  private final LongConsumer onRetry;
  private final int maxEventChars;
  private final int maxLineChars;

  private final CharsetDecoder decoder =
      StandardCharsets.UTF_8
          .newDecoder()
          .onMalformedInput(CodingErrorAction.REPLACE)
          .onUnmappableCharacter(CodingErrorAction.REPLACE);
  private final CharBuffer chars = CharBuffer.allocate(8192);
  // At most 3 bytes of an incomplete UTF-8 sequence carried to the next piece.
  private final byte[] carry = new byte[8];
  private int carryLength;

  private final StringBuilder line = new StringBuilder();
  private final StringBuilder data = new StringBuilder();
  private String type = "";
  private String lastEventId;
  // The id buffer of the event-stream rules (null until an id field is accepted); it becomes
  // lastEventId at every dispatch and, unlike the type and data buffers, is never cleared.
  private String lastEventIdBuffer;
  private boolean hasId;
  private long retryMillis = -1;

  private boolean atStreamStart = true;
  private boolean skipLf;
  private RuntimeException failure;

  private SseParser(Builder builder) {
    this.onMessage = builder.onMessage;
    this.onComment = builder.onComment;
    this.onRetry = builder.onRetry;
    this.maxEventChars = builder.maxEventChars;
    this.maxLineChars = (int) Math.min(Integer.MAX_VALUE - 8, (long) maxEventChars + LINE_OVERHEAD_CHARS);
    this.lastEventId = builder.initialLastEventId;
  }

  /**
   * Creates a parser with the default limits that passes every message to {@code onMessage}.
   *
   * @throws NullPointerException if {@code onMessage} is null
   */
  public SseParser(Consumer<SseMessage> onMessage) {
    this(builder(onMessage));
  }

  /**
   * Returns a builder for a parser that passes every message to {@code onMessage}.
   *
   * @throws NullPointerException if {@code onMessage} is null
   */
  public static Builder builder(Consumer<SseMessage> onMessage) {
    return new Builder(onMessage);
  }

  /**
   * Parses {@code length} bytes of {@code bytes} from {@code offset}, emitting every event that
   * they complete. The bytes are not retained after the call returns.
   *
   * @throws SseProtocolException if a line or an event's data exceeds {@code maxEventChars}; the
   *     parser is then failed
   * @throws IllegalStateException if the parser failed earlier
   * @throws IndexOutOfBoundsException if the range is outside {@code bytes}
   */
  public void feed(byte[] bytes, int offset, int length) {
    Objects.checkFromIndexSize(offset, length, bytes.length);
    checkNotFailed();
    try {
      ByteBuffer in;
      if (carryLength == 0) {
        in = ByteBuffer.wrap(bytes, offset, length);
      } else {
        // Rare: a multi-byte sequence was split across pieces; join it with this piece.
        byte[] joined = new byte[carryLength + length];
        System.arraycopy(carry, 0, joined, 0, carryLength);
        System.arraycopy(bytes, offset, joined, carryLength, length);
        carryLength = 0;
        in = ByteBuffer.wrap(joined);
      }
      decode(in, false);
      int rest = in.remaining();
      in.get(carry, 0, rest);
      carryLength = rest;
    } catch (RuntimeException e) {
      failure = e;
      throw e;
    }
  }

  /** Parses all of {@code bytes}; see {@link #feed(byte[], int, int)}. */
  public void feed(byte[] bytes) {
    feed(bytes, 0, bytes.length);
  }

  /**
   * Signals the end of the stream. An incomplete UTF-8 sequence becomes U+FFFD; an unterminated
   * line and an event not yet dispatched by a blank line are dropped, as the event-stream rules
   * require. The parser may then be fed a new stream (a BOM at its start is dropped again); it
   * keeps its {@link #lastEventId()} and {@link #retryMillis()}.
   *
   * @throws IllegalStateException if the parser failed earlier
   */
  public void end() {
    checkNotFailed();
    try {
      decode(ByteBuffer.wrap(carry, 0, carryLength), true);
      chars.clear();
      decoder.flush(chars);
      chars.flip();
      process(chars);
      chars.clear();
    } catch (RuntimeException e) {
      failure = e;
      throw e;
    }
    decoder.reset();
    carryLength = 0;
    line.setLength(0);
    data.setLength(0);
    type = "";
    hasId = false;
    skipLf = false;
    atStreamStart = true;
  }

  /**
   * Returns the last event id: the value of the most recent accepted {@code id} field, or the
   * {@link Builder#initialLastEventId initial id}, or {@code ""}. It is updated when an event is
   * dispatched, whether or not the event had data.
   */
  public String lastEventId() {
    return lastEventId;
  }

  /** Returns the reconnection delay set by the most recent valid {@code retry} field, if any. */
  public OptionalLong retryMillis() {
    return retryMillis < 0 ? OptionalLong.empty() : OptionalLong.of(retryMillis);
  }

  private void checkNotFailed() {
    if (failure != null) {
      throw new IllegalStateException(
          "SseParser failed earlier and cannot be fed again: " + failure, failure);
    }
  }

  private void decode(ByteBuffer in, boolean endOfInput) {
    while (true) {
      CoderResult result = decoder.decode(in, chars, endOfInput);
      chars.flip();
      process(chars);
      chars.clear();
      if (!result.isOverflow()) {
        return; // underflow: all input consumed, or an incomplete sequence remains
      }
    }
  }

  private void process(CharBuffer buffer) {
    char[] a = buffer.array();
    int i = buffer.arrayOffset() + buffer.position();
    int end = buffer.arrayOffset() + buffer.limit();
    if (i < end && atStreamStart) {
      atStreamStart = false;
      if (a[i] == BOM) {
        i++;
      }
    }
    while (i < end) {
      if (skipLf) {
        skipLf = false;
        if (a[i] == '\n') {
          i++;
          continue;
        }
      }
      int runStart = i;
      while (i < end && a[i] != '\n' && a[i] != '\r') {
        i++;
      }
      if (i > runStart) {
        int total = line.length() + (i - runStart);
        if (total > maxLineChars) {
          throw new SseProtocolException(
              "SSE line exceeds maxEventChars ("
                  + maxEventChars
                  + " chars, plus "
                  + LINE_OVERHEAD_CHARS
                  + " for the field name): reached "
                  + total
                  + " chars without a line break; raise SseParser.Builder.maxEventChars if the"
                  + " server really sends such lines");
        }
        line.append(a, runStart, i - runStart);
      }
      if (i < end) {
        skipLf = a[i] == '\r';
        i++;
        processLine();
        line.setLength(0);
      }
    }
  }

  private void processLine() {
    int length = line.length();
    if (length == 0) {
      dispatch();
      return;
    }
    if (line.charAt(0) == ':') {
      if (onComment != null) {
        onComment.accept(line.substring(1));
      }
      return;
    }
    int colon = indexOfColon();
    int valueStart;
    int fieldEnd;
    if (colon < 0) {
      fieldEnd = length;
      valueStart = length;
    } else {
      fieldEnd = colon;
      valueStart = colon + 1;
      if (valueStart < length && line.charAt(valueStart) == ' ') {
        valueStart++;
      }
    }
    if (fieldIs("data", fieldEnd)) {
      // The data as it would be emitted: earlier lines with their newlines, then this value.
      int total = data.length() + (length - valueStart);
      if (total > maxEventChars) {
        throw new SseProtocolException(
            "SSE event data exceeds maxEventChars ("
                + maxEventChars
                + " chars): reached "
                + total
                + " chars before the blank line that ends the event; raise"
                + " SseParser.Builder.maxEventChars if the server really sends such events");
      }
      data.append(line, valueStart, length).append('\n');
    } else if (fieldIs("event", fieldEnd)) {
      type = line.substring(valueStart);
    } else if (fieldIs("id", fieldEnd)) {
      String value = line.substring(valueStart);
      if (value.indexOf('\0') < 0) {
        lastEventIdBuffer = value;
        hasId = true;
      }
    } else if (fieldIs("retry", fieldEnd)) {
      parseRetry(valueStart, length);
    }
  }

  private int indexOfColon() {
    for (int i = 0, n = line.length(); i < n; i++) {
      if (line.charAt(i) == ':') {
        return i;
      }
    }
    return -1;
  }

  private boolean fieldIs(String name, int fieldEnd) {
    if (fieldEnd != name.length()) {
      return false;
    }
    for (int i = 0; i < fieldEnd; i++) {
      if (line.charAt(i) != name.charAt(i)) {
        return false;
      }
    }
    return true;
  }

  private void parseRetry(int from, int to) {
    if (from == to) {
      return;
    }
    long value = 0;
    for (int i = from; i < to; i++) {
      char c = line.charAt(i);
      if (c < '0' || c > '9') {
        return;
      }
      if (value > (Long.MAX_VALUE - (c - '0')) / 10) {
        value = Long.MAX_VALUE;
      } else if (value != Long.MAX_VALUE) {
        value = value * 10 + (c - '0');
      }
    }
    retryMillis = value;
    if (onRetry != null) {
      onRetry.accept(value);
    }
  }

  private void dispatch() {
    if (lastEventIdBuffer != null) {
      lastEventId = lastEventIdBuffer;
    }
    boolean messageHasId = hasId;
    String messageType = type.isEmpty() ? DEFAULT_TYPE : type;
    hasId = false;
    type = "";
    if (data.length() == 0) {
      return;
    }
    String messageData = data.substring(0, data.length() - 1);
    data.setLength(0);
    onMessage.accept(new SseMessage(messageType, messageData, lastEventId, messageHasId));
  }

  /** Options of an {@link SseParser}; {@link #build()} validates them. */
  public static final class Builder {
    private final Consumer<SseMessage> onMessage;
    private Consumer<String> onComment;
    private LongConsumer onRetry;
    private int maxEventChars = DEFAULT_MAX_EVENT_CHARS;
    private String initialLastEventId = "";

    private Builder(Consumer<SseMessage> onMessage) {
      this.onMessage = Objects.requireNonNull(onMessage, "onMessage");
    }

    /**
     * Receives the text of each comment line after its leading colon (for example {@code "
     * keep-alive"}), on the feeding thread. Null (the default) ignores comments.
     */
    public Builder onComment(Consumer<String> onComment) {
      this.onComment = onComment;
      return this;
    }

    /**
     * Receives the value of each valid {@code retry} field, in milliseconds, on the feeding
     * thread, when the line is parsed. Null (the default) ignores them; {@link
     * SseParser#retryMillis()} still reports the latest.
     */
    public Builder onRetry(LongConsumer onRetry) {
      this.onRetry = onRetry;
      return this;
    }

    /**
     * Limits the characters of one event's data as emitted (including the newlines joining its
     * data lines), and of one line to this plus {@link #LINE_OVERHEAD_CHARS}. Default {@link
     * #DEFAULT_MAX_EVENT_CHARS}; at least 1.
     */
    public Builder maxEventChars(int maxEventChars) {
      this.maxEventChars = maxEventChars;
      return this;
    }

    /**
     * Sets the last event id the parser starts with, for a stream resumed with {@code
     * Last-Event-ID}; default {@code ""}.
     *
     * @throws NullPointerException if {@code id} is null
     */
    public Builder initialLastEventId(String id) {
      this.initialLastEventId = Objects.requireNonNull(id, "initialLastEventId");
      return this;
    }

    /**
     * Builds the parser.
     *
     * @throws IllegalArgumentException if {@code maxEventChars} is less than 1
     */
    public SseParser build() {
      if (maxEventChars < 1) {
        throw new IllegalArgumentException(
            "maxEventChars must be at least 1, was " + maxEventChars);
      }
      return new SseParser(this);
    }
  }
}
