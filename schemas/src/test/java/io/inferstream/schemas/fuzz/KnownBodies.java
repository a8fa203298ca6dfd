package io.inferstream.schemas.fuzz;

import io.inferstream.schemas.DataType;
import io.inferstream.schemas.ErrorBody;
import io.inferstream.schemas.InferenceCodec;
import io.inferstream.schemas.InferenceRequest;
import io.inferstream.schemas.InferenceResponse;
import io.inferstream.schemas.RequestedOutput;
import io.inferstream.schemas.Tensor;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Every body the project knows to matter, by name: valid requests and responses for the demo models
 * (affine: FP32 [N,4]; digits-mlp: FP32 [N,64]) in JSON and binary form, and every hostile input
 * found so far. The corpus generators turn them into seed files.
 */
public final class KnownBodies {
  private KnownBodies() {}

  /** A 2^62 dimension: times 4 bytes (FP32) it wraps a long to 0. */
  public static final String TWO_POW_62 = "4611686018427387904";

  /** The record that took the job down: a 2^62-element FP32 tensor for model affine. */
  public static final String AFFINE_2POW62 =
      "{\"inputs\":[{\"name\":\"input\",\"shape\":["
          + TWO_POW_62
          + "],\"datatype\":\"FP32\",\"data\":[1]}]}";

