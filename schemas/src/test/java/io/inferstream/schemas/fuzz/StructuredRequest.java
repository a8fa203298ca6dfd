package io.inferstream.schemas.fuzz;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Builds a mostly-valid Open Inference Protocol request from {@link Choices}: the JSON skeleton is
 * right, and the pieces that decoders get wrong are fuzzed (shape dimensions from small to {@code
 * Long.MAX_VALUE}, datatypes, data elements of every JSON kind, nested arrays, {@code
 * binary_data_size}, the JSON length), so the fuzzer reaches the deep code quickly.
 *
 * <p>Decision order (the corpus generator scripts it; keep it stable or regenerate the corpus):
 * framing, id?, parameters?, input count, then per input: name, rank, each dimension, datatype,
 * binary?, then data or binary part, extra parameters?; then outputs?, and the JSON length when the
 * framing fuzzes it.
 */
public final class StructuredRequest {
  private StructuredRequest() {}

  /** Framing: pure JSON; binary extension; binary with a JSON length off by a little; any. */
  public static final int JSON = 0;

  public static final int BINARY = 1;
  public static final int BINARY_SKEWED = 2;
  public static final int BINARY_ANY_LENGTH = 3;

  static final String[] IDS = {"\"r1\"", "\"\"", "42", "null", "{}", "\"\\u0000\""};
  static final String[] PARAMETERS = {
    "{}", "{\"binary_data_output\":true}", "[]", "null", "{\"binary_data_size\":4}", "\"x\""
  };
  static final String[] NAMES = {
    "\"input\"", "\"input\"", "\"x\"", "\"\"", "null", "1", "\"inp\\u00fct\"", "\"input\\u0000\""
  };
  static final String[] SMALL_DIMS = {"0", "1", "2", "3", "4", "8", "64", "10"};
  static final String[] HUGE_DIMS = {
    "4611686018427387904", // 2^62: times 4 bytes wraps to 0
    "9223372036854775807",
    "2305843009213693952", // 2^61: times 8 bytes wraps to 0
    "4611686018427387905",
    "300000000",
    "100000000",
    "2147483647",
    "2147483648",
    "4294967296",
    "3037000500", // squared just past Long.MAX_VALUE
    "1152921504606846976",
    "536870912"
  };
  static final String[] BAD_DIMS = {
    "-1",
    "1.5",
    "\"4\"",
    "1e3",
    "123456789012345678901234567890",
    "null",
    "[]",
    "-0",
    "-9223372036854775808",
    "9223372036854775808",
    "true"
  };
  static final String[] DATATYPES = {
    "\"FP32\"",
    "\"FP64\"",
    "\"INT64\"",
    "\"INT32\"",
    "\"INT16\"",
    "\"INT8\"",
    "\"UINT8\"",
    "\"BOOL\"",
    "\"BYTES\"",
    "\"FP16\"",
    "\"fp32\"",
    "\"\"",
    "null",
    "32"
  };
  static final String[] BINARY_SIZES = {
    "0",
    "-1",
    "4",
    "1e30",
    "1.5",
    "\"16\"",
    "9223372036854775807",
    "4294967296",
    "2147483648",
    "null",
    "true"
  };
  static final String[] NUMBERS = {
    "0",
    "1",
    "-1",
    "0.5",
    "-1.25",
    "3.4028235E38",
    "3.5E38",
    "1.4E-45",
    "1e-50",
    "-0.0",
    "1e400",
    "-1e400",
    "1e-400",
    "255",
    "256",
    "-129",
    "32768",
    "2147483648",
    "9223372036854775807"
  };
  static final String[] BIG_NUMBERS = {
    "123456789012345678901234567890",
    "-9223372036854775809",
    "18446744073709551615",
    "1" + "0".repeat(400),
    "0." + "0".repeat(400) + "1"
  };
  static final String[] STRINGS = {
    "\"NaN\"",
    "\"Infinity\"",
    "\"-Infinity\"",
    "\"a\"",
    "\"\"",
    "\"\\u0000\"",
    "\"\\ud800\"",
    "\"h\\u00e9llo\"",
    "\"1\""
  };
  static final String[] OTHER_TOKENS = {"true", "false", "null", "{}", "{\"a\":1}", "[]"};
  static final String[] OUTPUTS = {
    "[{\"name\":\"output\",\"parameters\":{\"binary_data\":true}}]",
    "[{\"name\":\"output\"}]",
    "[{\"name\":\"logits\"},{\"name\":\"logits\"}]",
    "[]",
    "{}",
    "[{\"name\":\"\"}]",
    "[{\"parameters\":[]}]",
    "null"
  };
  static final String[] EXTRA_PARAMETERS = {
    "{\"content_type\":\"str\"}", "{\"binary_data_size\":null}", "[]", "{}", "{\"a\":{\"b\":[1]}}"
  };

