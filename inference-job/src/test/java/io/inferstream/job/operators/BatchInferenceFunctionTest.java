package io.inferstream.job.operators;

import static org.assertj.core.api.Assertions.assertThat;

import io.inferstream.job.TestModels;
import io.inferstream.job.records.Batch;
import io.inferstream.job.records.OutboundRecord;
import io.inferstream.job.records.ServingRequest;
import io.inferstream.schemas.BatchingConfig;
import io.inferstream.schemas.InferenceCodec;
import io.inferstream.schemas.Priority;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import org.apache.flink.streaming.api.functions.async.CollectionSupplier;
import org.apache.flink.streaming.api.functions.async.ResultFuture;
import org.junit.jupiter.api.Test;

class BatchInferenceFunctionTest {

  @Test
  void aTimedOutBatchAnswers504ToEveryRequestInIt() {
    BatchInferenceFunction function = new BatchInferenceFunction(null, 1 << 20, false, 100);
    BatchingConfig batching = new BatchingConfig(8, List.of(), 1000);
    ServingRequest a = TestModels.request("a", 1, Priority.NORMAL, batching);
    ServingRequest b = TestModels.request("b", 2, Priority.NORMAL, batching);
    List<OutboundRecord> completed = new ArrayList<>();
    function.timeout(
        new Batch(a.target, new ServingRequest[] {a, b}, 3),
        new ResultFuture<>() {
          @Override
          public void complete(Collection<OutboundRecord> result) {
            completed.addAll(result);
          }

          @Override
          public void completeExceptionally(Throwable error) {
            throw new AssertionError("a timeout must answer, not fail", error);
          }

          @Override
          public void complete(CollectionSupplier<OutboundRecord> supplier) {
            throw new AssertionError("not used");
          }
        });
    assertThat(completed).extracting(r -> new String(r.key)).containsExactly("a", "b");
    assertThat(completed).extracting(r -> r.status).containsOnly(504);
    assertThat(InferenceCodec.decodeError(completed.get(0).value).error())
        .contains("inference.async.timeout");
  }
}
