package io.inferstream.bench;

import io.inferstream.schemas.DataType;
import io.inferstream.schemas.InferenceCodec;
import io.inferstream.schemas.InferenceHeaders;
import io.inferstream.schemas.InferenceRequest;
import io.inferstream.schemas.Tensor;
import io.inferstream.schemas.TensorSpec;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The request every benchmark call sends: inputs shaped by the model's signature with {@code rows}
 * rows, filled with a deterministic pattern, encoded once as JSON or in Triton's binary form (a
 * binary request also asks for binary outputs).
 */
final class RequestPayload {
  /** How tensors travel. */
  enum Format {
    JSON,
    BINARY
  }

  private final String model;
  private final int rows;
  private final Format format;
  private final InferenceRequest request;
  private final byte[] body;
  private final Map<String, byte[]> headers;

  private RequestPayload(String model, int rows, Format format, InferenceRequest request) {
    this.model = model;
    this.rows = rows;
    this.format = format;
    this.request = request;
    InferenceCodec.EncodedBody encoded =
        InferenceCodec.encodeRequest(request, format == Format.BINARY);
    this.body = encoded.bytes();
    Map<String, byte[]> h = new LinkedHashMap<>();
    h.put(InferenceHeaders.MODEL, utf8(model));
    if (encoded.binary()) {
      h.put(InferenceHeaders.CONTENT_TYPE, utf8(InferenceHeaders.CONTENT_TYPE_BINARY));
      h.put(
          InferenceHeaders.INFERENCE_HEADER_CONTENT_LENGTH,
          utf8(String.valueOf(encoded.jsonLength())));
    } else {
      h.put(InferenceHeaders.CONTENT_TYPE, utf8(InferenceHeaders.CONTENT_TYPE_JSON));
    }
    this.headers = Map.copyOf(h);
  }

  static RequestPayload create(String model, List<TensorSpec> inputs, int rows, Format format) {
    if (rows < 1) {
      throw new IllegalArgumentException("--rows must be >= 1, was " + rows);
    }
    List<Tensor> tensors = new ArrayList<>(inputs.size());
    for (TensorSpec spec : inputs) {
      long[] shape = concreteShape(spec.shape(), rows);
      tensors.add(new Tensor(spec.name(), spec.datatype(), shape, fill(spec, shape)));
    }
    Map<String, Object> parameters =
        format == Format.BINARY ? Map.of("binary_data_output", true) : Map.of();
    return new RequestPayload(
        model, rows, format, new InferenceRequest(null, parameters, tensors, List.of()));
  }

  /** The signature's shape with the batch dimension set to {@code rows}, other dynamic ones 1. */
  static long[] concreteShape(long[] signature, int rows) {
    if (signature.length == 0) {
      throw new IllegalArgumentException("a batched model input needs a batch dimension");
    }
    long[] shape = signature.clone();
    shape[0] = rows;
    for (int i = 1; i < shape.length; i++) {
      if (shape[i] < 0) {
        shape[i] = 1;
      }
    }
    return shape;
  }

  /** The same pattern as the shared models' reference input: values in [-0.5, 0.5). */
  static byte[] fill(TensorSpec spec, long[] shape) {
    DataType type = spec.datatype();
    if (!type.fixedWidth()) {
      throw new IllegalArgumentException(
          "input '"
              + spec.name()
              + "' is "
              + type
              + ": the benchmark generates numeric inputs only");
    }
    long count = Tensor.elementCount(shape);
    long bytes = count * type.byteSize();
    if (bytes > Integer.MAX_VALUE - 16) {
      throw new IllegalArgumentException("input '" + spec.name() + "' is too large: " + bytes);
    }
    ByteBuffer buffer = ByteBuffer.allocate((int) bytes).order(ByteOrder.LITTLE_ENDIAN);
    for (long i = 0; i < count; i++) {
      int step = (int) ((i * 7) % 17);
      switch (type) {
        case FP32 -> buffer.putFloat(step / 17f - 0.5f);
        case FP64 -> buffer.putDouble(step / 17.0 - 0.5);
        case INT64 -> buffer.putLong(step);
        case INT32 -> buffer.putInt(step);
        case INT16 -> buffer.putShort((short) step);
        case INT8, UINT8 -> buffer.put((byte) step);
        case BOOL -> buffer.put((byte) (step & 1));
        default -> throw new IllegalStateException(type.name());
      }
    }
    return buffer.array();
  }

  String model() {
    return model;
  }

  int rows() {
    return rows;
  }

  Format format() {
    return format;
  }

  /** The request, for clients that encode per call. */
  InferenceRequest request() {
    return request;
  }

  /** The encoded body, shared by every call. */
  byte[] body() {
    return body;
  }

  /** Model and content headers; the client adds request id and reply address. */
  Map<String, byte[]> headers() {
    return headers;
  }

  private static byte[] utf8(String value) {
    return value.getBytes(StandardCharsets.UTF_8);
  }
}
