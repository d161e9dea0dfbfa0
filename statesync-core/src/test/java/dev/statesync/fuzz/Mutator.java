package dev.statesync.fuzz;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Seeded structure-unaware mutations of valid inputs: bit flips, interesting bytes and integers
 * (huge lengths), truncation, insertion, deletion, duplication, splicing with another corpus
 * entry, invalid UTF-8 sequences and deep nesting. The same seed always gives the same inputs, so
 * a failing case reproduces from the seed and the case number that {@link FuzzRun} prints.
 */
public final class Mutator {
  private static final int[] INTERESTING_INTS = {
    0, 1, -1, 59, 60, 61, 63, 64, 127, 128, 255, 256, 0x7fff, 0x8000, 0xffff, 0x10000, 0x10001,
    1 << 20, (1 << 20) + 61, (1 << 24), (1 << 24) + 61, Integer.MAX_VALUE, Integer.MIN_VALUE,
    Integer.MAX_VALUE - 8, 0x80000001
  };
  private static final long[] INTERESTING_LONGS = {
    0L, 1L, -1L, Long.MAX_VALUE, Long.MIN_VALUE, 1L << 32, (1L << 31) - 1, 1L << 31,
    64L * 1024 * 1024, 64L * 1024 * 1024 + 1, Integer.MAX_VALUE - 131_072L
  };
  private static final byte[][] BAD_UTF8 = {
    {(byte) 0xc0, (byte) 0x80}, // overlong NUL
    {(byte) 0xed, (byte) 0xa0, (byte) 0x80}, // UTF-16 surrogate encoded
    {(byte) 0x80}, // lone continuation byte
    {(byte) 0xe2, (byte) 0x82}, // truncated three-byte sequence
    {(byte) 0xf8, (byte) 0x88, (byte) 0x80, (byte) 0x80, (byte) 0x80}, // five-byte form
    {(byte) 0xff, (byte) 0xfe}, // never valid in UTF-8
    {(byte) 0xf4, (byte) 0x90, (byte) 0x80, (byte) 0x80}, // above U+10FFFF
    {(byte) 0xef, (byte) 0xbb, (byte) 0xbf}, // byte order mark
  };
  private static final String[] TOKENS = {
    "\"", "\\", "\\u", "\\ud800", "\\udc00x", "{", "}", "[", "]", ":", ",", "null", "true",
    "-0", "1e999999", "18446744073709551616", "-1", "\"revision\":", "\"data\":", "\"epoch\":",
    "\"topic\":", "\u0000", "\r\n", "\n\n", "data:", "event:", "id:", "retry:", ":", "\r",
    "9999999999999999999999999999999999999999999999"
  };

  private final SplittableRandom random;

  /** Creates a mutator drawing from {@code random}. */
  public Mutator(SplittableRandom random) {
    this.random = random;
  }

  /** The random source, for the caller's own choices within the same case. */
  public SplittableRandom random() {
    return random;
  }

  /** Picks a corpus entry and applies 1 to 6 stacked mutations; sometimes returns pure noise. */
  public byte[] mutate(List<byte[]> corpus) {
    byte[] base = corpus.get(random.nextInt(corpus.size()));
    if (random.nextInt(50) == 0) {
      return noise(random.nextInt(0, 512));
    }
    byte[] out = base.clone();
    int rounds = 1 + random.nextInt(random.nextInt(10) == 0 ? 12 : 6);
    for (int i = 0; i < rounds; i++) {
      out = once(out, corpus);
    }
    return out;
  }

  /** Random bytes of the given length. */
  public byte[] noise(int length) {
    byte[] b = new byte[length];
    for (int i = 0; i < length; i++) {
      b[i] = (byte) random.nextInt(256);
    }
    return b;
  }