  public static Map<String, Framed> requests() {
    Map<String, Framed> bodies = new LinkedHashMap<>();
    // valid requests for the demo models, as clients send them
    InferenceRequest affine =
        new InferenceRequest(
            "a1",
            Map.of(),
            List.of(Tensor.ofFloats("input", new long[] {2, 4}, 1, 2, 3, 4, 5, 6, 7, 8)),
            List.of(new RequestedOutput("output", true)));
    put(bodies, "affine-json", InferenceCodec.encodeRequest(affine, false));
    put(bodies, "affine-binary", InferenceCodec.encodeRequest(affine, true));
    bodies.put(
        "affine-json-nested",
        json(
            "{\"id\":\"a2\",\"inputs\":[{\"name\":\"input\",\"shape\":[2,4],\"datatype\":\"FP32\","
                + "\"data\":[[1,2,3,4],[5.5,-6,7e-3,8]]}],\"outputs\":[{\"name\":\"output\"}]}"));
    float[] pixels = new float[128];
    for (int i = 0; i < pixels.length; i++) {
      pixels[i] = i % 17;
    }
    InferenceRequest digits =
        new InferenceRequest(
            "d1",
            Map.of("binary_data_output", true),
            List.of(Tensor.ofFloats("input", new long[] {2, 64}, pixels)),
            List.of());
    put(bodies, "digits-json", InferenceCodec.encodeRequest(digits, false));
    put(bodies, "digits-binary", InferenceCodec.encodeRequest(digits, true));
    InferenceRequest everyType =
        new InferenceRequest(
            "t1",
            Map.of(),
            List.of(
                tensor("b", DataType.BOOL, new long[] {2}, new byte[] {0, 1}),
                tensor("u8", DataType.UINT8, new long[] {2}, new byte[] {0, (byte) 255}),
                tensor("i8", DataType.INT8, new long[] {2}, new byte[] {-128, 127}),
                tensor("i16", DataType.INT16, new long[] {1}, new byte[] {0, (byte) 0x80}),
                Tensor.ofInts("i32", new long[] {2}, Integer.MIN_VALUE, 7),
                Tensor.ofLongs("i64", new long[] {1, 2}, Long.MAX_VALUE, -1),
                Tensor.ofDoubles("f64", new long[] {2}, 0.1, -1e300),
                Tensor.ofStrings("s", new long[] {3}, "", "h\u00e9llo", "\u0000")),
            List.of(new RequestedOutput("o", false)));
    put(bodies, "every-type-json", InferenceCodec.encodeRequest(everyType, false));
    put(bodies, "every-type-binary", InferenceCodec.encodeRequest(everyType, true));
    bodies.put(
        "scalar-shape",
        json("{\"inputs\":[{\"name\":\"x\",\"shape\":[],\"datatype\":\"INT64\",\"data\":5}]}"));

    // shapes whose element or byte count wraps, and allocation bombs
    bodies.put("affine-shape-2pow62", json(AFFINE_2POW62));
    bodies.put(
        "fp64-shape-2pow61", json(tensorJson("FP64", "[2305843009213693952]", "\"data\":[1]")));
    bodies.put(
        "fp32-shape-2pow62-plus-1",
        json(tensorJson("FP32", "[4611686018427387905]", "\"data\":[1,2]")));
    bodies.put(
        "fp32-shape-long-max", json(tensorJson("FP32", "[9223372036854775807]", "\"data\":[1]")));
    bodies.put(
        "fp32-shape-product-overflows",
        json(tensorJson("FP32", "[3037000500,3037000500]", "\"data\":[1]")));
    bodies.put("alloc-bomb-300000000x4", json(tensorJson("FP32", "[300000000,4]", "\"data\":[1]")));
    bodies.put("alloc-bomb-100000000x4", json(tensorJson("FP32", "[100000000,4]", "\"data\":[1]")));
    bodies.put("alloc-bomb-int8-2e9", json(tensorJson("INT8", "[2000000000]", "\"data\":[1]")));
    bodies.put(
        "binary-shape-2pow62-size-0",
        binary(tensorJson("FP32", "[" + TWO_POW_62 + "]", binarySize(0)), new byte[0]));
    bodies.put(
        "binary-int64-shape-2pow61-size-0",
        binary(tensorJson("INT64", "[2305843009213693952]", binarySize(0)), new byte[0]));
    bodies.put(
        "binary-shape-2pow62-plus-1-size-4",
        binary(tensorJson("FP32", "[4611686018427387905]", binarySize(4)), new byte[4]));
    bodies.put(
        "binary-size-long-max",
        binary(tensorJson("FP32", "[1,4]", binarySize(Long.MAX_VALUE)), new byte[16]));
    bodies.put(
        "binary-size-negative", binary(tensorJson("FP32", "[1,4]", binarySize(-1)), new byte[16]));
    bodies.put(
        "binary-size-not-integral",
        binary(
            tensorJson("FP32", "[1,4]", "\"parameters\":{\"binary_data_size\":1e30}"),
            new byte[16]));
    bodies.put(
        "binary-size-string",
        binary(
            tensorJson("FP32", "[1,4]", "\"parameters\":{\"binary_data_size\":\"16\"}"),
            new byte[16]));
    bodies.put(
        "binary-trailing-bytes", binary(tensorJson("FP32", "[1,4]", binarySize(16)), new byte[20]));
    bodies.put(
        "binary-size-without-binary-part", json(tensorJson("FP32", "[1,4]", binarySize(16))));

    // BYTES framing
    bodies.put(
        "bytes-length-past-end", binary(tensorJson("BYTES", "[1]", binarySize(8)), le(100, 8)));
    bodies.put(
        "bytes-negative-length", binary(tensorJson("BYTES", "[1]", binarySize(8)), le(-1, 8)));
    bodies.put(
        "bytes-length-int-min",
        binary(tensorJson("BYTES", "[2]", binarySize(12)), le(Integer.MIN_VALUE, 12)));
    bodies.put(
        "bytes-truncated-length", binary(tensorJson("BYTES", "[1]", binarySize(2)), new byte[2]));
    bodies.put(
        "bytes-shape-product-wraps",
        json(tensorJson("BYTES", "[" + TWO_POW_62 + ",4]", "\"data\":[\"a\"]")));
    bodies.put(
        "bytes-shape-2pow62",
        json(tensorJson("BYTES", "[" + TWO_POW_62 + "]", "\"data\":[\"a\"]")));
    bodies.put(
        "bytes-binary-shape-product-wraps",
        binary(tensorJson("BYTES", "[4294967296,4294967296]", binarySize(5)), le(1, 4, 'a')));
    bodies.put(
        "bytes-binary-invalid-utf8",
        binary(tensorJson("BYTES", "[1]", binarySize(6)), le(2, 4, 0xff, 0xfe)));

    // values JSON cannot carry, or not in the datatype
    bodies.put(
        "fp32-nan-infinity-strings",
        json(tensorJson("FP32", "[1,4]", "\"data\":[\"NaN\",\"Infinity\",\"-Infinity\",1]")));
    bodies.put(
        "fp64-nan-infinity-strings",
        json(tensorJson("FP64", "[1,4]", "\"data\":[\"NaN\",\"Infinity\",\"-Infinity\",1]")));
    bodies.put(
        "fp32-bare-nan", json(tensorJson("FP32", "[1,3]", "\"data\":[NaN,Infinity,-Infinity]")));
    bodies.put(
        "fp32-huge-numbers",
        json(
            tensorJson(
                "FP32", "[1,4]", "\"data\":[1e400,-1e400,1e-400,123456789012345678901234567890]")));
    bodies.put(
        "fp64-huge-numbers",
        json(
            tensorJson(
                "FP64", "[1,4]", "\"data\":[1e400,-1e400,1e-400,123456789012345678901234567890]")));
    bodies.put(
        "int64-huge-number",
        json(tensorJson("INT64", "[1]", "\"data\":[123456789012345678901234567890]")));
    bodies.put("int8-out-of-range", json(tensorJson("INT8", "[3]", "\"data\":[128,-129,1.5]")));
    bodies.put(
        "shape-huge-number",
        json(tensorJson("FP32", "[123456789012345678901234567890]", "\"data\":[1]")));
    bodies.put("shape-float", json(tensorJson("FP32", "[1e400]", "\"data\":[1]")));
    bodies.put("shape-negative", json(tensorJson("FP32", "[-1,4]", "\"data\":[1,2,3,4]")));

    // structure
    bodies.put(
        "nested-100k-brackets",
        json(tensorJson("FP32", "[1,4]", "\"data\":" + "[".repeat(100_000))));
    bodies.put("brackets-100k", json("[".repeat(100_000)));
    bodies.put(
        "nested-900-deep",
        json(tensorJson("FP32", "[1]", "\"data\":" + "[".repeat(900) + "1" + "]".repeat(900))));
    bodies.put(
        "nested-1001-deep",
        json(tensorJson("FP32", "[1]", "\"data\":" + "[".repeat(1001) + "1" + "]".repeat(1001))));
    bodies.put(
        "duplicate-input-names",
        json(
            "{\"inputs\":[{\"name\":\"input\",\"shape\":[1],\"datatype\":\"FP32\",\"data\":[1]},"
                + "{\"name\":\"input\",\"shape\":[1],\"datatype\":\"FP32\",\"data\":[2]}]}"));
    bodies.put("empty", new Framed(new byte[0], -1));
    bodies.put("empty-binary", new Framed(new byte[0], 0));
    bodies.put("json-array", json("[{\"inputs\":[]}]"));
    bodies.put("json-scalar", json("42"));
    bodies.put("json-string", json("\"inputs\""));
    bodies.put("json-null", json("null"));
    bodies.put("no-inputs", json("{\"inputs\":[]}"));
    bodies.put("inputs-not-array", json("{\"inputs\":{\"name\":\"input\"}}"));
    bodies.put(
        "invalid-utf8",
        new Framed(
            concat(
                "{\"inputs\":[{\"name\":\"".getBytes(StandardCharsets.UTF_8),
                new byte[] {(byte) 0xff, (byte) 0xfe, (byte) 0xc3},
                "\",\"shape\":[1],\"datatype\":\"FP32\",\"data\":[1]}]}"
                    .getBytes(StandardCharsets.UTF_8)),
            -1));

    // the JSON length (inference-header-content-length) against the body
    Framed valid = bodies.get("affine-binary");
    bodies.put("json-length-past-end", new Framed(valid.body(), valid.body().length + 1));
    bodies.put("json-length-int-max", new Framed(valid.body(), Integer.MAX_VALUE));
    bodies.put("json-length-negative", new Framed(valid.body(), -5));
    bodies.put("json-length-int-min", new Framed(valid.body(), Integer.MIN_VALUE));
    bodies.put("json-length-zero", new Framed(valid.body(), 0));
    bodies.put("json-length-short", new Framed(valid.body(), valid.jsonLength() - 1));
    bodies.put("json-length-whole-body", new Framed(valid.body(), valid.body().length));
    bodies.put("json-as-binary", new Framed(AFFINE_2POW62.getBytes(StandardCharsets.UTF_8), 10));
    return bodies;
  }

