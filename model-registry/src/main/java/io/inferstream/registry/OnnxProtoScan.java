package io.inferstream.registry;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * Walks an ONNX {@code ModelProto} in protobuf wire format without a protobuf library, just far
 * enough to answer two questions before ONNX Runtime sees the bytes: does it parse as a model with
 * a graph, and does any tensor keep its data outside the file ({@code TensorProto.data_location =
 * EXTERNAL} or {@code external_data} entries)? A registry artifact is one file fetched by URI, so
 * external data could never be found by a task manager.
 *
 * <p>Visits graph initializers, sparse initializers, tensor-valued node attributes, subgraphs
 * ({@code If}/{@code Loop} bodies) and the nodes of model-local functions.
 */
final class OnnxProtoScan {
  private static final int MAX_DEPTH = 64;

  /** What the scan found. */
  record Result(boolean wellFormed, boolean hasGraph, String externalTensor) {
    static final Result MALFORMED = new Result(false, false, null);
  }

  private static final class Malformed extends RuntimeException {
    private static final long serialVersionUID = 1L;

    Malformed() {
      super(null, null, false, false);
    }
  }

  private String externalTensor;
  private boolean hasGraph;

  private OnnxProtoScan() {}

  static Result scan(ByteBuffer model) {
    OnnxProtoScan scan = new OnnxProtoScan();
    ByteBuffer buffer = model.duplicate();
    try {
      scan.modelProto(buffer, buffer.position(), buffer.limit());
    } catch (Malformed | IndexOutOfBoundsException e) {
      return Result.MALFORMED;
    }
    return new Result(true, scan.hasGraph, scan.externalTensor);
  }

  // ModelProto: 7 graph, 25 functions
  private void modelProto(ByteBuffer b, int start, int end) {
    Reader r = new Reader(b, start, end);
    while (r.more()) {
      int tag = r.tag();
      int field = tag >>> 3;
      if (field == 7 && wireType(tag) == 2) {
        hasGraph = true;
        int[] range = r.lengthDelimited();
        graphProto(b, range[0], range[1], 1);
      } else if (field == 25 && wireType(tag) == 2) {
        int[] range = r.lengthDelimited();
        functionProto(b, range[0], range[1], 1);
      } else {
        r.skip(tag);
      }
    }
  }

  // GraphProto: 1 node, 5 initializer, 15 sparse_initializer
  private void graphProto(ByteBuffer b, int start, int end, int depth) {
    checkDepth(depth);
    Reader r = new Reader(b, start, end);
    while (r.more()) {
      int tag = r.tag();
      int field = tag >>> 3;
      if (wireType(tag) == 2 && (field == 1 || field == 5 || field == 15)) {
        int[] range = r.lengthDelimited();
        switch (field) {
          case 1 -> nodeProto(b, range[0], range[1], depth + 1);
          case 5 -> tensorProto(b, range[0], range[1]);
          default -> sparseTensorProto(b, range[0], range[1]);
        }
      } else {
        r.skip(tag);
      }
    }
  }

  // FunctionProto: 7 node
  private void functionProto(ByteBuffer b, int start, int end, int depth) {
    checkDepth(depth);
    Reader r = new Reader(b, start, end);
    while (r.more()) {
      int tag = r.tag();
      if ((tag >>> 3) == 7 && wireType(tag) == 2) {
        int[] range = r.lengthDelimited();
        nodeProto(b, range[0], range[1], depth + 1);
      } else {
        r.skip(tag);
      }
    }
  }

  // NodeProto: 5 attribute
  private void nodeProto(ByteBuffer b, int start, int end, int depth) {
    checkDepth(depth);
    Reader r = new Reader(b, start, end);
    while (r.more()) {
      int tag = r.tag();
      if ((tag >>> 3) == 5 && wireType(tag) == 2) {
        int[] range = r.lengthDelimited();
        attributeProto(b, range[0], range[1], depth + 1);
      } else {
        r.skip(tag);
      }
    }
  }

