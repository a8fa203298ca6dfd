package io.inferstream.job.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.inferstream.job.TestModels;
import io.inferstream.job.records.ServingRequest;
import io.inferstream.job.records.TensorData;
import io.inferstream.schemas.BatchingConfig;
import io.inferstream.schemas.DataType;
import io.inferstream.schemas.ErrorCode;
import io.inferstream.schemas.InferenceException;
import io.inferstream.schemas.ModelSpec;
import io.inferstream.schemas.Priority;
import java.util.List;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

class RequestValidatorTest {
  private static final ModelSpec AFFINE = TestModels.affine(new BatchingConfig(8, List.of(), 1000));

  private static ServingRequest fresh() {
    ServingRequest request = TestModels.request("r", 2, Priority.NORMAL);
    request.version = null;
    request.batchGroup = null;
    return request;
  }

  @Test
  void resolvesVersionsAliasesAndLatestAndSetsTheBatchGroup() {
    ServingRequest request = fresh();
    RequestValidator.validate(
        request, AFFINE, RequestValidator.resolve(AFFINE, request.requestedVersion));
    assertThat(request.version).isEqualTo("1.0.0"); // prod
    assertThat(request.batchGroup).isEqualTo("1.0.0|FP32,4");
    assertThat(request.target.version).isEqualTo("1.0.0");
    assertThat(request.target.sha256).isEqualTo("0".repeat(64));
    assertThat(request.target.device).isEqualTo("cpu");
    assertThat(request.maxBatchSize).isEqualTo(8);
    assertThat(request.maxQueueDelayMicros).isEqualTo(1000);
    for (String[] c :
        new String[][] {
          {"canary", "2.0.0"}, {"latest", "2.0.0"}, {"1", "1.0.0"}, {"2.0.0", "2.0.0"}
        }) {
      ServingRequest r = fresh();
      r.requestedVersion = c[0];
      RequestValidator.validate(r, AFFINE, RequestValidator.resolve(AFFINE, r.requestedVersion));
      assertThat(r.version).as(c[0]).isEqualTo(c[1]);
    }
  }

  @Test
  void rejectsEachKindOfMismatchWithASpecificMessage() {
    assertRejected(
        r -> r.requestedVersion = "3.1.0", ErrorCode.NOT_FOUND, "no version or alias '3.1.0'");
    assertRejected(
        r -> r.requestedVersion = "staging", ErrorCode.NOT_FOUND, "no version or alias 'staging'");
    assertRejected(r -> r.inputs[0].name = "x", ErrorCode.BAD_REQUEST, "unknown input 'x'");
    assertRejected(
        r -> r.inputs = new TensorData[0], ErrorCode.BAD_REQUEST, "missing input 'input'");
    assertRejected(
        r -> r.inputs[0].datatype = DataType.FP64,
        ErrorCode.BAD_REQUEST,
        "'input' is FP64 but model 'affine' 1.0.0 expects FP32");
    assertRejected(
        r -> r.inputs[0].shape = new long[] {8},
        ErrorCode.BAD_REQUEST,
        "has shape [8] but model 'affine' 1.0.0 expects [-1,4]");
    assertRejected(
        r -> r.inputs[0].shape = new long[] {1, 8}, ErrorCode.BAD_REQUEST, "has shape [1,8]");
    assertRejected(
        r -> r.inputs[0].shape = new long[] {9, 4},
        ErrorCode.BAD_REQUEST,
        "request has 9 rows but model 'affine' 1.0.0 accepts at most max_batch_size 8");
    assertRejected(r -> r.inputs[0].shape = new long[] {0, 4}, ErrorCode.BAD_REQUEST, "no rows");
    assertRejected(
        r -> r.outputs = new String[] {"logits"}, ErrorCode.BAD_REQUEST, "unknown output 'logits'");
  }

  private static void assertRejected(
      Consumer<ServingRequest> change, ErrorCode code, String message) {
    ServingRequest request = fresh();
    change.accept(request);
    assertThatThrownBy(
            () ->
                RequestValidator.validate(
                    request, AFFINE, RequestValidator.resolve(AFFINE, request.requestedVersion)))
        .isInstanceOf(InferenceException.class)
        .hasMessageContaining(message)
        .satisfies(e -> assertThat(((InferenceException) e).code()).isEqualTo(code));
  }
}
