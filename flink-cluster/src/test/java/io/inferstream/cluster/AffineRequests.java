package io.inferstream.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import io.inferstream.client.InferenceCall;
import io.inferstream.client.InferenceClient;
import io.inferstream.client.InferenceReply;
import io.inferstream.schemas.InferenceRequest;
import io.inferstream.schemas.InferenceResponse;
import io.inferstream.schemas.Tensor;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/** Requests for models serving the demo {@code affine} graph (y = 2x + 1 on FP32 [N,4]). */
final class AffineRequests {
  static final Duration REPLY_TIMEOUT = Duration.ofSeconds(60);

  private AffineRequests() {}

  /** Two rows through {@code model}; returns the reply after checking every value. */
  static InferenceResponse assertAnswers(InferenceClient client, String model, String requestId) {
    InferenceReply reply = send(client, model, requestId);
    assertThat(reply.status()).as(text(reply)).isEqualTo(200);
    InferenceResponse response = reply.response();
    Tensor y = response.output("output");
    assertThat(y.shape()).containsExactly(2, 4);
    // exactly representable in FP32
    assertThat(y.asFloats()).containsExactly(3, 5, 7, 9, -2, 1, 1.5f, 201);
    return response;
  }

  static InferenceReply send(InferenceClient client, String model, String requestId) {
    Tensor x = Tensor.ofFloats("input", new long[] {2, 4}, 1, 2, 3, 4, -1.5f, 0, 0.25f, 100);
    return client.send(
        InferenceCall.builder()
            .model(model)
            .request(InferenceRequest.of(requestId, x))
            .timeout(REPLY_TIMEOUT)
            .build());
  }

  static String text(InferenceReply reply) {
    return new String(reply.body(), StandardCharsets.UTF_8);
  }
}