  // AttributeProto: 5 t, 6 g, 10 tensors, 11 graphs, 22 sparse_tensor, 23 sparse_tensors
  private void attributeProto(ByteBuffer b, int start, int end, int depth) {
    checkDepth(depth);
    Reader r = new Reader(b, start, end);
    while (r.more()) {
      int tag = r.tag();
      int field = tag >>> 3;
      if (wireType(tag) != 2) {
        r.skip(tag);
        continue;
      }
      switch (field) {
        case 5, 10 -> {
          int[] range = r.lengthDelimited();
          tensorProto(b, range[0], range[1]);
        }
        case 6, 11 -> {
          int[] range = r.lengthDelimited();
          graphProto(b, range[0], range[1], depth + 1);
        }
        case 22, 23 -> {
          int[] range = r.lengthDelimited();
          sparseTensorProto(b, range[0], range[1]);
        }
        default -> r.skip(tag);
      }
    }
  }

  // SparseTensorProto: 1 values, 2 indices
  private void sparseTensorProto(ByteBuffer b, int start, int end) {
    Reader r = new Reader(b, start, end);
    while (r.more()) {
      int tag = r.tag();
      int field = tag >>> 3;
      if (wireType(tag) == 2 && (field == 1 || field == 2)) {
        int[] range = r.lengthDelimited();
        tensorProto(b, range[0], range[1]);
      } else {
        r.skip(tag);
      }
    }
  }

  // TensorProto: 8 name, 13 external_data, 14 data_location (1 = EXTERNAL)
  private void tensorProto(ByteBuffer b, int start, int end) {
    Reader r = new Reader(b, start, end);
    String name = null;
    boolean external = false;
    while (r.more()) {
      int tag = r.tag();
      int field = tag >>> 3;
      if (field == 8 && wireType(tag) == 2) {
        int[] range = r.lengthDelimited();
        byte[] bytes = new byte[range[1] - range[0]];
        b.get(range[0], bytes);
        name = new String(bytes, StandardCharsets.UTF_8);
      } else if (field == 13 && wireType(tag) == 2) {
        r.lengthDelimited();
        external = true;
      } else if (field == 14 && wireType(tag) == 0) {
        external |= r.varint() == 1;
      } else {
        r.skip(tag);
      }
    }
    if (external && externalTensor == null) {
      externalTensor = name == null || name.isEmpty() ? "(unnamed)" : name;
    }
  }

  private static int wireType(int tag) {
    return tag & 7;
  }

  private static void checkDepth(int depth) {
    if (depth > MAX_DEPTH) {
      throw new Malformed();
    }
  }

  /** Reads fields of one message between two absolute buffer positions. */
  private static final class Reader {
    private final ByteBuffer b;
    private final int end;
    private int pos;

    Reader(ByteBuffer b, int start, int end) {
      this.b = b;
      this.pos = start;
      this.end = end;
    }

    boolean more() {
      return pos < end;
    }

    int tag() {
      long tag = varint();
      if (tag <= 0 || tag > Integer.MAX_VALUE || (tag >>> 3) == 0) {
        throw new Malformed();
      }
      return (int) tag;
    }

    long varint() {
      long value = 0;
      for (int shift = 0; shift < 64; shift += 7) {
        if (pos >= end) {
          throw new Malformed();
        }
        byte next = b.get(pos++);
        value |= (long) (next & 0x7F) << shift;
        if (next >= 0) {
          return value;
        }
      }
      throw new Malformed();
    }

    int[] lengthDelimited() {
      long length = varint();
      if (length < 0 || length > end - pos) {
        throw new Malformed();
      }
      int start = pos;
      pos += (int) length;
      return new int[] {start, pos};
    }

    void skip(int tag) {
      switch (tag & 7) {
        case 0 -> varint();
        case 1 -> advance(8);
        case 2 -> lengthDelimited();
        case 5 -> advance(4);
        default -> throw new Malformed(); // groups (3, 4) are not used by ONNX; 6, 7 do not exist
      }
    }

    private void advance(int bytes) {
      if (bytes > end - pos) {
        throw new Malformed();
      }
      pos += bytes;
    }
  }
}
