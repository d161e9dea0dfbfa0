package dev.statesync.core.json;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.JsonNode;
import dev.statesync.core.ProtocolException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/**
 * One input to decode: opens a parser over it and renders its start for error reports. The raw
 * text is built only when a decode fails, so a large valid input is never copied for it.
 */
abstract class WireInput {
  /** Enough bytes to fill the 1024 characters that {@link ProtocolException} keeps. */
  private static final int RAW_BYTES = 4 * 1024;

  /**
   * Opens a parser positioned before the first token.
   *
   * @throws ProtocolException if the input cannot be read as text at all (invalid UTF-8)
   */
  abstract JsonParser open() throws IOException;

  /** Returns the input as text, possibly truncated to its first 1024 characters. */
  abstract String raw();

  static WireInput of(String json, JsonFactory factory) {
    return new WireInput() {
      @Override
      JsonParser open() throws IOException {
        return factory.createParser(json);
      }

      @Override
      String raw() {
        return json;
      }
    };
  }

  /**
   * Bytes are decoded as strict UTF-8 before parsing, rather than handed to Jackson, because
   * Jackson would also accept UTF-16 and UTF-32 (it detects the encoding) and does not reject
   * every malformed UTF-8 sequence, such as encoded surrogates.
   */
  static WireInput of(byte[] json, JsonFactory factory) {
    return new WireInput() {
      @Override
      JsonParser open() throws IOException {
        return factory.createParser(decodeUtf8(json));
      }

      @Override
      String raw() {
        return new String(json, 0, Math.min(json.length, RAW_BYTES), StandardCharsets.UTF_8);
      }
    };
  }

  static WireInput of(JsonNode json) {
    return new WireInput() {
      @Override
      JsonParser open() {
        return json.traverse();
      }

      @Override
      String raw() {
        return json.toString();
      }
    };
  }

  private static String decodeUtf8(byte[] bytes) {
    CharsetDecoder decoder =
        StandardCharsets.UTF_8
            .newDecoder()
            .onMalformedInput(CodingErrorAction.REPORT)
            .onUnmappableCharacter(CodingErrorAction.REPORT);
    ByteBuffer in = ByteBuffer.wrap(bytes);
    CharBuffer out = CharBuffer.allocate(bytes.length);
    CoderResult result = decoder.decode(in, out, true);
    if (result.isUnderflow()) {
      result = decoder.flush(out);
    }
    if (result.isError()) {
      String raw = new String(bytes, 0, Math.min(bytes.length, RAW_BYTES), StandardCharsets.UTF_8);
      throw new ProtocolException(
          "input is not valid UTF-8: malformed sequence of " + result.length()
              + " byte(s) at offset " + in.position(),
          null, raw, null, null);
    }
    out.flip();
    return out.toString();
  }
}
