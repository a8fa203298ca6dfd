package io.inferstream.schemas;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Streams a tensor's JSON {@code data} (flat or nested, row-major) into its little-endian bytes,
 * checking each element's type and range. The buffer is sized from the shape only after the shape
 * has been checked against the bytes left to read, so a small body cannot ask for a large buffer.
 *
 * <p>FP32 and FP64 elements may be JSON numbers or the strings {@code "NaN"}, {@code "Infinity"}
 * and {@code "-Infinity"}, the form the codec writes non-finite values in (standard JSON has no
 * literal for them).
 */
final class TensorDataReader {
  static final String NAN = "NaN";
  static final String POSITIVE_INFINITY = "Infinity";
  static final String NEGATIVE_INFINITY = "-Infinity";

  private final JsonParser parser;
  private final DataType datatype;
  private final long expected;
  private final String what;
  private byte[] bytes;
  private ByteBuffer fixed;
  private int variableLength;
  private long elements;

  private TensorDataReader(JsonParser parser, DataType datatype, long expected, String what) {
    this.parser = parser;
    this.datatype = datatype;
    this.expected = expected;
    this.what = what;
  }

  /**
   * Reads the data whose first token is the parser's current one.
   *
   * @param availableBytes JSON bytes from the current token to the end of the input: an upper bound
   *     on what the data can hold
   */
  static byte[] read(
      JsonParser parser, DataType datatype, long[] shape, int availableBytes, String what)
      throws IOException {
    long count = BodyReader.elementCount(shape, what);
    // every element takes at least one character, and all but the last a separator too
    long room = (Math.max(availableBytes, 0) + 1L) / 2;
    if (count > room) {
      throw InferenceException.badRequest(
          what
              + " shape "
              + Tensor.shapeString(shape)
              + " has "
              + count
              + " elements, but the "
              + availableBytes
              + " bytes of JSON left in the body hold at most "
              + room);
    }
    TensorDataReader reader = new TensorDataReader(parser, datatype, count, what);
    reader.readAll();
    if (reader.elements != count) {
      throw InferenceException.badRequest(
          what
              + " has "
              + reader.elements
              + " data elements but shape "
              + Tensor.shapeString(shape)
              + " needs "
              + count);
    }
    return reader.result();
  }

  private void readAll() throws IOException {
    if (datatype.fixedWidth()) {
      // count <= room <= Integer.MAX_VALUE / 2 and byteSize <= 8: at most 4 × the JSON bytes
      bytes = new byte[Math.toIntExact(expected * datatype.byteSize())];
      fixed = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
    } else {
      bytes = new byte[(int) Math.min(Math.max(expected * 8, 16), 1 << 16)];
    }
    JsonToken token = parser.currentToken();
    if (token != JsonToken.START_ARRAY) {
      element(token);
      return;
    }
    int depth = 1;
    while (depth > 0) {
      token = parser.nextToken();
      if (token == null) {
        throw InferenceException.badRequest(what + " data ends before its closing ']'");
      } else if (token == JsonToken.START_ARRAY) {
        depth++;
      } else if (token == JsonToken.END_ARRAY) {
        depth--;
      } else {
        element(token);
      }
    }
  }

