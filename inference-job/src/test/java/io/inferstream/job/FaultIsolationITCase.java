package io.inferstream.job;

import static org.assertj.core.api.Assertions.assertThat;

import io.inferstream.client.InferenceCall;
import io.inferstream.client.InferenceClient;
import io.inferstream.client.InferenceReply;
import io.inferstream.job.testing.PipelineTestStack;
import io.inferstream.onnx.testing.TinyOnnx;
import io.inferstream.schemas.InferenceRequest;
import io.inferstream.schemas.Tensor;
import io.inferstream.topics.InferenceTopics;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.apache.flink.api.common.JobID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Faults that belong to one request or one batch — a batch slower than the async timeout, a reply
 * larger than the reply limit — answer those requests with an error and never restart the job.
 */
class FaultIsolationITCase {
  @TempDir static Path workDir;
  private static PipelineTestStack stack;
  private static JobID job;
  private static InferenceClient client;

  @BeforeAll
  static void startStack() throws Exception {
    stack = PipelineTestStack.start(workDir);
    TinyOnnx.write(stack.modelRepository(), "slow", TinyOnnx.slowMatMul());
    Files.writeString(
        stack.modelRepository().resolve("slow").resolve("config.json"),
        "{\"max_batch_size\": 1024}");
    job =
        stack.submit(
            stack.jobConfiguration(
                Map.of(
                    InferenceOptions.ASYNC_TIMEOUT.key(), "200 ms",
                    InferenceOptions.REQUEST_MAX_BYTES.key(), "12mb",
                    InferenceOptions.REPLY_MAX_BYTES.key(), "4kb")));
    client = stack.client(InferenceTopics.REPLIES, false);
    assertAffineStillAnswers(); // loads affine, so later checks time inference, not a first load
  }

  @AfterAll
  static void stopStack() throws Exception {
    if (stack != null) {
      stack.close(); // also closes the client and cancels the job
    }
  }

  @Test
  void aBatchSlowerThanTheAsyncTimeoutAnswers504AndTheJobKeepsServing() {
    // 1024 rows through four 2048x2048 MatMuls: ~34 GFLOP, well beyond the 200 ms timeout
    InferenceReply slow =
        client.send(
            InferenceCall.builder()
                .model("slow")
                .binary(true)
                .request(
                    InferenceRequest.of(
                        "slow",
                        Tensor.ofFloats("input", new long[] {1024, 2048}, new float[1024 * 2048])))
                .build());
    assertThat(slow.status()).as(slow.toString() + " " + new String(slow.body())).isEqualTo(504);
    assertThat(slow.error().error()).contains("inference.async.timeout");
    assertAffineStillAnswers();
  }

  @Test
  void aReplyOverTheReplyLimitBecomesAnErrorReply() {
    float[] x = new float[256 * 4];
    for (int i = 0; i < x.length; i++) {
      x[i] = i * 0.001f; // about ten characters per output value in JSON: ~10 KB of reply
    }
    InferenceReply big =
        client.send(
            InferenceCall.builder()
                .model("affine")
                .request(
                    InferenceRequest.of("big", Tensor.ofFloats("input", new long[] {256, 4}, x)))
                .build());
    assertThat(big.status()).isEqualTo(500);
    assertThat(big.error().error()).contains("exceeds the reply limit of 4096 bytes");
    assertAffineStillAnswers();
  }

  private static void assertAffineStillAnswers() {
    InferenceReply small =
        client.send(
            InferenceCall.builder()
                .model("affine")
                .request(
                    InferenceRequest.of(
                        "small", Tensor.ofFloats("input", new long[] {1, 4}, 1, 2, 3, 4)))
                .build());
    assertThat(small.ok()).as(small.toString()).isTrue();
    assertThat(small.response().output("output").asFloats()).containsExactly(3, 5, 7, 9);
    assertThat(stack.rest().numRestarts(job)).isZero();
  }
}
