package io.inferstream.schemas;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

/**
 * Encodes and decodes Open Inference Protocol bodies, as JSON or in Triton's binary tensor
 * extension: {@code jsonLength} bytes of OIP JSON (the {@code inference-header-content-length}
 * header) in which each binary tensor carries {@code parameters.binary_data_size}, followed by the
 * raw little-endian tensor bytes in tensor order. Decoding ({@link BodyReader}) never trusts its
 * input: every problem is an {@link InferenceException} with a message that names it, and nothing
 * is allocated beyond what the body's bytes can justify. FP32 and FP64 values that are not finite
 * travel in JSON as the strings {@code "NaN"}, {@code "Infinity"} and {@code "-Infinity"}.
 */
public final class InferenceCodec {
  private static final ObjectMapper MAPPER = new ObjectMapper();
  private static final JsonFactory FACTORY = MAPPER.getFactory();
  static final String BINARY_DATA_SIZE = BodyReader.BINARY_DATA_SIZE;

  private InferenceCodec() {}

  /** A body and the length of its JSON part; {@code jsonLength < 0} means the body is all JSON. */
  public record EncodedBody(byte[] bytes, int jsonLength) {
    public boolean binary() {
      return jsonLength >= 0;
    }
  }

  // ------------------------------------------------------------------ requests

  /**
   * Decodes a request body.
   *
   * @param jsonLength the {@code inference-header-content-length}, or -1 for a pure JSON body
   */
  public static InferenceRequest decodeRequest(byte[] body, int jsonLength) {
    return BodyReader.request(body, jsonLength);
  }

  /** Encodes a request; with {@code binaryInputs} every input travels as binary data. */
  public static EncodedBody encodeRequest(InferenceRequest request, boolean binaryInputs) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(estimate(request.inputs()));
    try (JsonGenerator gen = FACTORY.createGenerator(out)) {
      gen.writeStartObject();
      if (request.id() != null) {
        gen.writeStringField("id", request.id());
      }
      writeParameters(gen, request.parameters());
      gen.writeArrayFieldStart("inputs");
      for (Tensor input : request.inputs()) {
        writeTensor(gen, input, binaryInputs);
      }
      gen.writeEndArray();
      if (!request.outputs().isEmpty()) {
        gen.writeArrayFieldStart("outputs");
        for (RequestedOutput output : request.outputs()) {
          gen.writeStartObject();
          gen.writeStringField("name", output.name());
          if (output.binaryData()) {
            gen.writeObjectFieldStart("parameters");
            gen.writeBooleanField("binary_data", true);
            gen.writeEndObject();
          }
          gen.writeEndObject();
        }
        gen.writeEndArray();
      }
      gen.writeEndObject();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return finish(out, request.inputs(), binaryInputs ? t -> true : t -> false);
  }

  // ------------------------------------------------------------------ responses

  /** Encodes a response; outputs for which {@code binaryOutput} holds travel as binary data. */
  public static EncodedBody encodeResponse(
      InferenceResponse response, Predicate<String> binaryOutput) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(estimate(response.outputs()));
    try (JsonGenerator gen = FACTORY.createGenerator(out)) {
      gen.writeStartObject();
      gen.writeStringField("model_name", response.modelName());
      if (response.modelVersion() != null) {
        gen.writeStringField("model_version", response.modelVersion());
      }
      if (response.id() != null) {
        gen.writeStringField("id", response.id());
      }
      writeParameters(gen, response.parameters());
      gen.writeArrayFieldStart("outputs");
      for (Tensor output : response.outputs()) {
        writeTensor(gen, output, binaryOutput.test(output.name()));
      }
      gen.writeEndArray();
      gen.writeEndObject();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return finish(out, response.outputs(), t -> binaryOutput.test(t.name()));
  }

  public static InferenceResponse decodeResponse(byte[] body, int jsonLength) {
    return BodyReader.response(body, jsonLength);
  }

  // ------------------------------------------------------------------ errors

  public static byte[] encodeError(ErrorBody error) {
    try {
      return MAPPER.writeValueAsBytes(error);
    } catch (JsonProcessingException e) {
      throw new UncheckedIOException(e);
    }
  }

