package io.inferstream.schemas;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;

/**
 * Encodes and decodes Open Inference Protocol bodies, as JSON or in Triton's binary tensor
 * extension: {@code jsonLength} bytes of OIP JSON (the {@code inference-header-content-length}
 * header) in which each binary tensor carries {@code parameters.binary_data_size}, followed by the
 * raw little-endian tensor bytes in tensor order. Decoding never trusts its input: every problem is
 * an {@link InferenceException} with a message that names it.
 */
public final class InferenceCodec {
  private static final ObjectMapper MAPPER = new ObjectMapper();
  private static final JsonFactory FACTORY = MAPPER.getFactory();
  private static final TypeReference<Map<String, Object>> MAP_TYPE = new TypeReference<>() {};
  static final String BINARY_DATA_SIZE = "binary_data_size";

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
    JsonNode root = readJson(body, jsonLength);
    BinaryCursor cursor = jsonLength < 0 ? null : new BinaryCursor(body, jsonLength);
    String id = optionalText(root, "id", "request");
    Map<String, Object> parameters = parameters(root.get("parameters"), "request");
    JsonNode inputsNode = root.get("inputs");
    if (inputsNode == null || !inputsNode.isArray() || inputsNode.isEmpty()) {
      throw InferenceException.badRequest("request has no 'inputs' array");
    }
    List<Tensor> inputs = new ArrayList<>(inputsNode.size());
    Set<String> names = new HashSet<>();
    for (JsonNode input : inputsNode) {
      Tensor tensor = readTensor(input, "input", cursor);
      if (!names.add(tensor.name())) {
        throw InferenceException.badRequest("input '" + tensor.name() + "' appears twice");
      }
      inputs.add(tensor);
    }
    if (cursor != null) {
      cursor.requireFullyConsumed();
    }
    List<RequestedOutput> outputs = new ArrayList<>();
    JsonNode outputsNode = root.get("outputs");
    if (outputsNode != null && !outputsNode.isNull()) {
      if (!outputsNode.isArray()) {
        throw InferenceException.badRequest("'outputs' must be an array");
      }
      for (JsonNode output : outputsNode) {
        String name = requiredText(output, "name", "output");
        Map<String, Object> params = parameters(output.get("parameters"), "output '" + name + "'");
        outputs.add(new RequestedOutput(name, Boolean.TRUE.equals(params.get("binary_data"))));
      }
    }
    return new InferenceRequest(id, parameters, inputs, outputs);
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
    JsonNode root = readJson(body, jsonLength);
    BinaryCursor cursor = jsonLength < 0 ? null : new BinaryCursor(body, jsonLength);
    String modelName = requiredText(root, "model_name", "response");
    String modelVersion = optionalText(root, "model_version", "response");
    String id = optionalText(root, "id", "response");
    Map<String, Object> parameters = parameters(root.get("parameters"), "response");
    List<Tensor> outputs = new ArrayList<>();
    JsonNode outputsNode = root.get("outputs");
    if (outputsNode != null && outputsNode.isArray()) {
      for (JsonNode output : outputsNode) {
        outputs.add(readTensor(output, "output", cursor));
      }
    }
    if (cursor != null) {
      cursor.requireFullyConsumed();
    }
    return new InferenceResponse(modelName, modelVersion, id, parameters, outputs);
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
    JsonNode root = readJson(body, -1);
    return new ErrorBody(
        requiredText(root, "error", "error reply"),
        root.path("code").asInt(500),
        optionalText(root, "id", "error reply"));
  }

  // ------------------------------------------------------------------ reading

  private static JsonNode readJson(byte[] body, int jsonLength) {
    if (body == null || body.length == 0) {
      throw InferenceException.badRequest("empty body");
    }
    if (jsonLength > body.length) {
      throw InferenceException.badRequest(
          "inference-header-content-length "
              + jsonLength
              + " is larger than the body ("
              + body.length
              + " bytes)");
    }
    int length = jsonLength < 0 ? body.length : jsonLength;
    JsonNode root;
    try {
      root = MAPPER.readTree(body, 0, length);
    } catch (IOException e) {
      throw InferenceException.badRequest("malformed JSON: " + firstLine(e.getMessage()));
    }
    if (root == null || !root.isObject()) {
      throw InferenceException.badRequest("body is not a JSON object");
    }
    return root;
  }

  private static Tensor readTensor(JsonNode node, String kind, BinaryCursor cursor) {
    if (node == null || !node.isObject()) {
      throw InferenceException.badRequest(kind + " is not a JSON object");
    }
    String name = requiredText(node, "name", kind);
    String what = kind + " '" + name + "'";
    JsonNode datatypeNode = node.get("datatype");
    if (datatypeNode == null || !datatypeNode.isTextual()) {
      throw InferenceException.badRequest(what + " has no 'datatype'");
    }
    DataType datatype = DataType.parse(datatypeNode.asText());
    long[] shape = readShape(node.get("shape"), what);
    long count;
    try {
      count = Tensor.elementCount(shape);
    } catch (ArithmeticException e) {
      throw InferenceException.badRequest(
          what + " shape " + Tensor.shapeString(shape) + " overflows");
    }
    Map<String, Object> params = parameters(node.get("parameters"), what);
    Object binarySize = params.get(BINARY_DATA_SIZE);
    byte[] data;
    if (binarySize != null) {
      if (cursor == null) {
        throw InferenceException.badRequest(
            what
                + " has parameters.binary_data_size but the body has no binary part"
                + " (missing inference-header-content-length)");
      }
      if (!(binarySize instanceof Number) || ((Number) binarySize).longValue() < 0) {
        throw InferenceException.badRequest(
            what + " has an invalid binary_data_size " + binarySize);
      }
      long size = ((Number) binarySize).longValue();
      data = cursor.take(size, what);
      checkBinarySize(datatype, shape, count, data, what);
      params = new LinkedHashMap<>(params);
      params.remove(BINARY_DATA_SIZE);
    } else {
      JsonNode dataNode = node.get("data");
      if (dataNode == null || dataNode.isNull()) {
        throw InferenceException.badRequest(what + " has no 'data'");
      }
      data = readData(dataNode, datatype, shape, count, what);
    }
    return new Tensor(name, datatype, shape, data, params.isEmpty() ? Map.of() : params);
  }

  private static long[] readShape(JsonNode shapeNode, String what) {
    if (shapeNode == null || !shapeNode.isArray()) {
      throw InferenceException.badRequest(what + " has no 'shape' array");
    }
    long[] shape = new long[shapeNode.size()];
    for (int i = 0; i < shape.length; i++) {
      JsonNode dim = shapeNode.get(i);
      if (!dim.isIntegralNumber() || !dim.canConvertToLong() || dim.asLong() < 0) {
        throw InferenceException.badRequest(
            what + " shape has an invalid dimension " + dim + " (expected integers >= 0)");
      }
      shape[i] = dim.asLong();
    }
    return shape;
  }

  private static void checkBinarySize(
      DataType datatype, long[] shape, long count, byte[] data, String what) {
    if (datatype.fixedWidth()) {
      long expected = count * datatype.byteSize();
      if (data.length != expected) {
        throw InferenceException.badRequest(
            what
                + " has binary_data_size "
                + data.length
                + " but shape "
                + Tensor.shapeString(shape)
                + " of "
                + datatype
                + " needs "
                + expected
                + " bytes");
      }
      return;
    }
    ByteBuffer buf = ByteBuffer.wrap(data).order(ByteOrder.LITTLE_ENDIAN);
    long elements = 0;
    while (buf.hasRemaining()) {
      if (buf.remaining() < 4) {
        throw InferenceException.badRequest(what + " BYTES data ends inside an element length");
      }
      int len = buf.getInt();
      if (len < 0 || len > buf.remaining()) {
        throw InferenceException.badRequest(
            what + " BYTES element " + elements + " claims " + len + " bytes past the end");
      }
      buf.position(buf.position() + len);
      elements++;
    }
    if (elements != count) {
      throw InferenceException.badRequest(
          what
              + " has "
              + elements
              + " BYTES elements but shape "
              + Tensor.shapeString(shape)
              + " needs "
              + count);
    }
  }

  private static byte[] readData(
      JsonNode dataNode, DataType datatype, long[] shape, long count, String what) {
    if (datatype.fixedWidth() && count * datatype.byteSize() > Integer.MAX_VALUE - 16) {
      throw InferenceException.badRequest(what + " is too large for one tensor");
    }
    DataWriter writer = new DataWriter(datatype, count, what);
    if (dataNode.isArray()) {
      writer.writeAll(dataNode);
    } else {
      writer.write(dataNode);
    }
    if (writer.elements != count) {
      throw InferenceException.badRequest(
          what
              + " has "
              + writer.elements
              + " data elements but shape "
              + Tensor.shapeString(shape)
              + " needs "
              + count);
    }
    return writer.toBytes();
  }

  /** Writes JSON elements (flat or nested, row-major) as little-endian bytes, checking types. */
  private static final class DataWriter {
    private final DataType datatype;
    private final long expected;
    private final String what;
    private ByteBuffer buf;
    private long elements;

    DataWriter(DataType datatype, long expected, String what) {
      this.datatype = datatype;
      this.expected = expected;
      this.what = what;
      int capacity = datatype.fixedWidth() ? (int) (expected * datatype.byteSize()) : 64;
      this.buf = ByteBuffer.allocate(capacity).order(ByteOrder.LITTLE_ENDIAN);
    }

    void writeAll(JsonNode array) {
      for (JsonNode element : array) {
        if (element.isArray()) {
          writeAll(element);
        } else {
          write(element);
        }
      }
    }

    void write(JsonNode node) {
      if (elements >= expected) {
        elements++; // counted so the error can say how many there were
        return;
      }
      switch (datatype) {
        case BOOL:
          if (!node.isBoolean()) {
            throw mismatch(node);
          }
          buf.put((byte) (node.booleanValue() ? 1 : 0));
          break;
        case UINT8:
          buf.put((byte) integral(node, 0, 255));
          break;
        case INT8:
          buf.put((byte) integral(node, Byte.MIN_VALUE, Byte.MAX_VALUE));
          break;
        case INT16:
          buf.putShort((short) integral(node, Short.MIN_VALUE, Short.MAX_VALUE));
          break;
        case INT32:
          buf.putInt((int) integral(node, Integer.MIN_VALUE, Integer.MAX_VALUE));
          break;
        case INT64:
          buf.putLong(integral(node, Long.MIN_VALUE, Long.MAX_VALUE));
          break;
        case FP32:
          if (!node.isNumber()) {
            throw mismatch(node);
          }
          buf.putFloat(node.floatValue());
          break;
        case FP64:
          if (!node.isNumber()) {
            throw mismatch(node);
          }
          buf.putDouble(node.doubleValue());
          break;
        case BYTES:
          if (!node.isTextual()) {
            throw mismatch(node);
          }
          byte[] bytes = node.textValue().getBytes(StandardCharsets.UTF_8);
          ensure(4 + bytes.length);
          buf.putInt(bytes.length).put(bytes);
          break;
        default:
          throw new IllegalStateException(datatype.name());
      }
      elements++;
    }

    private long integral(JsonNode node, long min, long max) {
      if (!node.isIntegralNumber() || !node.canConvertToLong()) {
        throw mismatch(node);
      }
      long value = node.longValue();
      if (value < min || value > max) {
        throw InferenceException.badRequest(
            what + " value " + value + " is out of range for " + datatype);
      }
      return value;
    }

    private void ensure(int extra) {
      if (buf.remaining() < extra) {
        ByteBuffer bigger =
            ByteBuffer.allocate(Math.max(buf.capacity() * 2, buf.position() + extra))
                .order(ByteOrder.LITTLE_ENDIAN);
        buf.flip();
        bigger.put(buf);
        buf = bigger;
      }
    }

    private InferenceException mismatch(JsonNode node) {
      String shown = node.toString();
      if (shown.length() > 40) {
        shown = shown.substring(0, 40) + "...";
      }
      return InferenceException.badRequest(
          what + " data element " + elements + " (" + shown + ") is not a valid " + datatype);
    }

    byte[] toBytes() {
      if (buf.position() == buf.capacity()) {
        return buf.array();
      }
      byte[] out = new byte[buf.position()];
      System.arraycopy(buf.array(), 0, out, 0, out.length);
      return out;
    }
  }

  /** Hands out consecutive slices of the binary part of a body. */
  private static final class BinaryCursor {
    private final byte[] body;
    private int position;

    BinaryCursor(byte[] body, int jsonLength) {
      this.body = body;
      this.position = jsonLength;
    }

    byte[] take(long size, String what) {
      if (size > body.length - position) {
        throw InferenceException.badRequest(
            what
                + " has binary_data_size "
                + size
                + " but only "
                + (body.length - position)
                + " binary bytes remain in the body");
      }
      byte[] out = new byte[(int) size];
      System.arraycopy(body, position, out, 0, (int) size);
      position += (int) size;
      return out;
    }

    void requireFullyConsumed() {
      if (position != body.length) {
        throw InferenceException.badRequest(
            "body has "
                + (body.length - position)
                + " binary bytes that no tensor's binary_data_size accounts for");
      }
    }
  }

  private static String requiredText(JsonNode node, String field, String what) {
    JsonNode value = node.get(field);
    if (value == null || !value.isTextual() || value.textValue().isEmpty()) {
      throw InferenceException.badRequest(what + " has no '" + field + "' string");
    }
    return value.textValue();
  }

  private static String optionalText(JsonNode node, String field, String what) {
    JsonNode value = node.get(field);
    if (value == null || value.isNull()) {
      return null;
    }
    if (!value.isTextual()) {
      throw InferenceException.badRequest(what + " '" + field + "' must be a string");
    }
    return value.textValue();
  }

  private static Map<String, Object> parameters(JsonNode node, String what) {
    if (node == null || node.isNull()) {
      return Map.of();
    }
    if (!node.isObject()) {
      throw InferenceException.badRequest(what + " 'parameters' must be a JSON object");
    }
    return MAPPER.convertValue(node, MAP_TYPE);
  }

  private static String firstLine(String message) {
    if (message == null) {
      return "unreadable";
    }
    int newline = message.indexOf('\n');
    String line = newline < 0 ? message : message.substring(0, newline);
    return line.length() > 200 ? line.substring(0, 200) : line;
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
          gen.writeNumber(buf.getFloat());
        }
        break;
      case FP64:
        while (buf.hasRemaining()) {
          gen.writeNumber(buf.getDouble());
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
