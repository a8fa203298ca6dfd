package io.inferstream.onnx.testing;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Writes small ONNX models (protobuf wire format, opset 17) for tests that need shapes or failure
 * modes the demo models lack: a per-channel image mean that takes 3x224x224 images, a Gather whose
 * out-of-range index fails at run time (a poison request), a slow MatMul chain, affine variants
 * with the demo model's signature, and models the registry must refuse (no inputs, external data,
 * an operator ONNX Runtime does not know).
 */
public final class TinyOnnx {
  private static final int FLOAT = 1;
  private static final int INT64 = 7;
  private static final int BOOL = 9;

  private TinyOnnx() {}

  /** {@code input} FP32 [N,3,224,224] → {@code mean} FP32 [N,3] (ReduceMean over H and W). */
  public static byte[] imageMean() {
    Proto axes = new Proto().string(1, "axes").varint(20, 7).varint(8, 2).varint(8, 3);
    Proto keepDims = new Proto().string(1, "keepdims").varint(20, 2).varint(3, 0);
    Proto node =
        new Proto()
            .string(1, "input")
            .string(2, "mean")
            .string(3, "reduce")
            .string(4, "ReduceMean")
            .message(5, axes)
            .message(5, keepDims);
    Proto graph =
        new Proto()
            .message(1, node)
            .string(2, "image-mean")
            .message(11, valueInfo("input", FLOAT, "N", 3, 224, 224))
            .message(12, valueInfo("mean", FLOAT, "N", 3));
    return model(graph);
  }

  /**
   * {@code index} INT64 [N,1] → {@code value} FP32 [N,1]: looks indices up in {@code [0, 10, ...,
   * 90]}; an index outside 0..9 makes ONNX Runtime fail the whole batch.
   */
  public static byte[] lookup() {
    Proto table = new Proto().varint(1, 10).varint(2, FLOAT).string(8, "table");
    ByteArrayOutputStream raw = new ByteArrayOutputStream();
    for (int i = 0; i < 10; i++) {
      int bits = Float.floatToIntBits(i * 10f);
      raw.write(bits);
      raw.write(bits >>> 8);
      raw.write(bits >>> 16);
      raw.write(bits >>> 24);
    }
    table.bytes(9, raw.toByteArray());
    Proto axis = new Proto().string(1, "axis").varint(20, 2).varint(3, 0);
    Proto node =
        new Proto()
            .string(1, "table")
            .string(1, "index")
            .string(2, "value")
            .string(3, "gather")
            .string(4, "Gather")
            .message(5, axis);
    Proto graph =
        new Proto()
            .message(1, node)
            .string(2, "lookup")
            .message(5, table)
            .message(11, valueInfo("index", INT64, "N", 1))
            .message(12, valueInfo("value", FLOAT, "N", 1));
    return model(graph);
  }

  /**
   * {@code input} FP32 [N,2048] → {@code output} FP32 [N,2048], four MatMuls with a 2048x2048
   * weight of ones: about 34 MFLOP per row, so a thousand rows keep ONNX Runtime busy for most of a
   * second.
   */
  public static byte[] slowMatMul() {
    int size = 2048;
    byte[] raw = new byte[size * size * 4];
    int one = Float.floatToIntBits(1f);
    for (int i = 0; i < raw.length; i += 4) {
      raw[i] = (byte) one;
      raw[i + 1] = (byte) (one >>> 8);
      raw[i + 2] = (byte) (one >>> 16);
      raw[i + 3] = (byte) (one >>> 24);
    }
    Proto weight =
        new Proto()
            .varint(1, size)
            .varint(1, size)
            .varint(2, FLOAT)
            .string(8, "weight")
            .bytes(9, raw);
    // four chained MatMuls with the one weight: four times the work, no extra memory
    Proto graph = new Proto();
    for (int i = 0; i < 4; i++) {
      graph.message(
          1,
          new Proto()
              .string(1, i == 0 ? "input" : "h" + i)
              .string(1, "weight")
              .string(2, i == 3 ? "output" : "h" + (i + 1))
              .string(3, "matmul" + i)
              .string(4, "MatMul"));
    }
    graph
        .string(2, "slow")
        .message(5, weight)
        .message(11, valueInfo("input", FLOAT, "N", size))
        .message(12, valueInfo("output", FLOAT, "N", size));
    return model(graph);
  }

  /**
   * {@code input} FP32 [N,4] → {@code output} FP32 [N,4], y = scale · x + shift: the demo {@code
   * affine} signature, so {@code affine(3, 1)} is a version whose outputs differ from {@code
   * affine(2, 1)}'s.
   */
  public static byte[] affine(float scale, float shift) {
    Proto graph =
        new Proto()
            .message(1, node("Mul", "input", "scale", "scaled"))
            .message(1, node("Add", "scaled", "shift", "output"))
            .string(2, "affine")
            .message(5, scalar("scale", scale))
            .message(5, scalar("shift", shift))
            .message(11, valueInfo("input", FLOAT, "N", 4))
            .message(12, valueInfo("output", FLOAT, "N", 4));
    return model(graph);
  }

  /** No inputs: a Constant node is the whole graph. ONNX Runtime loads it; a server cannot. */
  public static byte[] noInputs() {
    Proto value = new Proto().string(1, "value").varint(20, 4).message(5, scalar("c", 1f));
    Proto node =
        new Proto().string(2, "output").string(3, "const").string(4, "Constant").message(5, value);
    Proto graph =
        new Proto().message(1, node).string(2, "constant").message(12, valueInfo("output", FLOAT));
    return model(graph);
  }