  public static Map<String, Framed> responses() {
    Map<String, Framed> bodies = new LinkedHashMap<>();
    InferenceResponse affine =
        new InferenceResponse(
            "affine",
            "1.0.0",
            "a1",
            Map.of("batch_size", 8, "queue_us", 120, "inference_us", 35),
            List.of(Tensor.ofFloats("output", new long[] {2, 4}, 1, -2, 3.5f, 4, 5, 6, 7, 8e9f)));
    put(bodies, "affine-json", InferenceCodec.encodeResponse(affine, name -> false));
    put(bodies, "affine-binary", InferenceCodec.encodeResponse(affine, name -> true));
    float[] logits = new float[10];
    for (int i = 0; i < logits.length; i++) {
      logits[i] = i * 0.37f - 2;
    }
    InferenceResponse digits =
        new InferenceResponse(
            "digits-mlp",
            null,
            null,
            Map.of(),
            List.of(Tensor.ofFloats("logits", new long[] {1, 10}, logits)));
    put(bodies, "digits-json", InferenceCodec.encodeResponse(digits, name -> false));
    put(bodies, "digits-binary", InferenceCodec.encodeResponse(digits, name -> true));
    InferenceResponse everyType =
        new InferenceResponse(
            "m",
            "2",
            "t",
            Map.of("nested", Map.of("a", List.of(1, 2.5, "x"))),
            List.of(
                tensor("b", DataType.BOOL, new long[] {2}, new byte[] {0, 1}),
                tensor("u8", DataType.UINT8, new long[] {1}, new byte[] {(byte) 200}),
                tensor("i8", DataType.INT8, new long[] {1}, new byte[] {-3}),
                tensor("i16", DataType.INT16, new long[] {1}, new byte[] {1, (byte) 0x80}),
                Tensor.ofInts("i32", new long[] {1}, -7),
                Tensor.ofLongs("i64", new long[] {2}, Long.MIN_VALUE, 9),
                Tensor.ofDoubles("f64", new long[] {1}, Double.MIN_VALUE),
                Tensor.ofStrings("s", new long[] {2}, "a", "")));
    put(bodies, "every-type-json", InferenceCodec.encodeResponse(everyType, name -> false));
    put(bodies, "every-type-binary", InferenceCodec.encodeResponse(everyType, name -> true));
    put(
        bodies,
        "every-type-mixed",
        InferenceCodec.encodeResponse(everyType, name -> name.startsWith("i")));
    put(
        bodies,
        "no-outputs",
        InferenceCodec.encodeResponse(
            new InferenceResponse("affine", null, null, null, null), name -> false));

    // binary outputs JSON cannot carry: NaN, an infinity, a non-canonical BOOL, invalid UTF-8
    bodies.put(
        "binary-fp32-nan",
        binary(
            outputJson("FP32", "[2]", binarySize(8)), floats(Float.NaN, Float.POSITIVE_INFINITY)));
    bodies.put(
        "binary-fp32-nan-payload",
        binary(outputJson("FP32", "[1]", binarySize(4)), le(0x7fc00001, 4)));
    bodies.put("binary-bool-2", binary(outputJson("BOOL", "[1]", binarySize(1)), new byte[] {2}));
    bodies.put(
        "binary-bytes-invalid-utf8",
        binary(outputJson("BYTES", "[1]", binarySize(6)), le(2, 4, 0xff, 0xfe)));
    bodies.put(
        "json-fp32-overflows-to-infinity", json(outputJson("FP32", "[1]", "\"data\":[1e39]")));
    bodies.put(
        "parameter-1e400",
        json("{\"model_name\":\"m\",\"parameters\":{\"queue_us\":1e400},\"outputs\":[]}"));

    // hostile shapes and framing, as in requests
    bodies.put("shape-2pow62", json(outputJson("FP32", "[" + TWO_POW_62 + "]", "\"data\":[1]")));
    bodies.put(
        "binary-shape-2pow62-size-0",
        binary(outputJson("FP32", "[" + TWO_POW_62 + "]", binarySize(0)), new byte[0]));
    bodies.put("alloc-bomb-100000000x4", json(outputJson("FP32", "[100000000,4]", "\"data\":[1]")));
    bodies.put(
        "bytes-negative-length", binary(outputJson("BYTES", "[1]", binarySize(8)), le(-1, 8)));
    bodies.put(
        "nested-100k-brackets", json(outputJson("FP32", "[1]", "\"data\":" + "[".repeat(100_000))));
    bodies.put("no-model-name", json("{\"outputs\":[]}"));
    bodies.put("outputs-not-array", json("{\"model_name\":\"m\",\"outputs\":{}}"));
    bodies.put("model-version-number", json("{\"model_name\":\"m\",\"model_version\":1}"));
    bodies.put("empty", new Framed(new byte[0], -1));
    bodies.put("json-array", json("[]"));
    Framed valid = bodies.get("affine-binary");
    bodies.put("json-length-past-end", new Framed(valid.body(), valid.body().length + 1));
    bodies.put("json-length-int-min", new Framed(valid.body(), Integer.MIN_VALUE));
    return bodies;
  }

