package io.inferstream.registry;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/** Protobuf wire format for the few hand-made ONNX models the tests need beyond TinyOnnx. */
final class ProtoWriter {
  private final ByteArrayOutputStream out = new ByteArrayOutputStream();

  ProtoWriter varint(int field, long value) {
    tag(field, 0);
    writeVarint(value);
    return this;
  }

  ProtoWriter string(int field, String value) {
    return bytes(field, value.getBytes(StandardCharsets.UTF_8));
  }

  ProtoWriter bytes(int field, byte[] value) {
    tag(field, 2);
    writeVarint(value.length);
    out.writeBytes(value);
    return this;
  }

  ProtoWriter message(int field, ProtoWriter message) {
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

  /**
   * {@code input} → Identity → {@code output}, both of ONNX element type {@code elemType} [N,4].
   */
  static byte[] identity(int elemType) {
    ProtoWriter node =
        new ProtoWriter()
            .string(1, "input")
            .string(2, "output")
            .string(3, "id")
            .string(4, "Identity");
    ProtoWriter graph =
        new ProtoWriter()
            .message(1, node)
            .string(2, "identity")
            .message(11, valueInfo("input", elemType))
            .message(12, valueInfo("output", elemType));
    return model(graph);
  }

  /**
   * The affine graph whose {@code scale} initializer sits in an If node's subgraph attribute with
   * external data: the scan must look inside subgraphs too.
   */
  static byte[] externalDataInSubgraph() {
    ProtoWriter location = new ProtoWriter().string(1, "location").string(2, "w.bin");
    ProtoWriter tensor = new ProtoWriter().varint(2, 1).string(8, "hidden").message(13, location);
    ProtoWriter constant =
        new ProtoWriter()
            .string(2, "c")
            .string(4, "Constant")
            .message(5, new ProtoWriter().string(1, "value").varint(20, 4).message(5, tensor));
    ProtoWriter branch = new ProtoWriter().message(1, constant).string(2, "then");
    ProtoWriter ifNode =
        new ProtoWriter()
            .string(1, "cond")
            .string(2, "output")
            .string(4, "If")
            .message(
                5, new ProtoWriter().string(1, "then_branch").varint(20, 5).message(6, branch));
    ProtoWriter graph =
        new ProtoWriter()
            .message(1, ifNode)
            .string(2, "nested")
            .message(11, valueInfo("cond", 9))
            .message(12, valueInfo("output", 1));
    return model(graph);
  }

  private static byte[] model(ProtoWriter graph) {
    ProtoWriter opset = new ProtoWriter().string(1, "").varint(2, 17);
    return new ProtoWriter()
        .varint(1, 8)
        .string(2, "inferstream-registry-tests")
        .message(7, graph)
        .message(8, opset)
        .toByteArray();
  }

  private static ProtoWriter valueInfo(String name, int elemType) {
    ProtoWriter shape =
        new ProtoWriter()
            .message(1, new ProtoWriter().string(2, "N"))
            .message(1, new ProtoWriter().varint(1, 4));
    ProtoWriter tensorType = new ProtoWriter().varint(1, elemType).message(2, shape);
    return new ProtoWriter().string(1, name).message(2, new ProtoWriter().message(1, tensorType));
  }
}
