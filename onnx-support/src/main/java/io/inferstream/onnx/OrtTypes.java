package io.inferstream.onnx;

import ai.onnxruntime.OnnxJavaType;
import io.inferstream.schemas.DataType;

/** Maps Open Inference Protocol datatypes to ONNX Runtime's Java types and back. */
public final class OrtTypes {
  private OrtTypes() {}

  public static OnnxJavaType toOnnx(DataType type) {
    switch (type) {
      case BOOL:
        return OnnxJavaType.BOOL;
      case UINT8:
        return OnnxJavaType.UINT8;
      case INT8:
        return OnnxJavaType.INT8;
      case INT16:
        return OnnxJavaType.INT16;
      case INT32:
        return OnnxJavaType.INT32;
      case INT64:
        return OnnxJavaType.INT64;
      case FP32:
        return OnnxJavaType.FLOAT;
      case FP64:
        return OnnxJavaType.DOUBLE;
      case BYTES:
        return OnnxJavaType.STRING;
      default:
        throw new IllegalArgumentException("no ONNX type for " + type);
    }
  }

  /** The OIP datatype of an ONNX Runtime type, or null when the Java API cannot carry it. */
  public static DataType fromOnnx(OnnxJavaType type) {
    switch (type) {
      case BOOL:
        return DataType.BOOL;
      case UINT8:
        return DataType.UINT8;
      case INT8:
        return DataType.INT8;
      case INT16:
        return DataType.INT16;
      case INT32:
        return DataType.INT32;
      case INT64:
        return DataType.INT64;
      case FLOAT:
        return DataType.FP32;
      case DOUBLE:
        return DataType.FP64;
      case STRING:
        return DataType.BYTES;
      default:
        return null;
    }
  }
}