  public static ErrorBody decodeError(byte[] body) {
    return BodyReader.error(body);
  }

  // ------------------------------------------------------------------ writing

  private static void writeParameters(JsonGenerator gen, Map<String, Object> parameters)
      throws IOException {
    if (parameters.isEmpty()) {
      return;
    }
    gen.writeFieldName("parameters");
    MAPPER.writeValue(gen, parameters);
  }

  private static void writeTensor(JsonGenerator gen, Tensor tensor, boolean binary)
      throws IOException {
    gen.writeStartObject();
    gen.writeStringField("name", tensor.name());
    gen.writeStringField("datatype", tensor.datatype().name());
    gen.writeArrayFieldStart("shape");
    for (long dim : tensor.shape()) {
      gen.writeNumber(dim);
    }
    gen.writeEndArray();
    if (binary || !tensor.parameters().isEmpty()) {
      gen.writeObjectFieldStart("parameters");
      for (Map.Entry<String, Object> entry : tensor.parameters().entrySet()) {
        if (!entry.getKey().equals(BINARY_DATA_SIZE)) {
          gen.writeFieldName(entry.getKey());
          MAPPER.writeValue(gen, entry.getValue());
        }
      }
      if (binary) {
        gen.writeNumberField(BINARY_DATA_SIZE, tensor.data().length);
      }
      gen.writeEndObject();
    }
    if (!binary) {
      gen.writeArrayFieldStart("data");
      writeData(gen, tensor);
      gen.writeEndArray();
    }
    gen.writeEndObject();
  }

  private static void writeData(JsonGenerator gen, Tensor tensor) throws IOException {
    ByteBuffer buf = ByteBuffer.wrap(tensor.data()).order(ByteOrder.LITTLE_ENDIAN);
    switch (tensor.datatype()) {
      case BOOL:
        while (buf.hasRemaining()) {
          gen.writeBoolean(buf.get() != 0);
        }
        break;
      case UINT8:
        while (buf.hasRemaining()) {
          gen.writeNumber(buf.get() & 0xff);
        }
        break;
      case INT8:
        while (buf.hasRemaining()) {
          gen.writeNumber(buf.get());
        }
        break;
      case INT16:
        while (buf.hasRemaining()) {
          gen.writeNumber(buf.getShort());
        }
        break;
      case INT32:
        while (buf.hasRemaining()) {
          gen.writeNumber(buf.getInt());
        }
        break;
      case INT64:
        while (buf.hasRemaining()) {
          gen.writeNumber(buf.getLong());
        }
        break;
      case FP32:
        while (buf.hasRemaining()) {
          float value = buf.getFloat();
          if (Float.isFinite(value)) {
            gen.writeNumber(value);
          } else {
            gen.writeString(nonFinite(value));
          }
        }
        break;
      case FP64:
        while (buf.hasRemaining()) {
          double value = buf.getDouble();
          if (Double.isFinite(value)) {
            gen.writeNumber(value);
          } else {
            gen.writeString(nonFinite(value));
          }
        }
        break;
      case BYTES:
        for (String value : tensor.asStrings()) {
          gen.writeString(value);
        }
        break;
      default:
        throw new IllegalStateException(tensor.datatype().name());
    }
  }

  /** Standard JSON has no literal for these: they travel as the strings Java and Python print. */
  private static String nonFinite(double value) {
    return Double.isNaN(value)
        ? TensorDataReader.NAN
        : value > 0 ? TensorDataReader.POSITIVE_INFINITY : TensorDataReader.NEGATIVE_INFINITY;
  }

  private static EncodedBody finish(
      ByteArrayOutputStream json, List<Tensor> tensors, Predicate<Tensor> binary) {
    int jsonLength = json.size();
    boolean anyBinary = false;
    for (Tensor tensor : tensors) {
      if (binary.test(tensor)) {
        json.writeBytes(tensor.data());
        anyBinary = true;
      }
    }
    return new EncodedBody(json.toByteArray(), anyBinary ? jsonLength : -1);
  }

  private static int estimate(List<Tensor> tensors) {
    long total = 256;
    for (Tensor tensor : tensors) {
      total += 128 + tensor.data().length;
    }
    return (int) Math.min(total, Integer.MAX_VALUE - 16);
  }
}
