package io.inferstream.bench;

import static org.assertj.core.api.Assertions.assertThat;

import io.inferstream.schemas.DataType;
import io.inferstream.schemas.InferenceCodec;
import io.inferstream.schemas.InferenceHeaders;
import io.inferstream.schemas.InferenceRequest;
import io.inferstream.schemas.TensorSpec;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

class RequestPayloadTest {
  private static final TensorSpec IMAGE =
      new TensorSpec("input", DataType.FP32, new long[] {-1, 3, 2, 2});

  @Test
  void binaryPayloadDecodesToTheSignatureWithTheRequestedRows() {
    RequestPayload payload =
        RequestPayload.create("m", List.of(IMAGE), 2, RequestPayload.Format.BINARY);

    int jsonLength =
        Integer.parseInt(
            new String(
                payload.headers().get(InferenceHeaders.INFERENCE_HEADER_CONTENT_LENGTH),
                StandardCharsets.UTF_8));
    InferenceRequest decoded = InferenceCodec.decodeRequest(payload.body(), jsonLength);
    assertThat(decoded.inputs().get(0).shape()).containsExactly(2, 3, 2, 2);
    float[] values = decoded.inputs().get(0).asFloats();
    assertThat(values).hasSize(24);
    for (float v : values) {
      assertThat(v).isBetween(-0.5f, 0.5f);
    }
    assertThat(decoded.binaryDataOutput()).isTrue();
  }

  @Test
  void jsonPayloadIsPlainJson() {
    RequestPayload payload =
        RequestPayload.create("m", List.of(IMAGE), 1, RequestPayload.Format.JSON);

    assertThat(payload.headers())
        .doesNotContainKey(InferenceHeaders.INFERENCE_HEADER_CONTENT_LENGTH);
    InferenceRequest decoded = InferenceCodec.decodeRequest(payload.body(), -1);
    assertThat(decoded.inputs().get(0).asFloats()).hasSize(12);
    assertThat(decoded.binaryDataOutput()).isFalse();
  }

  @Test
  void otherDynamicDimensionsBecomeOne() {
    assertThat(RequestPayload.concreteShape(new long[] {-1, -1, 4}, 8)).containsExactly(8, 1, 4);
  }
}