  public static Framed build(Choices c) {
    int framing = c.intIn(JSON, BINARY_ANY_LENGTH);
    boolean binary = framing != JSON;
    StringBuilder json = new StringBuilder("{");
    ByteArrayOutputStream tensors = new ByteArrayOutputStream();
    if (c.bool()) {
      json.append("\"id\":").append(c.pick(IDS)).append(',');
    }
    if (c.bool()) {
      json.append("\"parameters\":").append(c.pick(PARAMETERS)).append(',');
    }
    json.append("\"inputs\":[");
    int inputs = c.intIn(0, 3);
    for (int i = 0; i < inputs; i++) {
      if (i > 0) {
        json.append(',');
      }
      json.append("{\"name\":").append(c.pick(NAMES));
      json.append(",\"shape\":[");
      int rank = c.intIn(0, 4);
      for (int d = 0; d < rank; d++) {
        if (d > 0) {
          json.append(',');
        }
        json.append(dimension(c));
      }
      json.append("],\"datatype\":").append(c.pick(DATATYPES));
      if (binary && c.bool()) {
        int length = c.intIn(0, 1024);
        byte[] part = c.bytes(length);
        tensors.writeBytes(part);
        json.append(",\"parameters\":{\"binary_data_size\":");
        json.append(c.bool() ? Integer.toString(part.length) : c.pick(BINARY_SIZES));
        json.append('}');
      } else {
        json.append(",\"data\":");
        data(c, json);
        if (c.bool()) {
          json.append(",\"parameters\":").append(c.pick(EXTRA_PARAMETERS));
        }
      }
      json.append('}');
    }
    json.append(']');
    if (c.bool()) {
      json.append(",\"outputs\":").append(c.pick(OUTPUTS));
    }
    json.append('}');
    byte[] jsonBytes = json.toString().getBytes(StandardCharsets.UTF_8);
    ByteArrayOutputStream body = new ByteArrayOutputStream();
    body.writeBytes(jsonBytes);
    body.writeBytes(tensors.toByteArray());
    int jsonLength =
        switch (framing) {
          case JSON -> -1;
          case BINARY -> jsonBytes.length;
          case BINARY_SKEWED -> jsonBytes.length + c.intIn(-3, 3);
          default -> c.intIn(Integer.MIN_VALUE, Integer.MAX_VALUE);
        };
    return new Framed(body.toByteArray(), jsonLength);
  }

  /** Dimension kinds: small, huge, any non-negative long, not a valid dimension. */
  static String dimension(Choices c) {
    return switch (c.intIn(0, 3)) {
      case 0 -> c.pick(SMALL_DIMS);
      case 1 -> c.pick(HUGE_DIMS);
      case 2 -> Long.toString(c.longIn(0, Long.MAX_VALUE));
      default -> c.pick(BAD_DIMS);
    };
  }

  /** Data kinds: an array of elements, one token repeated, a lone element. */
  static void data(Choices c, StringBuilder json) {
    switch (c.intIn(0, 2)) {
      case 0 -> array(c, json, 0);
      case 1 -> {
        int count = c.intIn(0, 256);
        String token = c.pick(NUMBERS);
        json.append('[');
        for (int i = 0; i < count; i++) {
          json.append(i > 0 ? "," : "").append(token);
        }
        json.append(']');
      }
      default -> element(c, json, 0);
    }
  }

  static void array(Choices c, StringBuilder json, int depth) {
    int count = c.intIn(0, 8);
    json.append('[');
    for (int i = 0; i < count; i++) {
      if (i > 0) {
        json.append(',');
      }
      element(c, json, depth + 1);
    }
    json.append(']');
  }

  /** Element kinds: small integer, long, number token, huge number, string, other, array. */
  static void element(Choices c, StringBuilder json, int depth) {
    switch (c.intIn(0, 6)) {
      case 0 -> json.append(c.intIn(-3, 300));
      case 1 -> json.append(c.longIn(0, Long.MAX_VALUE));
      case 2 -> json.append(c.pick(NUMBERS));
      case 3 -> json.append(c.pick(BIG_NUMBERS));
      case 4 -> json.append(c.pick(STRINGS));
      case 5 -> json.append(c.pick(OTHER_TOKENS));
      default -> {
        if (depth < 6) {
          array(c, json, depth);
        } else {
          json.append("[]");
        }
      }
    }
  }

  /** Scripted decisions of {@link #build} for the corpus, by name: valid and hostile requests. */
  public static Map<String, Object[]> seedScripts() {
    Map<String, Object[]> scripts = new LinkedHashMap<>();
    // framing, id?, parameters?, inputs, name, rank, (kind, dim)..., datatype, ...
    scripts.put(
        "affine-json",
        new Object[] {JSON, false, false, 1, 0, 2, 0, 2, 0, 4, 0, 1, 8, 1, false, true, 0});
    scripts.put(
        "affine-shape-2pow62",
        new Object[] {JSON, false, false, 1, 0, 1, 1, 0, 0, 0, 1, 0, 1, false, false});
    scripts.put(
        "digits-json",
        new Object[] {JSON, false, false, 1, 0, 2, 0, 1, 0, 6, 0, 1, 64, 3, false, false});
    scripts.put(
        "affine-binary",
        new Object[] {
          BINARY, false, false, 1, 0, 2, 0, 1, 0, 4, 0, true, 16, floats(1, 2, 3, 4), true, false
        });
    scripts.put(
        "binary-shape-2pow62-size-0",
        new Object[] {BINARY, false, false, 1, 0, 1, 1, 0, 0, true, 0, new byte[0], true, false});
    scripts.put(
        "bytes-json",
        new Object[] {JSON, false, false, 1, 0, 1, 0, 2, 8, 0, 2, 4, 3, 4, 7, false, false});
    scripts.put(
        "fp32-nan-strings-skewed-length",
        new Object[] {
          BINARY_SKEWED,
          true,
          0,
          true,
          1,
          1,
          0,
          2,
          0,
          1,
          0,
          4,
          0,
          false,
          0,
          4,
          4,
          0,
          4,
          1,
          4,
          2,
          0,
          1,
          false,
          true,
          2,
          -2
        });
    return scripts;
  }

  private static byte[] floats(float... values) {
    ByteBuffer buf = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
    for (float value : values) {
      buf.putFloat(value);
    }
    return buf.array();
  }
}