  /** The affine graph with its {@code scale} weight in an external file {@code weights.bin}. */
  public static byte[] externalData() {
    Proto location = new Proto().string(1, "location").string(2, "weights.bin");
    Proto scale =
        new Proto()
            .varint(2, FLOAT)
            .string(8, "scale")
            .message(13, location)
            .varint(14, 1); // data_location = EXTERNAL
    Proto graph =
        new Proto()
            .message(1, node("Mul", "input", "scale", "output"))
            .string(2, "external")
            .message(5, scale)
            .message(11, valueInfo("input", FLOAT, "N", 4))
            .message(12, valueInfo("output", FLOAT, "N", 4));
    return model(graph);
  }

  /** A well-formed graph whose operator ONNX Runtime does not know: it refuses the model. */
  public static byte[] unknownOperator() {
    Proto graph =
        new Proto()
            .message(1, node("NoSuchOperator", "input", null, "output"))
            .string(2, "unknown-op")
            .message(11, valueInfo("input", FLOAT, "N", 4))
            .message(12, valueInfo("output", FLOAT, "N", 4));
    return model(graph);
  }

  /**
   * {@code input} → Identity → {@code output}, both of ONNX element type {@code elemType} [N,4].
   */
  public static byte[] identity(int elemType) {
    Proto graph =
        new Proto()
            .message(1, node("Identity", "input", null, "output"))
            .string(2, "identity")
            .message(11, valueInfo("input", elemType, "N", 4))
            .message(12, valueInfo("output", elemType, "N", 4));
    return model(graph);
  }

  /**
   * An If node whose then-branch holds a Constant with external data: a scan for external data must
   * look inside subgraphs too.
   */
  public static byte[] externalDataInSubgraph() {
    Proto location = new Proto().string(1, "location").string(2, "w.bin");
    Proto tensor = new Proto().varint(2, FLOAT).string(8, "hidden").message(13, location);
    Proto constant =
        new Proto()
            .string(2, "c")
            .string(4, "Constant")
            .message(5, new Proto().string(1, "value").varint(20, 4).message(5, tensor));
    Proto branch = new Proto().message(1, constant).string(2, "then");
    Proto ifNode =
        new Proto()
            .string(1, "cond")
            .string(2, "output")
            .string(4, "If")
            .message(5, new Proto().string(1, "then_branch").varint(20, 5).message(6, branch));
    Proto graph =
        new Proto()
            .message(1, ifNode)
            .string(2, "nested")
            .message(11, valueInfo("cond", BOOL, "N", 4))
            .message(12, valueInfo("output", FLOAT, "N", 4));
    return model(graph);
  }

  public static void write(Path repository, String name, byte[] model) throws IOException {
    Path dir = repository.resolve(name).resolve("1");
    Files.createDirectories(dir);
    Files.write(dir.resolve("model.onnx"), model);
  }

  private static byte[] model(Proto graph) {
    Proto opset = new Proto().string(1, "").varint(2, 17);
    return new Proto()
        .varint(1, 8)
        .string(2, "inferstream-tests")
        .message(7, graph)
        .message(8, opset)
        .toByteArray();
  }

  private static Proto node(String op, String input, String secondInput, String output) {
    Proto node = new Proto().string(1, input);
    if (secondInput != null) {
      node.string(1, secondInput);
    }
    return node.string(2, output).string(3, output + "-" + op).string(4, op);
  }

  /** A scalar FP32 initializer (a tensor with no dimensions). */
  private static Proto scalar(String name, float value) {
    int bits = Float.floatToIntBits(value);
    return new Proto()
        .varint(2, FLOAT)
        .string(8, name)
        .bytes(
            9,
            new byte[] {
              (byte) bits, (byte) (bits >>> 8), (byte) (bits >>> 16), (byte) (bits >>> 24)
            });
  }

  /** A tensor value info; a String dimension is symbolic (dynamic), an Integer fixed. */
  private static Proto valueInfo(String name, int elemType, Object... dims) {
    Proto shape = new Proto();
    for (Object dim : dims) {
      shape.message(
          1,
          dim instanceof String s
              ? new Proto().string(2, s)
              : new Proto().varint(1, ((Number) dim).longValue()));
    }
    Proto tensorType = new Proto().varint(1, elemType).message(2, shape);
    return new Proto().string(1, name).message(2, new Proto().message(1, tensorType));
  }

  /** Just enough of the protobuf wire format: varints, strings/bytes and nested messages. */
  private static final class Proto {
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();

    Proto varint(int field, long value) {
      tag(field, 0);
      writeVarint(value);
      return this;
    }

    Proto string(int field, String value) {
      return bytes(field, value.getBytes(StandardCharsets.UTF_8));
    }

    Proto bytes(int field, byte[] value) {
      tag(field, 2);
      writeVarint(value.length);
      out.writeBytes(value);
      return this;
    }

    Proto message(int field, Proto message) {
      return bytes(field, message.toByteArray());
    }

    byte[] toByteArray() {
      return out.toByteArray();
    }

    private void tag(int field, int wireType) {
      writeVarint(((long) field << 3) | wireType);
    }

    private void writeVarint(long value) {
      while ((value & ~0x7FL) != 0) {
        out.write((int) ((value & 0x7F) | 0x80));
        value >>>= 7;
      }
      out.write((int) value);
    }
  }
}