  private byte[] once(byte[] in, List<byte[]> corpus) {
    int n = in.length;
    switch (random.nextInt(13)) {
      case 0: // flip one bit
        if (n == 0) {
          return in;
        }
        in[random.nextInt(n)] ^= (byte) (1 << random.nextInt(8));
        return in;
      case 1: // set a byte to an interesting value
        if (n == 0) {
          return in;
        }
        in[random.nextInt(n)] = (byte) new int[] {0, 0xff, 0x7f, 0x80, 0x01, '"', '{', '\n'}[
            random.nextInt(8)];
        return in;
      case 2: // overwrite a big-endian int with an interesting value (lengths)
        return putInt(in, INTERESTING_INTS[random.nextInt(INTERESTING_INTS.length)]);
      case 3: // overwrite a big-endian long with an interesting value (lengths, revisions)
        return putLong(in, INTERESTING_LONGS[random.nextInt(INTERESTING_LONGS.length)]);
      case 4: // truncate
        return Arrays.copyOf(in, n == 0 ? 0 : random.nextInt(n));
      case 5: // delete a range
        return delete(in);
      case 6: // insert random bytes
        return insert(in, noise(1 + random.nextInt(16)));
      case 7: // duplicate a range
        if (n == 0) {
          return in;
        }
        int from = random.nextInt(n);
        int len = 1 + random.nextInt(Math.min(n - from, 256));
        return insert(in, Arrays.copyOfRange(in, from, from + len));
      case 8: // splice with another corpus entry
        byte[] other = corpus.get(random.nextInt(corpus.size()));
        int cut = n == 0 ? 0 : random.nextInt(n + 1);
        int otherCut = other.length == 0 ? 0 : random.nextInt(other.length + 1);
        byte[] spliced = Arrays.copyOf(in, cut + other.length - otherCut);
        System.arraycopy(other, otherCut, spliced, cut, other.length - otherCut);
        return spliced;
      case 9: // invalid UTF-8
        return insert(in, BAD_UTF8[random.nextInt(BAD_UTF8.length)]);
      case 10: // deep nesting
        return insert(in, nesting(random.nextInt(10) == 0 ? 20_000 : 1 + random.nextInt(1_200)));
      case 11: // a token that stresses text parsers
        return insert(in, TOKENS[random.nextInt(TOKENS.length)].getBytes(StandardCharsets.UTF_8));
      default: // a long run of one byte
        byte[] run = new byte[1 + random.nextInt(random.nextInt(20) == 0 ? 70_000 : 300)];
        Arrays.fill(run, (byte) new int[] {'a', '0', ' ', '\n', 0, 0xff}[random.nextInt(6)]);
        return insert(in, run);
    }
  }

  private byte[] nesting(int depth) {
    String open = random.nextBoolean() ? "[" : "{\"a\":";
    return open.repeat(depth).getBytes(StandardCharsets.UTF_8);
  }

  private byte[] putInt(byte[] in, int v) {
    if (in.length < 4) {
      return in;
    }
    int at = random.nextInt(8) == 0 ? 0 : random.nextInt(in.length - 3);
    for (int i = 0; i < 4; i++) {
      in[at + i] = (byte) (v >>> (24 - 8 * i));
    }
    return in;
  }

  private byte[] putLong(byte[] in, long v) {
    if (in.length < 8) {
      return in;
    }
    int at = random.nextInt(in.length - 7);
    for (int i = 0; i < 8; i++) {
      in[at + i] = (byte) (v >>> (56 - 8 * i));
    }
    return in;
  }

  private byte[] delete(byte[] in) {
    if (in.length == 0) {
      return in;
    }
    int from = random.nextInt(in.length);
    int len = 1 + random.nextInt(Math.min(in.length - from, 64));
    byte[] out = new byte[in.length - len];
    System.arraycopy(in, 0, out, 0, from);
    System.arraycopy(in, from + len, out, from, in.length - from - len);
    return out;
  }

  private byte[] insert(byte[] in, byte[] what) {
    int at = in.length == 0 ? 0 : random.nextInt(in.length + 1);
    byte[] out = new byte[in.length + what.length];
    System.arraycopy(in, 0, out, 0, at);
    System.arraycopy(what, 0, out, at, what.length);
    System.arraycopy(in, at, out, at + what.length, in.length - at);
    return out;
  }
}
