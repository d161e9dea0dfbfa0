package dev.statesync.persistence;

import dev.statesync.persistence.CorruptRecordException.Reason;
import dev.statesync.persistence.internal.HeaderJson;
import dev.statesync.persistence.internal.Payloads;
import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.Objects;
import java.util.Optional;

/**
 * The one record format of every backend (format version 1). Pure functions of their inputs;
 * thread-safe.
 *
 * <pre>
 * offset  size  field
 * 0       8     magic 0x89 'S' 'S' 'R' 'E' 'C' 0x0D 0x0A
 * 8       2     formatVersion = 1          (big-endian, unsigned)
 * 10      2     flags = 0
 * 12      4     headerLength H, 2..65536
 * 16      H     header: UTF-8 JSON object
 * 16+H    8     payloadLength P
 * 24+H    P     payload: codec bytes after compression
 * 24+H+P  32    SHA-256 over bytes [0, 24+H+P)
 * </pre>
 */
public final class RecordFormat {
  /** The format version this class writes and reads. */
  public static final int FORMAT_VERSION = 1;
  /** Bytes of the fixed layout: magic, version, flags, lengths and digest. */
  public static final int FIXED_BYTES = 56;

  private static final byte[] MAGIC = {(byte) 0x89, 'S', 'S', 'R', 'E', 'C', 0x0D, 0x0A};
  private static final int MAX_HEADER = 65_536;
  private static final int DIGEST_BYTES = 32;

  private RecordFormat() {}

  /**
   * Encodes a record under {@link Limits#defaults()}; see {@link #encode(RecordHeader, byte[],
   * Compression, Limits)}.
   */
  public static byte[] encode(RecordHeader header, byte[] payload, Compression compression) {
    return encode(header, payload, compression, Limits.defaults());
  }

  /**
   * Compresses {@code payload} and encodes a record. The stored header takes its
   * {@code compression} and {@code payloadBytes} from the arguments, whatever {@code header}
   * says.
   *
   * @throws NullPointerException naming a null argument
   * @throws RecordTooLargeException if {@code decode} would reject the record under
   *     {@code limits}
   */
  public static byte[] encode(RecordHeader header, byte[] payload, Compression compression,
      Limits limits) {
    Objects.requireNonNull(header, "header");
    Objects.requireNonNull(payload, "payload");
    Objects.requireNonNull(compression, "compression");
    Objects.requireNonNull(limits, "limits");
    if (payload.length > limits.maxDecodedBytes()) {
      throw new RecordTooLargeException("payload of " + payload.length
          + " bytes exceeds maxDecodedBytes " + limits.maxDecodedBytes());
    }
    byte[] stored = Payloads.compress(payload, compression);
    if (stored.length > limits.maxRecordBytes()) {
      throw new RecordTooLargeException("stored payload of " + stored.length
          + " bytes exceeds maxRecordBytes " + limits.maxRecordBytes());
    }
    byte[] headerBytes = HeaderJson.write(header.withPayload(compression.name(), payload.length));
    if (headerBytes.length > MAX_HEADER) {
      throw new RecordTooLargeException("header of " + headerBytes.length
          + " bytes exceeds " + MAX_HEADER);
    }
    return assemble(FORMAT_VERSION, headerBytes, stored);
  }

  /**
   * Lays out a record from raw parts and appends the digest. No validation: this exists so tools
   * and tests can build records a decoder must reject.
   */
  static byte[] assemble(int formatVersion, byte[] headerBytes, byte[] stored) {
    int total = FIXED_BYTES + headerBytes.length + stored.length;
    ByteBuffer buf = ByteBuffer.allocate(total);
    buf.put(MAGIC).putShort((short) formatVersion).putShort((short) 0)
        .putInt(headerBytes.length).put(headerBytes).putLong(stored.length).put(stored);
    MessageDigest sha = sha256();
    sha.update(buf.array(), 0, total - DIGEST_BYTES);
    buf.put(sha.digest());
    return buf.array();
  }

  /**
   * Verifies and decodes a record, running the checks in the documented order and stopping at
   * the first failure.
   *
   * @throws NullPointerException naming a null argument
   * @throws CorruptRecordException naming the failed check
   * @throws UnsupportedRecordException for a future format version, non-zero flags, or an unknown
   *     codec or compression
   */
  public static DecodedRecord decode(byte[] record, String expectedKey, Limits limits) {
    Objects.requireNonNull(limits, "limits");
    RecordHeader header = verify(record, expectedKey, limits.maxRecordBytes());
    int headerLength = ByteBuffer.wrap(record, 12, 4).getInt();
    int start = 24 + headerLength;
    int length = record.length - FIXED_BYTES - headerLength;
    byte[] payload = Payloads.decompress(record, start, length, header.compression(),
        limits.maxDecodedBytes());
    if (payload.length != header.payloadBytes()) {
      throw new CorruptRecordException(Reason.PAYLOAD_SIZE_MISMATCH, "payload decodes to "
          + payload.length + " bytes, header says " + header.payloadBytes());
    }
    return new DecodedRecord(header, payload);
  }

  /**
   * Runs checks 1-11 of {@link #decode} (everything but decompression) and returns the header.
   *
   * @throws NullPointerException naming a null argument
   * @throws CorruptRecordException naming the failed check
   * @throws UnsupportedRecordException as {@link #decode}
   */
  public static RecordHeader readHeader(byte[] record, String expectedKey) {
    return verify(record, expectedKey, Integer.MAX_VALUE);
  }

