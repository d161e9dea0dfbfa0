package dev.statesync.persistence.internal;

import dev.statesync.persistence.Compression;
import dev.statesync.persistence.CorruptRecordException;
import dev.statesync.persistence.CorruptRecordException.Reason;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.zip.Deflater;
import java.util.zip.DeflaterOutputStream;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;
import java.util.zip.InflaterInputStream;

/** Compresses payloads and decompresses them with a hard bound on the output (bomb guard). */
public final class Payloads {
  private Payloads() {}

  /** True for {@code none}, {@code gzip} and {@code deflate}. */
  public static boolean isKnownCompression(String name) {
    return "none".equals(name) || "gzip".equals(name) || "deflate".equals(name);
  }

  /** Returns {@code payload} compressed by {@code c}; NONE returns a copy. */
  public static byte[] compress(byte[] payload, Compression c) {
    if (c.name().equals("none")) {
      return payload.clone();
    }
    ByteArrayOutputStream out = new ByteArrayOutputStream(Math.max(64, payload.length / 4));
    try {
      if (c.name().equals("gzip")) {
        try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
          gz.write(payload);
        }
      } else {
        Deflater deflater = new Deflater(c.level() < 0 ? Deflater.DEFAULT_COMPRESSION : c.level());
        try (DeflaterOutputStream d = new DeflaterOutputStream(out, deflater)) {
          d.write(payload);
        } finally {
          deflater.end();
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toByteArray();
  }

  /**
   * Decompresses {@code length} bytes at {@code offset} by the named algorithm, reading at most
   * {@code maxDecoded} + 1 bytes of output.
   *
   * @throws CorruptRecordException DECOMPRESSION_FAILED or TOO_LARGE
   */
  public static byte[] decompress(byte[] src, int offset, int length, String name,
      long maxDecoded) {
    if (name.equals("none")) {
      if (length > maxDecoded) {
        throw tooLarge(maxDecoded);
      }
      byte[] copy = new byte[length];
      System.arraycopy(src, offset, copy, 0, length);
      return copy;
    }
    ByteArrayInputStream in = new ByteArrayInputStream(src, offset, length);
    try (InputStream z = name.equals("gzip") ? new GZIPInputStream(in) : new InflaterInputStream(in)) {
      ByteArrayOutputStream out = new ByteArrayOutputStream(Math.min(length * 4 + 64, 1 << 20));
      byte[] buf = new byte[8192];
      long total = 0;
      int n;
      while ((n = z.read(buf)) > 0) {
        total += n;
        if (total > maxDecoded) {
          throw tooLarge(maxDecoded);
        }
        out.write(buf, 0, n);
      }
      return out.toByteArray();
    } catch (IOException e) {
      throw new CorruptRecordException(Reason.DECOMPRESSION_FAILED,
          name + " payload does not decompress: " + e.getMessage(), e);
    }
  }

  private static CorruptRecordException tooLarge(long max) {
    return new CorruptRecordException(Reason.TOO_LARGE,
        "decompressed payload exceeds maxDecodedBytes " + max);
  }
}
