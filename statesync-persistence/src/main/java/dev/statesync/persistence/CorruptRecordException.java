package dev.statesync.persistence;

import java.util.Objects;

/**
 * A stored record failed verification. The record is never applied, migrated or re-saved;
 * {@link #reason()} names the check that failed.
 */
public class CorruptRecordException extends PersistenceException {
  private static final long serialVersionUID = 1L;

  /** The verification check that failed, in the order {@link RecordFormat#decode} runs them. */
  public enum Reason {
    /** Fewer bytes than the fixed layout or the declared lengths require. */
    TRUNCATED,
    /** The magic is wrong or the format version is 0. */
    BAD_MAGIC,
    /** The header length is out of range or the header is not a valid header object. */
    BAD_HEADER,
    /** The payload or decoded output exceeds the configured limits. */
    TOO_LARGE,
    /** Bytes follow the digest. */
    TRAILING_DATA,
    /** The SHA-256 digest does not match the content. */
    DIGEST_MISMATCH,
    /** The record was written for another key. */
    KEY_MISMATCH,
    /** The payload does not decompress. */
    DECOMPRESSION_FAILED,
    /** The decompressed payload length differs from the header's {@code payloadBytes}. */
    PAYLOAD_SIZE_MISMATCH,
    /** The storage location is a symbolic link or not a regular file. */
    NOT_REGULAR_FILE
  }

  private final Reason reason;

  /**
   * Creates an exception.
   *
   * @throws NullPointerException if {@code reason} is null
   */
  public CorruptRecordException(Reason reason, String message) {
    super(Objects.requireNonNull(reason, "reason") + ": " + message);
    this.reason = reason;
  }

  /**
   * Creates an exception with a cause.
   *
   * @throws NullPointerException if {@code reason} is null
   */
  public CorruptRecordException(Reason reason, String message, Throwable cause) {
    super(Objects.requireNonNull(reason, "reason") + ": " + message, cause);
    this.reason = reason;
  }

  /** Returns the check that failed. */
  public Reason reason() {
    return reason;
  }
}