  public static Map<String, byte[]> errors() {
    Map<String, byte[]> bodies = new LinkedHashMap<>();
    bodies.put("valid", InferenceCodec.encodeError(new ErrorBody("bad request", 400, "r1")));
    bodies.put("valid-no-id", InferenceCodec.encodeError(new ErrorBody("timeout", 504, null)));
    bodies.put("no-error", utf8("{\"code\":400}"));
    bodies.put("error-empty", utf8("{\"error\":\"\",\"code\":400}"));
    bodies.put("error-not-string", utf8("{\"error\":{},\"code\":400}"));
    bodies.put("code-string", utf8("{\"error\":\"x\",\"code\":\"400\"}"));
    bodies.put("code-huge", utf8("{\"error\":\"x\",\"code\":1e400}"));
    bodies.put("code-long", utf8("{\"error\":\"x\",\"code\":1099511627776}"));
    bodies.put(
        "code-big-integer", utf8("{\"error\":\"x\",\"code\":123456789012345678901234567890}"));
    bodies.put("id-number", utf8("{\"error\":\"x\",\"id\":7}"));
    bodies.put("brackets-100k", utf8("[".repeat(100_000)));
    bodies.put("nested-object", utf8("{\"error\":\"x\",\"code\":" + "{\"a\":".repeat(2000)));
    bodies.put("json-scalar", utf8("42"));
    bodies.put("empty", new byte[0]);
    bodies.put(
        "invalid-utf8",
        concat(utf8("{\"error\":\""), new byte[] {(byte) 0xc3, (byte) 0x28}, utf8("\"}")));
    return bodies;
  }

