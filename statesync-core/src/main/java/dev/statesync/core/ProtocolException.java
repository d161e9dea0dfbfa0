package dev.statesync.core;

import java.util.Optional;

/**
 * A wire value broke the protocol: malformed JSON, a missing or mistyped member, a non-canonical
 * revision, an invalid topic, or data that does not bind to the requested type.
 *
 * <p>The message names the member and quotes what it held. {@link #field()} names the member,
 * {@link #rawInput()} holds at most the first 1024 characters of the input, and
 * {@link #rawRevision()} the raw text of {@code revision} when it was a JSON string or number.
 */
public class ProtocolException extends StateSyncException {
  private static final long serialVersionUID = 1L;
  private static final int MAX_RAW_INPUT = 1024;

  private final String field;
  private final String rawInput;
  private final String rawRevision;

  /**
   * Creates a protocol exception.
   *
   * @param message what was wrong, naming the member and its value
   * @param field the offending member, or null
   * @param rawInput the input, or null; truncated to 1024 characters
   * @param rawRevision the raw text of the revision member, or null
   * @param cause the underlying failure, or null
   */
  public ProtocolException(
      String message, String field, String rawInput, String rawRevision, Throwable cause) {
    super(message, cause);
    this.field = field;
    this.rawInput =
        rawInput == null || rawInput.length() <= MAX_RAW_INPUT
            ? rawInput
            : rawInput.substring(0, MAX_RAW_INPUT);
    this.rawRevision = rawRevision;
  }

  /** Creates a protocol exception with only a message. */
  public ProtocolException(String message) {
    this(message, null, null, null, null);
  }

  /** Returns the member that broke the protocol, if one did. */
  public Optional<String> field() {
    return Optional.ofNullable(field);
  }

  /** Returns at most the first 1024 characters of the offending input, if known. */
  public Optional<String> rawInput() {
    return Optional.ofNullable(rawInput);
  }

  /** Returns the raw text of the {@code revision} member, when it was a JSON string or number. */
  public Optional<String> rawRevision() {
    return Optional.ofNullable(rawRevision);
  }
}
