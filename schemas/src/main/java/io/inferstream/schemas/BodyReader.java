package io.inferstream.schemas;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Reads an Open Inference Protocol body (request or response, JSON or Triton's binary framing) as a
 * token stream, straight into tensor bytes: no JSON tree, and no allocation larger than the bytes
 * actually present can justify.
 *
 * <p>The bounds, each checked before anything is allocated:
 *
 * <ul>
 *   <li>shape products and byte sizes use checked arithmetic: a product that wraps is a 400;
 *   <li>a JSON tensor of {@code n} elements needs at least {@code 2n - 1} bytes of body (each
 *       element one character plus a separator), so a shape that asks for more elements than the
 *       rest of the body can hold is refused before its buffer is sized, and the tensor bytes of a
 *       body are at most 4 × its size (8-byte elements from 2 bytes each);
 *   <li>a binary tensor is at most the binary bytes left in the body, and a BYTES tensor of {@code
 *       n} elements needs at least {@code 4n} of them;
 *   <li>{@code parameters} objects are at most {@link #MAX_PARAMETERS_BYTES} of JSON each;
 *   <li>nesting, number and string lengths are bounded by Jackson's {@link StreamReadConstraints}.
 * </ul>
 *
 * Every problem is an {@link InferenceException} (400) that names it.
 */
final class BodyReader {
  /** Largest JSON text of one {@code parameters} object. */
  static final int MAX_PARAMETERS_BYTES = 64 * 1024;

  static final String BINARY_DATA_SIZE = "binary_data_size";

  private static final ObjectMapper MAPPER = new ObjectMapper();
  private static final JsonFactory FACTORY =
      JsonFactory.builder()
          .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
          .enable(StreamReadFeature.USE_FAST_DOUBLE_PARSER)
          .streamReadConstraints(
              StreamReadConstraints.builder()
                  .maxNestingDepth(64)
                  .maxNumberLength(400)
                  .maxNameLength(4096)
                  .build())
          .build();
  private static final TypeReference<Map<String, Object>> MAP_TYPE = new TypeReference<>() {};

  private final byte[] body;
  private final int jsonEnd;
  private final BinaryCursor binary;
  private final JsonParser parser;

  private BodyReader(byte[] body, int jsonLength) throws IOException {
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
    this.body = body;
    this.jsonEnd = jsonLength < 0 ? body.length : jsonLength;
    this.binary = jsonLength < 0 ? null : new BinaryCursor(body, jsonLength);
    requireUtf8(body, jsonEnd);
    this.parser = FACTORY.createParser(body, 0, jsonEnd);
  }

  // ------------------------------------------------------------------ bodies

  static InferenceRequest request(byte[] body, int jsonLength) {
    return read(body, jsonLength, BodyReader::readRequest);
  }

  static InferenceResponse response(byte[] body, int jsonLength) {
    return read(body, jsonLength, BodyReader::readResponse);
  }

  static ErrorBody error(byte[] body) {
    return read(body, -1, BodyReader::readError);
  }

  /** What to read from a body, as one of the methods below. */
  private interface Reading<T> {
    T from(BodyReader reader) throws IOException;
  }

  private static <T> T read(byte[] body, int jsonLength, Reading<T> reading) {
    try {
      return reading.from(new BodyReader(body, jsonLength));
    } catch (IOException e) {
      throw malformed(e);
    }
  }

  private InferenceRequest readRequest() throws IOException {
    startRoot();
    String id = null;
    Map<String, Object> parameters = Map.of();
    List<Tensor> inputs = null;
    List<RequestedOutput> outputs = List.of();
    while (parser.nextToken() == JsonToken.FIELD_NAME) {
      String field = parser.currentName();
      parser.nextToken();
      switch (field) {
        case "id" -> id = optionalText("request", field);
        case "parameters" -> parameters = parameters("request", null);
        case "inputs" -> inputs = tensors("input");
        case "outputs" -> outputs = requestedOutputs();
        default -> parser.skipChildren();
      }
    }
    endRoot();
    if (inputs == null || inputs.isEmpty()) {
      throw InferenceException.badRequest("request has no 'inputs' array");
    }
    Set<String> names = new HashSet<>();
    for (Tensor input : inputs) {
      if (!names.add(input.name())) {
        throw InferenceException.badRequest("input '" + input.name() + "' appears twice");
      }
    }
    if (binary != null) {
      binary.requireFullyConsumed();
    }
    return new InferenceRequest(id, parameters, inputs, outputs);
  }

  private InferenceResponse readResponse() throws IOException {
    startRoot();
    String modelName = null;
    String modelVersion = null;
    String id = null;
    Map<String, Object> parameters = Map.of();
    List<Tensor> outputs = List.of();
    while (parser.nextToken() == JsonToken.FIELD_NAME) {
      String field = parser.currentName();
      parser.nextToken();
      switch (field) {
        case "model_name" -> modelName = optionalText("response", field);
        case "model_version" -> modelVersion = optionalText("response", field);
        case "id" -> id = optionalText("response", field);
        case "parameters" -> parameters = parameters("response", null);
        case "outputs" -> outputs = tensors("output");
        default -> parser.skipChildren();
      }
    }
    endRoot();
    if (modelName == null || modelName.isEmpty()) {
      throw InferenceException.badRequest("response has no 'model_name' string");
    }
    if (binary != null) {
      binary.requireFullyConsumed();
    }
    return new InferenceResponse(modelName, modelVersion, id, parameters, outputs);
  }

  private ErrorBody readError() throws IOException {
    startRoot();
    String error = null;
    int code = 500;
    String id = null;
    while (parser.nextToken() == JsonToken.FIELD_NAME) {
      String field = parser.currentName();
      JsonToken value = parser.nextToken();
      switch (field) {
        case "error" -> error = optionalText("error reply", field);
        case "code" -> {
          if (value == JsonToken.VALUE_NUMBER_INT
              && parser.getNumberType() == JsonParser.NumberType.INT) {
            code = parser.getIntValue();
          } else {
            parser.skipChildren();
          }
        }
        case "id" -> id = optionalText("error reply", field);
        default -> parser.skipChildren();
      }
    }
    endRoot();
    if (error == null || error.isEmpty()) {
      throw InferenceException.badRequest("error reply has no 'error' string");
    }
    return new ErrorBody(error, code, id);
  }

  private void startRoot() throws IOException {
    if (parser.nextToken() != JsonToken.START_OBJECT) {
      throw InferenceException.badRequest("body is not a JSON object");
    }
  }

  /** After the root object's END_OBJECT: only whitespace may follow. */
  private void endRoot() throws IOException {
    if (parser.currentToken() != JsonToken.END_OBJECT) {
      throw InferenceException.badRequest("body is not a JSON object");
    }
    if (parser.nextToken() != null) {
      throw InferenceException.badRequest("malformed JSON: content after the top-level object");
    }
  }

  // ------------------------------------------------------------------ tensors

  private List<Tensor> tensors(String kind) throws IOException {
    if (parser.currentToken() == JsonToken.VALUE_NULL) {
      return List.of();
    }
    if (parser.currentToken() != JsonToken.START_ARRAY) {
      throw InferenceException.badRequest("'" + kind + "s' must be an array");
    }
    List<Tensor> tensors = new ArrayList<>();
    while (parser.nextToken() != JsonToken.END_ARRAY) {
      tensors.add(tensor(kind));
    }
    return tensors;
  }

  /** One tensor object; {@code data} before {@code datatype} or {@code shape} is read later. */
  private Tensor tensor(String kind) throws IOException {
    if (parser.currentToken() != JsonToken.START_OBJECT) {
      throw InferenceException.badRequest(kind + " is not a JSON object");
    }
    String name = null;
    DataType datatype = null;
    long[] shape = null;
    Map<String, Object> params = Map.of();
    byte[] data = null;
    int deferredStart = -1;
    int deferredEnd = -1;
    while (parser.nextToken() == JsonToken.FIELD_NAME) {
      String field = parser.currentName();
      JsonToken value = parser.nextToken();
      switch (field) {
        case "name" -> name = optionalText(kind, field);
        case "datatype" -> {
          if (value != JsonToken.VALUE_STRING) {
            throw InferenceException.badRequest(described(kind, name) + " has no 'datatype'");
          }
          datatype = DataType.parse(parser.getText());
        }
        case "shape" -> shape = shape(kind, name);
        case "parameters" -> params = parameters(kind, name);
        case "data" -> {
          if (value == JsonToken.VALUE_NULL) {
            break;
          }
          if (datatype != null && shape != null && name != null) {
            data =
                TensorDataReader.read(parser, datatype, shape, remainingJson(), what(kind, name));
          } else {
            deferredStart = tokenStart();
            parser.skipChildren();
            // the end of the value: past its closing ']' or '}', or past a scalar (a string is
            // read lazily, so finish it first); not tokenStart() + 1, which is a scalar's first
            // byte only
            parser.finishToken();
            deferredEnd = (int) parser.currentLocation().getByteOffset();
          }
        }
        default -> parser.skipChildren();
      }
    }
    String what = what(kind, name);
    if (datatype == null) {
      throw InferenceException.badRequest(what + " has no 'datatype'");
    }
    if (shape == null) {
      throw InferenceException.badRequest(what + " has no 'shape' array");
    }
    long count = elementCount(shape, what);
    Object binarySize = params.get(BINARY_DATA_SIZE);
    if (params.containsKey(BINARY_DATA_SIZE)) {
      // framing, not a parameter: never kept (a null one counts as absent, like a null 'data')
      params = new LinkedHashMap<>(params);
      params.remove(BINARY_DATA_SIZE);
    }
    if (binarySize != null) {
      if (binary == null) {
        throw InferenceException.badRequest(
            what
                + " has parameters.binary_data_size but the body has no binary part"
                + " (missing inference-header-content-length)");
      }
      data = binary.take(binaryDataSize(binarySize, what), datatype, shape, count, what);
    } else if (data == null) {
      if (deferredStart < 0) {
        throw InferenceException.badRequest(what + " has no 'data'");
      }
      try (JsonParser deferred =
          FACTORY.createParser(body, deferredStart, deferredEnd - deferredStart)) {
        deferred.nextToken();
        data = TensorDataReader.read(deferred, datatype, shape, deferredEnd - deferredStart, what);
      }
    }
    return new Tensor(name, datatype, shape, data, params.isEmpty() ? Map.of() : params);
  }

  private long[] shape(String kind, String name) throws IOException {
    if (parser.currentToken() != JsonToken.START_ARRAY) {
      throw InferenceException.badRequest(described(kind, name) + " has no 'shape' array");
    }
    long[] dims = new long[8];
    int rank = 0;
    for (JsonToken token = parser.nextToken();
        token != JsonToken.END_ARRAY;
        token = parser.nextToken()) {
      if (token != JsonToken.VALUE_NUMBER_INT
          || parser.getNumberType() == JsonParser.NumberType.BIG_INTEGER
          || parser.getLongValue() < 0) {
        throw InferenceException.badRequest(
            described(kind, name)
                + " shape has an invalid dimension "
                + TensorDataReader.shown(parser)
                + " (expected integers >= 0)");
      }
      if (rank == dims.length) {
        dims = java.util.Arrays.copyOf(dims, rank * 2);
      }
      dims[rank++] = parser.getLongValue();
    }
    return java.util.Arrays.copyOf(dims, rank);
  }

  static long elementCount(long[] shape, String what) {
    try {
      return Tensor.elementCount(shape);
    } catch (ArithmeticException e) {
      throw InferenceException.badRequest(
          what + " shape " + Tensor.shapeString(shape) + " overflows: its element count wraps");
    }
  }

  private static long binaryDataSize(Object value, String what) {
    long size = -1;
    if (value instanceof Integer || value instanceof Long) {
      size = ((Number) value).longValue();
    } else if (value instanceof BigInteger big && big.bitLength() < 63) {
      size = big.longValue();
    }
    if (size < 0) {
      throw InferenceException.badRequest(what + " has an invalid binary_data_size " + value);
    }
    return size;
  }

  // ------------------------------------------------------------------ other fields

  private List<RequestedOutput> requestedOutputs() throws IOException {
    if (parser.currentToken() == JsonToken.VALUE_NULL) {
      return List.of();
    }
    if (parser.currentToken() != JsonToken.START_ARRAY) {
      throw InferenceException.badRequest("'outputs' must be an array");
    }
    List<RequestedOutput> outputs = new ArrayList<>();
    while (parser.nextToken() != JsonToken.END_ARRAY) {
      if (parser.currentToken() != JsonToken.START_OBJECT) {
        throw InferenceException.badRequest("output is not a JSON object");
      }
      String name = null;
      Map<String, Object> params = Map.of();
      while (parser.nextToken() == JsonToken.FIELD_NAME) {
        String field = parser.currentName();
        parser.nextToken();
        switch (field) {
          case "name" -> name = optionalText("output", field);
          case "parameters" -> params = parameters("output", name);
          default -> parser.skipChildren();
        }
      }
      if (name == null || name.isEmpty()) {
        throw InferenceException.badRequest("output has no 'name' string");
      }
      outputs.add(new RequestedOutput(name, Boolean.TRUE.equals(params.get("binary_data"))));
    }
    return outputs;
  }

  /** A {@code parameters} object, at most {@link #MAX_PARAMETERS_BYTES} of JSON. */
  private Map<String, Object> parameters(String kind, String name) throws IOException {
    JsonToken token = parser.currentToken();
    if (token == JsonToken.VALUE_NULL) {
      return Map.of();
    }
    if (token != JsonToken.START_OBJECT) {
      throw InferenceException.badRequest(
          described(kind, name) + " 'parameters' must be a JSON object");
    }
    int start = tokenStart();
    parser.skipChildren();
    int length = tokenStart() + 1 - start;
    if (length > MAX_PARAMETERS_BYTES) {
      throw new InferenceException(
          ErrorCode.PAYLOAD_TOO_LARGE,
          described(kind, name)
              + " 'parameters' is "
              + length
              + " bytes of JSON; at most "
              + MAX_PARAMETERS_BYTES
              + " are accepted");
    }
    try (JsonParser slice = FACTORY.createParser(body, start, length)) {
      Map<String, Object> map = MAPPER.readValue(slice, MAP_TYPE);
      if (!allFinite(map)) {
        throw InferenceException.badRequest(
            described(kind, name) + " 'parameters' holds a number out of range for a double");
      }
      return map == null || map.isEmpty() ? Map.of() : map;
    }
  }

  /**
   * A number too large for a double (such as {@code 1e400}) would read as infinity and be written
   * back as a string: parameter values must be finite.
   */
  private static boolean allFinite(Object value) {
    if (value instanceof Double number) {
      return Double.isFinite(number);
    } else if (value instanceof Map<?, ?> map) {
      return map.values().stream().allMatch(BodyReader::allFinite);
    } else if (value instanceof List<?> list) {
      return list.stream().allMatch(BodyReader::allFinite);
    }
    return true;
  }

  private String optionalText(String what, String field) throws IOException {
    JsonToken token = parser.currentToken();
    if (token == JsonToken.VALUE_NULL) {
      return null;
    }
    if (token != JsonToken.VALUE_STRING) {
      throw InferenceException.badRequest(what + " '" + field + "' must be a string");
    }
    return parser.getText();
  }

  private int tokenStart() {
    return (int) parser.currentTokenLocation().getByteOffset();
  }

  /** JSON bytes from the current token to the end of the JSON part. */
  private int remainingJson() {
    return jsonEnd - tokenStart();
  }

  private static String what(String kind, String name) {
    if (name == null || name.isEmpty()) {
      throw InferenceException.badRequest(kind + " has no 'name' string");
    }
    return kind + " '" + name + "'";
  }

  /** For messages about a tensor whose name may not have been read yet. */
  private static String described(String kind, String name) {
    return name == null ? kind : kind + " '" + name + "'";
  }

  /**
   * OIP JSON is UTF-8 (RFC 8259 §8.1). Jackson would also detect UTF-16 and UTF-32, whose byte
   * offsets it does not report; refusing them keeps every offset above meaningful.
   */
  private static void requireUtf8(byte[] body, int length) {
    int probe = Math.min(length, 4);
    for (int i = 0; i < probe; i++) {
      if (body[i] == 0) {
        throw InferenceException.badRequest("body is not UTF-8 JSON");
      }
    }
    if (length >= 2
        && ((body[0] == (byte) 0xFE && body[1] == (byte) 0xFF)
            || (body[0] == (byte) 0xFF && body[1] == (byte) 0xFE))) {
      throw InferenceException.badRequest("body is not UTF-8 JSON");
    }
  }

  private static InferenceException malformed(IOException e) {
    String message =
        e instanceof com.fasterxml.jackson.core.JsonProcessingException json
            ? json.getOriginalMessage()
            : e.getMessage();
    return InferenceException.badRequest("malformed JSON: " + firstLine(message));
  }

  private static String firstLine(String message) {
    if (message == null) {
      return "unreadable";
    }
    int newline = message.indexOf('\n');
    String line = newline < 0 ? message : message.substring(0, newline);
    return line.length() > 200 ? line.substring(0, 200) : line;
  }

  // ------------------------------------------------------------------ binary part

  /** Hands out consecutive slices of the binary part of a body. */
  private static final class BinaryCursor {
    private final byte[] body;
    private int position;

    BinaryCursor(byte[] body, int jsonLength) {
      this.body = body;
      this.position = jsonLength;
    }

    byte[] take(long size, DataType datatype, long[] shape, long count, String what) {
      int remaining = body.length - position;
      if (size > remaining) {
        throw InferenceException.badRequest(
            what
                + " has binary_data_size "
                + size
                + " but only "
                + remaining
                + " binary bytes remain in the body");
      }
      checkSize(datatype, shape, count, size, what);
      byte[] out = new byte[(int) size];
      System.arraycopy(body, position, out, 0, out.length);
      position += out.length;
      if (!datatype.fixedWidth()) {
        checkBytesElements(out, shape, count, what);
      }
      return out;
    }

    private static void checkSize(
        DataType datatype, long[] shape, long count, long size, String what) {
      if (datatype.fixedWidth()) {
        long expected;
        try {
          expected = Math.multiplyExact(count, datatype.byteSize());
        } catch (ArithmeticException e) {
          expected = -1;
        }
        if (size != expected) {
          throw InferenceException.badRequest(
              what
                  + " has binary_data_size "
                  + size
                  + " but shape "
                  + Tensor.shapeString(shape)
                  + " of "
                  + datatype
                  + (expected < 0 ? " overflows" : " needs " + expected + " bytes"));
        }
      } else if (count > size / 4) {
        throw InferenceException.badRequest(
            what
                + " has binary_data_size "
                + size
                + " but shape "
                + Tensor.shapeString(shape)
                + " needs "
                + count
                + " BYTES elements of at least 4 bytes each");
      }
    }

    private static void checkBytesElements(byte[] data, long[] shape, long count, String what) {
      long elements = 0;
      int position = 0;
      while (position < data.length) {
        if (data.length - position < 4) {
          throw InferenceException.badRequest(what + " BYTES data ends inside an element length");
        }
        int len =
            (data[position] & 0xff)
                | (data[position + 1] & 0xff) << 8
                | (data[position + 2] & 0xff) << 16
                | (data[position + 3] & 0xff) << 24;
        position += 4;
        if (len < 0 || len > data.length - position) {
          throw InferenceException.badRequest(
              what + " BYTES element " + elements + " claims " + len + " bytes past the end");
        }
        position += len;
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

    void requireFullyConsumed() {
      if (position != body.length) {
        throw InferenceException.badRequest(
            "body has "
                + (body.length - position)
                + " binary bytes that no tensor's binary_data_size accounts for");
      }
    }
  }
}