  // ------------------------------------------------------------------ helpers

  public static byte[] utf8(String text) {
    return text.getBytes(StandardCharsets.UTF_8);
  }

  private static void put(
      Map<String, Framed> bodies, String name, InferenceCodec.EncodedBody body) {
    bodies.put(name, new Framed(body.bytes(), body.jsonLength()));
  }

  private static Tensor tensor(String name, DataType type, long[] shape, byte[] data) {
    return new Tensor(name, type, shape, data);
  }

  private static Framed json(String json) {
    return new Framed(utf8(json), -1);
  }

  private static Framed binary(String json, byte[] tail) {
    byte[] head = utf8(json);
    return new Framed(concat(head, tail), head.length);
  }

  private static String tensorJson(String datatype, String shape, String rest) {
    return "{\"inputs\":[{\"name\":\"input\",\"shape\":"
        + shape
        + ",\"datatype\":\""
        + datatype
        + "\","
        + rest
        + "}]}";
  }

  private static String outputJson(String datatype, String shape, String rest) {
    return "{\"model_name\":\"m\",\"outputs\":[{\"name\":\"out\",\"shape\":"
        + shape
        + ",\"datatype\":\""
        + datatype
        + "\","
        + rest
        + "}]}";
  }

  private static String binarySize(long size) {
    return "\"parameters\":{\"binary_data_size\":" + size + "}";
  }

  /** A little-endian int followed by {@code extra} bytes, in {@code total} bytes at least. */
  private static byte[] le(int value, int total, int... extra) {
    ByteBuffer buf =
        ByteBuffer.allocate(Math.max(total, 4 + extra.length)).order(ByteOrder.LITTLE_ENDIAN);
    buf.putInt(value);
    for (int b : extra) {
      buf.put((byte) b);
    }
    return buf.array();
  }

  private static byte[] floats(float... values) {
    ByteBuffer buf = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
    for (float value : values) {
      buf.putFloat(value);
    }
    return buf.array();
  }

  /** The parts one after the other: a JSON header and its binary tensors, say. */
  public static byte[] concat(byte[]... parts) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (byte[] part : parts) {
      out.writeBytes(part);
    }
    return out.toByteArray();
  }
}