  private void element(JsonToken token) throws IOException {
    if (elements >= expected) {
      elements++; // counted so the error can say how many there were
      return;
    }
    switch (datatype) {
      case BOOL -> {
        if (token != JsonToken.VALUE_TRUE && token != JsonToken.VALUE_FALSE) {
          throw mismatch();
        }
        fixed.put((byte) (token == JsonToken.VALUE_TRUE ? 1 : 0));
      }
      case UINT8 -> fixed.put((byte) integral(token, 0, 255));
      case INT8 -> fixed.put((byte) integral(token, Byte.MIN_VALUE, Byte.MAX_VALUE));
      case INT16 -> fixed.putShort((short) integral(token, Short.MIN_VALUE, Short.MAX_VALUE));
      case INT32 -> fixed.putInt((int) integral(token, Integer.MIN_VALUE, Integer.MAX_VALUE));
      case INT64 -> fixed.putLong(integral(token, Long.MIN_VALUE, Long.MAX_VALUE));
      case FP32 -> {
        if (token == JsonToken.VALUE_STRING) {
          fixed.putFloat((float) nonFinite());
        } else if (token.isNumeric()) {
          fixed.putFloat(parser.getFloatValue());
        } else {
          throw mismatch();
        }
      }
      case FP64 -> {
        if (token == JsonToken.VALUE_STRING) {
          fixed.putDouble(nonFinite());
        } else if (token.isNumeric()) {
          fixed.putDouble(parser.getDoubleValue());
        } else {
          throw mismatch();
        }
      }
      case BYTES -> {
        if (token != JsonToken.VALUE_STRING) {
          throw mismatch();
        }
        appendFramed(parser.getText().getBytes(StandardCharsets.UTF_8));
      }
      default -> throw new IllegalStateException(datatype.name());
    }
    elements++;
  }

  private long integral(JsonToken token, long min, long max) throws IOException {
    if (token != JsonToken.VALUE_NUMBER_INT) {
      throw mismatch();
    }
    if (parser.getNumberType() == JsonParser.NumberType.BIG_INTEGER) {
      throw outOfRange(parser.getText());
    }
    long value = parser.getLongValue();
    if (value < min || value > max) {
      throw outOfRange(Long.toString(value));
    }
    return value;
  }

  private double nonFinite() throws IOException {
    switch (parser.getText()) {
      case NAN:
        return Double.NaN;
      case POSITIVE_INFINITY:
        return Double.POSITIVE_INFINITY;
      case NEGATIVE_INFINITY:
        return Double.NEGATIVE_INFINITY;
      default:
        throw mismatch();
    }
  }

  private void appendFramed(byte[] element) {
    int needed = 4 + element.length;
    if (bytes.length - variableLength < needed) {
      long grown = Math.max((long) bytes.length * 2, (long) variableLength + needed);
      bytes = Arrays.copyOf(bytes, Math.toIntExact(Math.min(grown, Integer.MAX_VALUE - 16)));
    }
    int at = variableLength;
    bytes[at] = (byte) element.length;
    bytes[at + 1] = (byte) (element.length >>> 8);
    bytes[at + 2] = (byte) (element.length >>> 16);
    bytes[at + 3] = (byte) (element.length >>> 24);
    System.arraycopy(element, 0, bytes, at + 4, element.length);
    variableLength += needed;
  }

  private byte[] result() {
    if (datatype.fixedWidth() || variableLength == bytes.length) {
      return bytes;
    }
    return Arrays.copyOf(bytes, variableLength);
  }

  private InferenceException outOfRange(String value) {
    return InferenceException.badRequest(
        what + " value " + value + " is out of range for " + datatype);
  }

  private InferenceException mismatch() throws IOException {
    return InferenceException.badRequest(
        what
            + " data element "
            + elements
            + " ("
            + shown(parser)
            + ") is not a valid "
            + datatype
            + (datatype == DataType.FP32 || datatype == DataType.FP64
                ? " (numbers, or the strings \"NaN\", \"Infinity\", \"-Infinity\")"
                : ""));
  }

  /** The current token for an error message, at most 40 characters. */
  static String shown(JsonParser parser) throws IOException {
    JsonToken token = parser.currentToken();
    if (token == null) {
      return "end of input";
    }
    String text =
        switch (token) {
          case START_OBJECT -> "{...}";
          case START_ARRAY -> "[...]";
          case VALUE_STRING -> "\"" + parser.getText() + "\"";
          default -> parser.getText();
        };
    return text.length() > 40 ? text.substring(0, 40) + "..." : text;
  }
}
