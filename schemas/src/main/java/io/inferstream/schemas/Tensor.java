package io.inferstream.schemas;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A named tensor in its canonical wire form: row-major elements as little-endian bytes (BYTES
 * elements framed as a 4-byte little-endian length plus the bytes), whatever encoding it arrived
 * in. Immutable by convention: the arrays are not copied, so callers must not change them.
 */
public final class Tensor {
  private final String name;
  private final DataType datatype;
  private final long[] shape;
  private final byte[] data;
  private final Map<String, Object> parameters;

  public Tensor(
      String name, DataType datatype, long[] shape, byte[] data, Map<String, Object> parameters) {
    this.name = Objects.requireNonNull(name, "name");
    this.datatype = Objects.requireNonNull(datatype, "datatype");
    this.shape = Objects.requireNonNull(shape, "shape");
    this.data = Objects.requireNonNull(data, "data");
    this.parameters = parameters == null ? Map.of() : parameters;
  }

  public Tensor(String name, DataType datatype, long[] shape, byte[] data) {
    this(name, datatype, shape, data, Map.of());
  }

  public String name() {
    return name;
  }

  public DataType datatype() {
    return datatype;
  }

  public long[] shape() {
    return shape;
  }

  /** Little-endian element bytes (framed for BYTES). */
  public byte[] data() {
    return data;
  }

  public Map<String, Object> parameters() {
    return parameters;
  }

  /** Number of elements the shape holds (product of the dimensions). */
  public long elementCount() {
    return elementCount(shape);
  }

  public static long elementCount(long[] shape) {
    long count = 1;
    for (long dim : shape) {
      count = Math.multiplyExact(count, dim);
    }
    return count;
  }

  public static String shapeString(long[] shape) {
    return Arrays.toString(shape).replace(" ", "");
  }

  // ---- convenience constructors and accessors for typed data ----

  public static Tensor ofFloats(String name, long[] shape, float... values) {
    ByteBuffer buf = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
    buf.asFloatBuffer().put(values);
    return new Tensor(name, DataType.FP32, shape, buf.array());
  }

  public static Tensor ofDoubles(String name, long[] shape, double... values) {
    ByteBuffer buf = ByteBuffer.allocate(values.length * 8).order(ByteOrder.LITTLE_ENDIAN);
    buf.asDoubleBuffer().put(values);
    return new Tensor(name, DataType.FP64, shape, buf.array());
  }

  public static Tensor ofLongs(String name, long[] shape, long... values) {
    ByteBuffer buf = ByteBuffer.allocate(values.length * 8).order(ByteOrder.LITTLE_ENDIAN);
    buf.asLongBuffer().put(values);
    return new Tensor(name, DataType.INT64, shape, buf.array());
  }

  public static Tensor ofInts(String name, long[] shape, int... values) {
    ByteBuffer buf = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
    buf.asIntBuffer().put(values);
    return new Tensor(name, DataType.INT32, shape, buf.array());
  }

  public static Tensor ofStrings(String name, long[] shape, String... values) {
    List<byte[]> encoded = new ArrayList<>(values.length);
    int total = 0;
    for (String value : values) {
      byte[] bytes = value.getBytes(StandardCharsets.UTF_8);
      encoded.add(bytes);
      total += 4 + bytes.length;
    }
    ByteBuffer buf = ByteBuffer.allocate(total).order(ByteOrder.LITTLE_ENDIAN);
    for (byte[] bytes : encoded) {
      buf.putInt(bytes.length).put(bytes);
    }
    return new Tensor(name, DataType.BYTES, shape, buf.array());
  }

  public float[] asFloats() {
    requireType(DataType.FP32);
    float[] out = new float[data.length / 4];
    ByteBuffer.wrap(data).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(out);
    return out;
  }

  public double[] asDoubles() {
    requireType(DataType.FP64);
    double[] out = new double[data.length / 8];
    ByteBuffer.wrap(data).order(ByteOrder.LITTLE_ENDIAN).asDoubleBuffer().get(out);
    return out;
  }

  public long[] asLongs() {
    requireType(DataType.INT64);
    long[] out = new long[data.length / 8];
    ByteBuffer.wrap(data).order(ByteOrder.LITTLE_ENDIAN).asLongBuffer().get(out);
    return out;
  }

  /** BYTES elements decoded as UTF-8 strings. */
  public String[] asStrings() {
    requireType(DataType.BYTES);
    List<String> out = new ArrayList<>();
    ByteBuffer buf = ByteBuffer.wrap(data).order(ByteOrder.LITTLE_ENDIAN);
    while (buf.hasRemaining()) {
      int len = buf.getInt();
      out.add(new String(data, buf.position(), len, StandardCharsets.UTF_8));
      buf.position(buf.position() + len);
    }
    return out.toArray(new String[0]);
  }

  private void requireType(DataType expected) {
    if (datatype != expected) {
      throw new IllegalStateException("tensor '" + name + "' is " + datatype + ", not " + expected);
    }
  }

  @Override
  public boolean equals(Object o) {
    if (this == o) {
      return true;
    }
    if (!(o instanceof Tensor)) {
      return false;
    }
    Tensor other = (Tensor) o;
    return name.equals(other.name)
        && datatype == other.datatype
        && Arrays.equals(shape, other.shape)
        && Arrays.equals(data, other.data)
        && parameters.equals(other.parameters);
  }

  @Override
  public int hashCode() {
    return Objects.hash(name, datatype, Arrays.hashCode(shape), Arrays.hashCode(data));
  }

  @Override
  public String toString() {
    return "Tensor{"
        + name
        + " "
        + datatype
        + shapeString(shape)
        + ", "
        + data.length
        + " bytes"
        + (parameters.isEmpty() ? "" : ", " + parameters)
        + "}";
  }
}
