package io.inferstream.schemas;

import static io.inferstream.schemas.fuzz.KnownBodies.concat;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class InferenceCodecTest {

  /** A tensor of the given type with two rows of three distinct, type-exercising elements. */
  static Tensor sample(DataType type) {
    long[] shape = {2, 3};
    ByteBuffer buf =
        ByteBuffer.allocate(6 * Math.max(type.byteSize(), 1)).order(ByteOrder.LITTLE_ENDIAN);
    switch (type) {
      case BOOL:
        buf.put(new byte[] {1, 0, 1, 1, 0, 0});
        break;
      case UINT8:
        buf.put(new byte[] {0, 1, (byte) 127, (byte) 128, (byte) 200, (byte) 255});
        break;
      case INT8:
        buf.put(new byte[] {-128, -1, 0, 1, 64, 127});
        break;
      case INT16:
        for (short v : new short[] {Short.MIN_VALUE, -2, 0, 3, 1000, Short.MAX_VALUE})
          buf.putShort(v);
        break;
      case INT32:
        for (int v : new int[] {Integer.MIN_VALUE, -7, 0, 9, 123456, Integer.MAX_VALUE})
          buf.putInt(v);
        break;
      case INT64:
        for (long v : new long[] {Long.MIN_VALUE, -7, 0, 9, 1L << 40, Long.MAX_VALUE})
          buf.putLong(v);
        break;
      case FP32:
        for (float v : new float[] {-1.5f, 0f, 0.1f, 3.4028235e38f, 1e-30f, 2.5f}) buf.putFloat(v);
        break;
      case FP64:
        for (double v : new double[] {-1.5, 0, 0.1, 1e300, 1e-300, Math.PI}) buf.putDouble(v);
        break;
      case BYTES:
        return Tensor.ofStrings("in_bytes", shape, "a", "", "héllo", "x y", "\"q\"", "1");
      default:
        throw new IllegalStateException();
    }
    return new Tensor("in_" + type.name().toLowerCase(), type, shape, buf.array());
  }

  @ParameterizedTest
  @EnumSource(DataType.class)
  void requestRoundTripsAsJson(DataType type) {
    InferenceRequest request = InferenceRequest.of("r1", sample(type));
    InferenceCodec.EncodedBody body = InferenceCodec.encodeRequest(request, false);
    assertThat(body.binary()).isFalse();
    InferenceRequest decoded = InferenceCodec.decodeRequest(body.bytes(), body.jsonLength());
    assertThat(decoded.inputs()).containsExactly(sample(type));
    assertThat(decoded.id()).isEqualTo("r1");
  }

  @ParameterizedTest
  @EnumSource(DataType.class)
  void requestRoundTripsAsBinary(DataType type) {
    InferenceRequest request =
        InferenceRequest.of("r1", sample(type), Tensor.ofFloats("f", new long[] {1}, 7f));
    InferenceCodec.EncodedBody body = InferenceCodec.encodeRequest(request, true);
    assertThat(body.binary()).isTrue();
    int expectedBinary = sample(type).data().length + 4;
    assertThat(body.bytes().length - body.jsonLength()).isEqualTo(expectedBinary);
    InferenceRequest decoded = InferenceCodec.decodeRequest(body.bytes(), body.jsonLength());
    assertThat(decoded.inputs())
        .containsExactly(sample(type), Tensor.ofFloats("f", new long[] {1}, 7f));
  }

  @ParameterizedTest
  @EnumSource(DataType.class)
  void responseRoundTripsWithMixedBinaryAndJsonOutputs(DataType type) {
    InferenceResponse response =
        new InferenceResponse(
            "m",
            "1.0.0",
            "r9",
            Map.of("batch_size", 4),
            List.of(sample(type), Tensor.ofLongs("n", new long[] {2}, 5, 6)));
    InferenceCodec.EncodedBody body =
        InferenceCodec.encodeResponse(response, name -> name.equals("n"));
    InferenceResponse decoded = InferenceCodec.decodeResponse(body.bytes(), body.jsonLength());
    assertThat(decoded.outputs()).isEqualTo(response.outputs());
    assertThat(decoded.modelVersion()).isEqualTo("1.0.0");
    assertThat(decoded.longParameter("batch_size")).isEqualTo(4);
  }

  @Test
  void nestedAndFlatJsonDataDecodeToTheSameTensor() {
    String flat =
        "{\"inputs\":[{\"name\":\"x\",\"datatype\":\"FP32\",\"shape\":[2,2],\"data\":[1,2,3,4]}]}";
    String nested =
        "{\"inputs\":[{\"name\":\"x\",\"datatype\":\"FP32\",\"shape\":[2,2],\"data\":[[1,2],[3,4.0]]}]}";
    Tensor a = decode(flat).inputs().get(0);
    Tensor b = decode(nested).inputs().get(0);
    assertThat(a).isEqualTo(b);
    assertThat(a.asFloats()).containsExactly(1f, 2f, 3f, 4f);
  }

  @Test
  void readsTritonStyleBinaryBodyWithRequestedBinaryOutputs() {
    String json =
        "{\"id\":\"t\",\"inputs\":[{\"name\":\"input\",\"datatype\":\"FP32\",\"shape\":[1,2],"
            + "\"parameters\":{\"binary_data_size\":8}}],"
            + "\"outputs\":[{\"name\":\"output\",\"parameters\":{\"binary_data\":true}}]}";
    byte[] header = json.getBytes(StandardCharsets.UTF_8);
    ByteBuffer body = ByteBuffer.allocate(header.length + 8).order(ByteOrder.LITTLE_ENDIAN);
    body.put(header).putFloat(1.5f).putFloat(-2f);
    InferenceRequest request = InferenceCodec.decodeRequest(body.array(), header.length);
    assertThat(request.inputs().get(0).asFloats()).containsExactly(1.5f, -2f);
    assertThat(request.inputs().get(0).parameters()).doesNotContainKey("binary_data_size");
    assertThat(request.wantsBinary("output")).isTrue();
    assertThat(request.wantsBinary("other")).isFalse();
  }

  @Test
  void rejectsMalformedBodiesWithSpecificMessages() {
    assertBad("not json", "malformed JSON");
    assertBad("[1,2]", "not a JSON object");
    assertBad("{}", "no 'inputs'");
    assertBad("{\"inputs\":[{\"datatype\":\"FP32\",\"shape\":[1],\"data\":[1]}]}", "no 'name'");
    assertBad(
        "{\"inputs\":[{\"name\":\"x\",\"datatype\":\"FP17\",\"shape\":[1],\"data\":[1]}]}",
        "unsupported datatype 'FP17'");
    assertBad(
        "{\"inputs\":[{\"name\":\"x\",\"datatype\":\"FP32\",\"shape\":[-1],\"data\":[1]}]}",
        "invalid dimension -1");
    assertBad(
        "{\"inputs\":[{\"name\":\"x\",\"datatype\":\"FP32\",\"shape\":[2,2],\"data\":[1,2,3]}]}",
        "has 3 data elements but shape [2,2] needs 4");
    assertBad(
        "{\"inputs\":[{\"name\":\"x\",\"datatype\":\"FP32\",\"shape\":[1],\"data\":[1,2]}]}",
        "has 2 data elements but shape [1] needs 1");
    assertBad(
        "{\"inputs\":[{\"name\":\"x\",\"datatype\":\"INT32\",\"shape\":[1],\"data\":[1.5]}]}",
        "is not a valid INT32");
    assertBad(
        "{\"inputs\":[{\"name\":\"x\",\"datatype\":\"UINT8\",\"shape\":[1],\"data\":[256]}]}",
        "out of range for UINT8");
    assertBad(
        "{\"inputs\":[{\"name\":\"x\",\"datatype\":\"BOOL\",\"shape\":[1],\"data\":[1]}]}",
        "is not a valid BOOL");
    assertBad(
        "{\"inputs\":[{\"name\":\"x\",\"datatype\":\"FP32\",\"shape\":[1]}]}", "has no 'data'");
    assertBad(
        "{\"inputs\":[{\"name\":\"x\",\"datatype\":\"FP32\",\"shape\":[1],\"data\":[1]},"
            + "{\"name\":\"x\",\"datatype\":\"FP32\",\"shape\":[1],\"data\":[1]}]}",
        "appears twice");
    assertBad(
        "{\"inputs\":[{\"name\":\"x\",\"datatype\":\"FP32\",\"shape\":[1],\"parameters\":{\"binary_data_size\":4}}]}",
        "no binary part");
  }

  @Test
  void rejectsBinaryBodiesWhoseSizesDoNotAddUp() {
    String json =
        "{\"inputs\":[{\"name\":\"x\",\"datatype\":\"FP32\",\"shape\":[2],\"parameters\":{\"binary_data_size\":8}}]}";
    byte[] header = json.getBytes(StandardCharsets.UTF_8);
    // truncated: only 4 of 8 bytes
    assertThatThrownBy(
            () -> InferenceCodec.decodeRequest(concat(header, new byte[4]), header.length))
        .hasMessageContaining("only 4 binary bytes remain");
    // trailing bytes nobody claims
    assertThatThrownBy(
            () -> InferenceCodec.decodeRequest(concat(header, new byte[12]), header.length))
        .hasMessageContaining("4 binary bytes that no tensor");
    // size does not match shape
    String wrong = json.replace("\"binary_data_size\":8", "\"binary_data_size\":12");
    byte[] wrongHeader = wrong.getBytes(StandardCharsets.UTF_8);
    assertThatThrownBy(
            () ->
                InferenceCodec.decodeRequest(concat(wrongHeader, new byte[12]), wrongHeader.length))
        .hasMessageContaining("binary_data_size 12 but shape [2] of FP32 needs 8 bytes");
    // header length beyond the body
    assertThatThrownBy(() -> InferenceCodec.decodeRequest(header, header.length + 1))
        .hasMessageContaining("larger than the body");
  }

  @Test
  void errorBodyRoundTrips() {
    ErrorBody error = new ErrorBody("model 'x' not found", 404, "r1");
    assertThat(InferenceCodec.decodeError(InferenceCodec.encodeError(error))).isEqualTo(error);
  }

  private static InferenceRequest decode(String json) {
    return InferenceCodec.decodeRequest(json.getBytes(StandardCharsets.UTF_8), -1);
  }

  private static void assertBad(String json, String message) {
    assertThatThrownBy(() -> decode(json))
        .isInstanceOf(InferenceException.class)
        .hasMessageContaining(message)
        .satisfies(
            e -> assertThat(((InferenceException) e).code()).isEqualTo(ErrorCode.BAD_REQUEST));
  }
}