  /**
   * Decides whether a {@link WriteMode#MONOTONIC} write of {@code incoming} may replace
   * {@code existing}: the first matching row of absent (WRITTEN), corrupt (REPLACED_CORRUPT),
   * unsupported (REFUSED_UNSUPPORTED), other epoch (WRITTEN), greater revision (WRITTEN), same
   * revision and greater schema version (WRITTEN), otherwise SKIPPED_NOT_NEWER.
   *
   * @throws NullPointerException naming a null argument
   */
  public static WriteResult decideWrite(Optional<byte[]> existing, RecordHeader incoming) {
    Objects.requireNonNull(existing, "existing");
    Objects.requireNonNull(incoming, "incoming");
    if (existing.isEmpty()) {
      return new WriteResult(WriteStatus.WRITTEN, Optional.empty());
    }
    RecordHeader old;
    try {
      old = readHeader(existing.get(), incoming.key());
    } catch (CorruptRecordException e) {
      return new WriteResult(WriteStatus.REPLACED_CORRUPT, Optional.empty());
    } catch (UnsupportedRecordException e) {
      return new WriteResult(WriteStatus.REFUSED_UNSUPPORTED, Optional.empty());
    }
    Optional<RecordHeader> previous = Optional.of(old);
    if (!old.epoch().equals(incoming.epoch())) {
      return new WriteResult(WriteStatus.WRITTEN, previous);
    }
    int byRevision = incoming.revision().compareTo(old.revision());
    if (byRevision > 0 || (byRevision == 0 && incoming.schemaVersion() > old.schemaVersion())) {
      return new WriteResult(WriteStatus.WRITTEN, previous);
    }
    return new WriteResult(WriteStatus.SKIPPED_NOT_NEWER, previous);
  }

  private static RecordHeader verify(byte[] record, String expectedKey, long maxPayload) {
    Objects.requireNonNull(record, "record");
    Objects.requireNonNull(expectedKey, "expectedKey");
    if (record.length < FIXED_BYTES) {
      throw new CorruptRecordException(Reason.TRUNCATED,
          "record of " + record.length + " bytes is shorter than the " + FIXED_BYTES
              + "-byte fixed layout");
    }
    if (!Arrays.equals(record, 0, MAGIC.length, MAGIC, 0, MAGIC.length)) {
      throw new CorruptRecordException(Reason.BAD_MAGIC, "not a statesync record");
    }
    ByteBuffer buf = ByteBuffer.wrap(record);
    int version = Short.toUnsignedInt(buf.getShort(8));
    if (version == 0) {
      throw new CorruptRecordException(Reason.BAD_MAGIC, "format version 0");
    }
    if (version > FORMAT_VERSION) {
      throw new UnsupportedRecordException("record format version " + version
          + " is newer than the supported version " + FORMAT_VERSION);
    }
    int flags = Short.toUnsignedInt(buf.getShort(10));
    if (flags != 0) {
      throw new UnsupportedRecordException("record flags 0x" + Integer.toHexString(flags)
          + " are not supported");
    }
    long headerLength = Integer.toUnsignedLong(buf.getInt(12));
    if (headerLength < 2 || headerLength > MAX_HEADER) {
      throw new CorruptRecordException(Reason.BAD_HEADER,
          "header length " + headerLength + " is outside 2-" + MAX_HEADER);
    }
    if (record.length < 24 + headerLength) {
      throw new CorruptRecordException(Reason.TRUNCATED,
          "record of " + record.length + " bytes ends inside the header");
    }
    long payloadLength = buf.getLong(16 + (int) headerLength);
    if (payloadLength < 0 || payloadLength > maxPayload) {
      throw new CorruptRecordException(Reason.TOO_LARGE, "payload length "
          + Long.toUnsignedString(payloadLength) + " exceeds maxRecordBytes " + maxPayload);
    }
    long expected = FIXED_BYTES + headerLength + payloadLength;
    if (record.length < expected) {
      throw new CorruptRecordException(Reason.TRUNCATED,
          "record of " + record.length + " bytes is shorter than the declared " + expected);
    }
    if (record.length > expected) {
      throw new CorruptRecordException(Reason.TRAILING_DATA,
          (record.length - expected) + " bytes follow the digest");
    }
    MessageDigest sha = sha256();
    sha.update(record, 0, record.length - DIGEST_BYTES);
    byte[] digest = sha.digest();
    if (!MessageDigest.isEqual(digest,
        Arrays.copyOfRange(record, record.length - DIGEST_BYTES, record.length))) {
      throw new CorruptRecordException(Reason.DIGEST_MISMATCH,
          "SHA-256 digest does not match the record content");
    }
    RecordHeader header = HeaderJson.read(record, 16, (int) headerLength);
    if (!header.key().equals(expectedKey)) {
      throw new CorruptRecordException(Reason.KEY_MISMATCH,
          "record is for key \"" + header.key() + "\", expected \"" + expectedKey + "\"");
    }
    if (!"json".equals(header.codec())) {
      throw new UnsupportedRecordException("unknown codec \"" + header.codec() + "\"");
    }
    if (!Payloads.isKnownCompression(header.compression())) {
      throw new UnsupportedRecordException(
          "unknown compression \"" + header.compression() + "\"");
    }
    return header;
  }

  static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      // Every Java SE platform must provide SHA-256.
      throw new IllegalStateException("SHA-256 is not available", e);
    }
  }
}
