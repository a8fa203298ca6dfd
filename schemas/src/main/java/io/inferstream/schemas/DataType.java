package io.inferstream.schemas;

/**
 * Open Inference Protocol tensor datatypes that ONNX Runtime's Java API can feed. Fixed-width types
 * travel as little-endian bytes; BYTES elements as a 4-byte little-endian length followed by the
 * bytes (Triton's framing), and map to ONNX STRING tensors (UTF-8).
 */
public enum DataType {
  BOOL(1),
  UINT8(1),
  INT8(1),
  INT16(2),
  INT32(4),
  INT64(8),
  FP32(4),
  FP64(8),
  BYTES(-1);

  private final int byteSize;

  DataType(int byteSize) {
    this.byteSize = byteSize;
  }

  /** Bytes per element, or -1 for variable-length BYTES. */
  public int byteSize() {
    return byteSize;
  }

  public boolean fixedWidth() {
    return byteSize > 0;
  }

  public static DataType parse(String name) {
    if (name != null) {
      for (DataType type : values()) {
        if (type.name().equals(name)) {
          return type;
        }
      }
    }
    throw InferenceException.badRequest(
        "unsupported datatype '"
            + name
            + "': expected one of BOOL, UINT8, INT8, INT16, INT32, INT64, FP32, FP64, BYTES");
  }
}
