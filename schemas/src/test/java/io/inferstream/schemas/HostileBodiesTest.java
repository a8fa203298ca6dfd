package io.inferstream.schemas;

import static io.inferstream.schemas.fuzz.KnownBodies.concat;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Bodies that broke or bloated the decoder before it read bodies as a bounded token stream: each
 * must end in a 400 (an {@link InferenceException}) and allocate no more than its bytes justify.
 */
class HostileBodiesTest {
  private static final com.sun.management.ThreadMXBean THREADS =
      (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();

  @Test
  void aShapeWhoseByteSizeWrapsIsABadRequest() {
    // 2^62 FP32 elements: count × 4 wraps to 0, and the old decoder sized a 0-byte buffer from it
    assertBad(
        "{\"inputs\":[{\"name\":\"input\",\"shape\":[4611686018427387904],"
            + "\"datatype\":\"FP32\",\"data\":[1]}]}",
        "has 4611686018427387904 elements, but the");
  }

  @Test
  void aShapeWhoseElementCountOverflowsIsABadRequest() {
    assertBad(
        "{\"inputs\":[{\"name\":\"x\",\"shape\":[4294967296,4294967296],"
            + "\"datatype\":\"FP32\",\"data\":[1]}]}",
        "overflows");
  }

  @Test
  void anAllocationBombInASmallBodyAllocatesAlmostNothing() {
    String json =
        "{\"inputs\":[{\"name\":\"input\",\"shape\":[50000000,4],"
            + "\"datatype\":\"FP32\",\"data\":[1,2,3,4]}]}";
    decodeQuietly(json); // warm up class loading
    long before = THREADS.getCurrentThreadAllocatedBytes();
    assertBad(json, "hold at most");
    long allocated = THREADS.getCurrentThreadAllocatedBytes() - before;
    // 800 MB asked for in a body of 89 bytes: the decoder must refuse before sizing any buffer
    assertThat(allocated)
        .as("bytes allocated decoding %d bytes", json.length())
        .isLessThan(1 << 20);
  }

  @Test
  void jsonTensorBytesNeverExceedFourTimesTheBody() {
    // the densest legal JSON for the widest type: one digit and a comma per INT64 element
    int n = 100_000;
    StringBuilder data = new StringBuilder();
    for (int i = 0; i < n; i++) {
      data.append(i == 0 ? "" : ",").append(i % 10);
    }
    String json =
        "{\"inputs\":[{\"name\":\"x\",\"shape\":["
            + n
            + "],\"datatype\":\"INT64\",\"data\":["
            + data
            + "]}]}";
    InferenceRequest request = decode(json);
    assertThat(request.inputs().get(0).data().length).isEqualTo(8 * n);
    assertThat(request.inputs().get(0).data().length).isLessThanOrEqualTo(4 * json.length());
    // one element more than that is refused before allocation
    String tooMany = json.replace("[" + n + "]", "[" + (n + 1) + "]");
    assertBad(tooMany, "has 100000 data elements but shape [100001] needs 100001");
  }

  @Test
  void dataBeforeShapeAndDatatypeIsReadAfterThemWithTheSameBounds() {
    InferenceRequest request =
        decode(
            "{\"inputs\":[{\"data\":[[1,2],[3,4]],\"name\":\"x\",\"shape\":[2,2],"
                + "\"datatype\":\"FP32\"}]}");
    assertThat(request.inputs().get(0).asFloats()).containsExactly(1f, 2f, 3f, 4f);
    assertBad(
        "{\"inputs\":[{\"data\":[1],\"name\":\"x\",\"shape\":[300000000],\"datatype\":\"FP64\"}]}",
        "bytes of JSON left in the body hold at most 2");
  }

  @Test
  void scalarDataBeforeShapeAndDatatypeIsReadWhole() {
    // a scalar 'data' read later was re-read from its first byte only: 12345 decoded as INT32 1,
    // and a string failed as malformed JSON
    String[][] cases = {
      {"INT64", "12345"},
      {"FP64", "-1.5e3"},
      {"FP32", "\"-Infinity\""},
      {"BYTES", "\"a\\\"bc\""},
      {"BOOL", "false"}
    };
    for (String[] c : cases) {
      String last =
          "{\"inputs\":[{\"name\":\"x\",\"datatype\":\""
              + c[0]
              + "\",\"shape\":[1],\"data\":"
              + c[1]
              + "}]}";
      String first =
          "{\"inputs\":[{\"data\" : "
              + c[1]
              + " ,\"name\":\"x\",\"datatype\":\""
              + c[0]
              + "\",\"shape\":[1]}]}";
      assertThat(decode(first).inputs()).as(first).isEqualTo(decode(last).inputs());
    }
    assertThat(
            decode(
                    "{\"inputs\":[{\"data\":12345,\"name\":\"x\",\"datatype\":\"INT64\",\"shape\":[]}]}")
                .inputs()
                .get(0)
                .asLongs())
        .containsExactly(12345L);
  }

  @Test
  void aNullBinaryDataSizeCountsAsAbsentAndIsNotKeptAsAParameter() {
    // it was kept as {binary_data_size=null}, which encodeResponse drops: no round trip
    byte[] body =
        ("{\"model_name\":\"m\",\"outputs\":[{\"name\":\"y\",\"datatype\":\"INT8\","
                + "\"shape\":[1],\"parameters\":{\"binary_data_size\":null,\"k\":1},\"data\":[7]}]}")
            .getBytes(StandardCharsets.UTF_8);
    InferenceResponse response = InferenceCodec.decodeResponse(body, -1);
    assertThat(response.outputs().get(0).parameters()).isEqualTo(Map.of("k", 1));
    InferenceCodec.EncodedBody again = InferenceCodec.encodeResponse(response, name -> false);
    assertThat(InferenceCodec.decodeResponse(again.bytes(), again.jsonLength()).outputs())
        .isEqualTo(response.outputs());
  }

  @Test
  void aBinaryTensorWhoseByteSizeWrapsIsABadRequest() {
    // 2^62 FP32 elements in 0 binary bytes: count × 4 wraps to 0 == binary_data_size
    byte[] body =
        binaryBody(
            "{\"inputs\":[{\"name\":\"x\",\"shape\":[4611686018427387904],\"datatype\":\"FP32\","
                + "\"parameters\":{\"binary_data_size\":0}}]}",
            new byte[0]);
    assertThatThrownBy(() -> InferenceCodec.decodeRequest(body, jsonLength(body, 0)))
        .isInstanceOf(InferenceException.class)
        .hasMessageContaining("overflows");
  }

  @Test
  void aBinaryDataSizeBeyondLongIsABadRequest() {
    byte[] body =
        binaryBody(
            "{\"inputs\":[{\"name\":\"x\",\"shape\":[1],\"datatype\":\"FP32\","
                + "\"parameters\":{\"binary_data_size\":18446744073709551620}}]}",
            new byte[4]);
    assertThatThrownBy(() -> InferenceCodec.decodeRequest(body, jsonLength(body, 4)))
        .isInstanceOf(InferenceException.class)
        .hasMessageContaining("invalid binary_data_size");
  }

  @Test
  void bytesTensorsWithImpossibleCountsOrLengthsAreBadRequests() {
    // 2^62 BYTES elements cannot fit in 8 bytes: refused before the elements are walked
    byte[] wide =
        binaryBody(
            "{\"inputs\":[{\"name\":\"s\",\"shape\":[4611686018427387904],\"datatype\":\"BYTES\","
                + "\"parameters\":{\"binary_data_size\":8}}]}",
            framedLength(0, 0));
    assertThatThrownBy(() -> InferenceCodec.decodeRequest(wide, jsonLength(wide, 8)))
        .isInstanceOf(InferenceException.class)
        .hasMessageContaining("BYTES elements of at least 4 bytes");
    // a length prefix that runs past the end, and a negative one
    for (int claimed : new int[] {Integer.MAX_VALUE, -4}) {
      byte[] body =
          binaryBody(
              "{\"inputs\":[{\"name\":\"s\",\"shape\":[1],\"datatype\":\"BYTES\","
                  + "\"parameters\":{\"binary_data_size\":8}}]}",
              framedLength(claimed, 0));
      assertThatThrownBy(() -> InferenceCodec.decodeRequest(body, jsonLength(body, 8)))
          .isInstanceOf(InferenceException.class)
          .hasMessageContaining("claims " + claimed + " bytes past the end");
    }
  }

  @Test
  void nonFiniteFloatsRoundTripAsStandardJsonStrings() {
    Tensor fp32 =
        Tensor.ofFloats(
            "f", new long[] {4}, Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, 3f);
    Tensor fp64 =
        Tensor.ofDoubles(
            "d", new long[] {3}, Double.NaN, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY);
    InferenceResponse response =
        new InferenceResponse("m", "1.0.0", "r", Map.of(), List.of(fp32, fp64));
    InferenceCodec.EncodedBody body = InferenceCodec.encodeResponse(response, name -> false);
    String json = new String(body.bytes(), StandardCharsets.UTF_8);
    assertThat(json).contains("\"data\":[\"NaN\",\"Infinity\",\"-Infinity\",3.0]");
    InferenceResponse decoded = InferenceCodec.decodeResponse(body.bytes(), body.jsonLength());
    assertThat(decoded.outputs()).containsExactly(fp32, fp64);
    // and as request inputs, written by any client
    InferenceRequest request =
        decode(
            "{\"inputs\":[{\"name\":\"f\",\"shape\":[4],\"datatype\":\"FP32\","
                + "\"data\":[\"NaN\",\"Infinity\",\"-Infinity\",3]}]}");
    assertThat(request.inputs().get(0)).isEqualTo(fp32);
    assertBad(
        "{\"inputs\":[{\"name\":\"f\",\"shape\":[1],\"datatype\":\"FP32\",\"data\":[\"nan\"]}]}",
        "is not a valid FP32");
    assertBad(
        "{\"inputs\":[{\"name\":\"i\",\"shape\":[1],\"datatype\":\"INT32\",\"data\":[\"NaN\"]}]}",
        "is not a valid INT32");
  }

  @Test
  void structuralAbuseIsABadRequest() {
    assertBad("[".repeat(100_000), "not a JSON object");
    assertBad("{\"a\":" + "[".repeat(100_000), "malformed JSON");
    assertBad(
        "{\"inputs\":[{\"name\":\"x\",\"shape\":[1],\"datatype\":\"FP32\",\"data\":"
            + "[".repeat(10_000)
            + "1"
            + "]".repeat(10_000)
            + "}]}",
        "malformed JSON");
    assertBad(
        "{\"inputs\":[{\"name\":\"x\",\"shape\":[1],\"datatype\":\"INT64\","
            + "\"data\":[123456789012345678901234567890]}]}",
        "out of range for INT64");
    assertBad("{\"inputs\":[],\"inputs\":[]}", "malformed JSON");
    assertBad(
        "{\"inputs\":[{\"name\":\"x\",\"shape\":[1],\"datatype\":\"FP32\",\"data\":[1]}]} x",
        "malformed JSON");
    assertBad(
        "{\"inputs\":[{\"name\":\"x\",\"shape\":[1],\"datatype\":\"FP32\",\"data\":[1],"
            + "\"parameters\":{\"p\":\""
            + "a".repeat(70_000)
            + "\"}}]}",
        "'parameters' is");
    byte[] utf16 = "{\"inputs\":[]}".getBytes(StandardCharsets.UTF_16LE);
    assertThatThrownBy(() -> InferenceCodec.decodeRequest(utf16, -1))
        .isInstanceOf(InferenceException.class)
        .hasMessageContaining("not UTF-8");
    byte[] invalidUtf8 =
        concat(
            "{\"id\":\"".getBytes(StandardCharsets.UTF_8),
            new byte[] {(byte) 0xC3, (byte) 0x28},
            "\",\"inputs\":[]}".getBytes(StandardCharsets.UTF_8));
    assertThatThrownBy(() -> InferenceCodec.decodeRequest(invalidUtf8, -1))
        .isInstanceOf(InferenceException.class)
        .hasMessageContaining("malformed JSON");
  }

  @Test
  void hostileResponsesAndErrorsAreBadRequestsToo() {
    byte[] bomb =
        ("{\"model_name\":\"m\",\"outputs\":[{\"name\":\"y\",\"shape\":[4611686018427387904],"
                + "\"datatype\":\"FP64\",\"data\":[1]}]}")
            .getBytes(StandardCharsets.UTF_8);
    assertThatThrownBy(() -> InferenceCodec.decodeResponse(bomb, -1))
        .isInstanceOf(InferenceException.class);
    assertThatThrownBy(() -> InferenceCodec.decodeError("{\"code\":500}".getBytes()))
        .isInstanceOf(InferenceException.class)
        .hasMessageContaining("no 'error'");
    assertThat(InferenceCodec.decodeError("{\"error\":\"e\",\"code\":1e999}".getBytes()).code())
        .isEqualTo(500);
  }

  private static void decodeQuietly(String json) {
    try {
      decode(json);
    } catch (InferenceException expected) {
      // only warming up
    }
  }

  private static InferenceRequest decode(String json) {
    return InferenceCodec.decodeRequest(json.getBytes(StandardCharsets.UTF_8), -1);
  }

  private static void assertBad(String json, String message) {
    assertThatThrownBy(() -> decode(json))
        .isInstanceOf(InferenceException.class)
        .hasMessageContaining(message)
        .satisfies(
            e ->
                assertThat(((InferenceException) e).code())
                    .isIn(ErrorCode.BAD_REQUEST, ErrorCode.PAYLOAD_TOO_LARGE));
  }

  private static byte[] binaryBody(String json, byte[] binary) {
    return concat(json.getBytes(StandardCharsets.UTF_8), binary);
  }

  private static int jsonLength(byte[] body, int binaryBytes) {
    return body.length - binaryBytes;
  }

  private static byte[] framedLength(int length, int padding) {
    return ByteBuffer.allocate(8)
        .order(ByteOrder.LITTLE_ENDIAN)
        .putInt(length)
        .putInt(padding)
        .array();
  }
}
