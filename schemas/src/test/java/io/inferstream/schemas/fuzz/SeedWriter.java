package io.inferstream.schemas.fuzz;

import java.io.ByteArrayOutputStream;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Random;

/**
 * Scripted {@link Choices} that also writes the input bytes from which Jazzer's FuzzedDataProvider
 * takes the same decisions: integral values are read from the end of the input, most significant
 * byte first, in as many bytes as the range needs (libFuzzer's ConsumeIntegralInRange); byte
 * strings are taken from the front.
 *
 * <p>The script lists the decisions in the order the target takes them: an {@link Integer} for
 * {@link #intIn}, a {@link Long} for {@link #longIn}, a {@link Boolean} for {@link #bool}, a {@code
 * byte[]} for {@link #bytes} and {@link #rest}. A value of the wrong kind or out of range fails at
 * once; decisions past the end of the script take the range's minimum (or nothing), or random ones
 * for a writer made with {@link #random}.
 */
public final class SeedWriter implements Choices {
  private final Deque<Object> script = new ArrayDeque<>();
  private final ByteArrayOutputStream front = new ByteArrayOutputStream();
  private final ByteArrayOutputStream tail = new ByteArrayOutputStream(); // in reading order
  private Random random;

  public SeedWriter(Object... script) {
    for (Object step : script) {
      this.script.add(step);
    }
  }

  /** A writer that takes random decisions (short byte strings), reproducibly from {@code seed}. */
  public static SeedWriter random(long seed) {
    SeedWriter writer = new SeedWriter();
    writer.random = new Random(seed);
    return writer;
  }

  /** The input bytes; fails if the target did not take every scripted decision. */
  public byte[] toBytes() {
    if (!script.isEmpty()) {
      throw new IllegalStateException("decisions left unused: " + script.size());
    }
    byte[] tailBytes = tail.toByteArray();
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.writeBytes(front.toByteArray());
    for (int i = tailBytes.length - 1; i >= 0; i--) {
      out.write(tailBytes[i]);
    }
    return out.toByteArray();
  }

  private Object next(Class<?> kind) {
    Object step = script.poll();
    if (step != null && !kind.isInstance(step)) {
      throw new IllegalStateException("script has " + step + " where the target takes a " + kind);
    }
    return step;
  }

  @Override
  public int intIn(int min, int max) {
    Integer value = (Integer) next(Integer.class);
    int v = value != null ? value : random == null ? min : (int) randomIn(min, max);
    if (v < min || v > max) {
      throw new IllegalStateException(v + " is outside [" + min + ", " + max + "]");
    }
    writeIntegral((long) v - min, (long) max - min, 4);
    return v;
  }

  @Override
  public long longIn(long min, long max) {
    Long value = (Long) next(Long.class);
    long v = value != null ? value : random == null ? min : randomIn(min, max);
    if (v < min || v > max) {
      throw new IllegalStateException(v + " is outside [" + min + ", " + max + "]");
    }
    writeIntegral(v - min, max - min, 8);
    return v;
  }

  @Override
  public boolean bool() {
    Boolean value = (Boolean) next(Boolean.class);
    boolean v = value != null ? value : random != null && random.nextBoolean();
    tail.write(v ? 1 : 0); // consumeBoolean: one byte, its lowest bit
    return v;
  }

  @Override
  public byte[] bytes(int maxLength) {
    byte[] value = (byte[]) next(byte[].class);
    // the provider takes maxLength bytes while there are any: a seed gives exactly that many
    byte[] v = value != null ? value : randomBytes(maxLength, maxLength);
    if (v.length != maxLength) {
      throw new IllegalStateException(v.length + " bytes where the target takes " + maxLength);
    }
    front.writeBytes(v);
    return v;
  }

  @Override
  public byte[] rest() {
    byte[] value = (byte[]) next(byte[].class);
    byte[] v = value != null ? value : randomBytes(0, 64);
    front.writeBytes(v);
    return v;
  }

  /** Mostly small values: a uniform pick over a range as wide as a long's is almost never small. */
  private long randomIn(long min, long max) {
    long range = max - min; // unsigned
    if (range >= 0 && range < 1024) {
      return min + random.nextInt((int) range + 1);
    }
    long offset = random.nextBoolean() ? random.nextInt(1024) : random.nextLong();
    if (range == Long.MAX_VALUE) {
      offset &= Long.MAX_VALUE;
    } else if (range >= 0) {
      offset = Math.floorMod(offset, range + 1);
    }
    return min + offset;
  }

  private byte[] randomBytes(int minLength, int maxLength) {
    if (random == null) {
      return new byte[minLength];
    }
    if (maxLength > 1 << 16) {
      throw new IllegalStateException("a random seed of " + maxLength + " bytes is too large");
    }
    byte[] bytes = new byte[minLength + random.nextInt(maxLength - minLength + 1)];
    random.nextBytes(bytes);
    return bytes;
  }

  /**
   * {@code offset} (value minus min, unsigned) in the bytes libFuzzer reads for {@code range} (max
   * minus min, unsigned): one byte per 8 bits of the range, most significant first.
   */
  private void writeIntegral(long offset, long range, int size) {
    int bytes = 0;
    while (bytes < size && (range >>> (8 * bytes)) != 0) {
      bytes++;
    }
    for (int i = bytes - 1; i >= 0; i--) {
      tail.write((int) (offset >>> (8 * i)) & 0xff);
    }
  }
}
