package io.inferstream.job.operators;

import static org.assertj.core.api.Assertions.assertThat;

import io.inferstream.job.TestModels;
import io.inferstream.job.records.Batch;
import io.inferstream.job.records.OutboundRecord;
import io.inferstream.job.records.ServingRequest;
import io.inferstream.job.runtime.BatchModel;
import io.inferstream.job.runtime.InferenceService;
import io.inferstream.job.runtime.UriArtifactFetcher;
import io.inferstream.schemas.BatchingConfig;
import io.inferstream.schemas.InferenceCodec;
import io.inferstream.schemas.Priority;
import io.inferstream.schemas.Tensor;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.flink.api.common.functions.DefaultOpenContext;
import org.apache.flink.streaming.api.functions.async.CollectionSupplier;
import org.apache.flink.streaming.api.functions.async.ResultFuture;
import org.apache.flink.streaming.util.MockStreamingRuntimeContext;
import org.apache.flink.util.InstantiationUtil;
import org.apache.flink.util.function.SerializableSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BatchInferenceFunctionTest {
  private static final BatchingConfig BATCHING = new BatchingConfig(8, List.of(), 1000);

  @TempDir Path dir;
  private BatchInferenceFunction function;

  @AfterEach
  void close() {
    if (function != null) {
      function.close();
    }
  }

  /** Records what the function completes with; counts completions (exactly one is allowed). */
  private static final class RecordingFuture implements ResultFuture<OutboundRecord> {
    final CompletableFuture<List<OutboundRecord>> done = new CompletableFuture<>();
    final AtomicInteger completions = new AtomicInteger();

    @Override
    public void complete(Collection<OutboundRecord> result) {
      completions.incrementAndGet();
      done.complete(new ArrayList<>(result));
    }

    @Override
    public void completeExceptionally(Throwable error) {
      completions.incrementAndGet();
      done.completeExceptionally(error);
    }

    @Override
    public void complete(CollectionSupplier<OutboundRecord> supplier) {
      throw new AssertionError("not used");
    }
  }

  /** A model that fails every batch with what {@code failure} throws (not an InferenceFailure). */
  private static SerializableSupplier<BatchModel> failingWith(RuntimeException failure) {
    return () ->
        new BatchModel() {
          @Override
          public List<List<Tensor>> run(List<ServingRequest> requests) {
            throw failure;
          }

          @Override
          public String device() {
            return "cpu";
          }
        };
  }

  private static SerializableSupplier<BatchModel> erroringWith(Error error) {
    return () ->
        new BatchModel() {
          @Override
          public List<List<Tensor>> run(List<ServingRequest> requests) {
            throw error;
          }

          @Override
          public String device() {
            return "cpu";
          }
        };
  }

  private void open(SerializableSupplier<BatchModel> model) throws Exception {
    function =
        new BatchInferenceFunction(
            new InferenceService.Settings(
                1,
                1,
                UriArtifactFetcher.class.getName(),
                dir.toString(),
                null,
                "model-status",
                600_000,
                1 << 30,
                1.0,
                30_000,
                30_000),
            1 << 20,
            100,
            model);
    function.setRuntimeContext(new MockStreamingRuntimeContext(1, 0));
    function.open(DefaultOpenContext.INSTANCE);
  }

  private static Batch batchOfTwo() {
    ServingRequest a = TestModels.request("a", 1, Priority.NORMAL, BATCHING);
    ServingRequest b = TestModels.request("b", 2, Priority.NORMAL, BATCHING);
    return new Batch(a.target, new ServingRequest[] {a, b}, 3);
  }

  /** Runs the batch and returns what it completed with, failing if that takes 10 s. */
  private List<OutboundRecord> answer(Batch batch, RecordingFuture future) throws Exception {
    function.asyncInvoke(batch, future);
    return future.done.get(10, TimeUnit.SECONDS); // the async timeout would be 30 s
  }

  @Test
  void aModelThatThrowsAnswers500ToEveryRequestAtOnceNamingModelAndCause() throws Exception {
    open(failingWith(new IllegalStateException("model exploded")));
    RecordingFuture future = new RecordingFuture();
    List<OutboundRecord> replies = answer(batchOfTwo(), future);
    assertThat(replies).extracting(r -> new String(r.key)).containsExactly("a", "b");
    assertThat(replies).extracting(r -> r.status).containsOnly(500);
    assertThat(InferenceCodec.decodeError(replies.get(0).value).error())
        .contains("'affine'", "1.0.0", "java.lang.IllegalStateException: model exploded");
    function.close(); // drains the inference executor: a second completion would show now
    function = null;
    assertThat(future.completions).hasValue(1);
  }

  @Test
  void anErrorFromTheModelAlsoAnswers500AtOnce() throws Exception {
    open(erroringWith(new StackOverflowError("deep")));
    RecordingFuture future = new RecordingFuture();
    List<OutboundRecord> replies = answer(batchOfTwo(), future);
    assertThat(replies).extracting(r -> r.status).containsExactly(500, 500);
    assertThat(InferenceCodec.decodeError(replies.get(1).value).error())
        .contains("java.lang.StackOverflowError: deep");
    function.close();
    function = null;
    assertThat(future.completions).hasValue(1);
  }

  @Test
  void thePassthroughFunctionStillSerializes() throws Exception {
    BatchInferenceFunction passthrough = new BatchInferenceFunction(null, 1 << 20, true, 100);
    assertThat(InstantiationUtil.clone(passthrough)).isNotNull();
  }

  @Test
  void aTimedOutBatchAnswers504ToEveryRequestInIt() {
    BatchInferenceFunction function = new BatchInferenceFunction(null, 1 << 20, false, 100);
    List<OutboundRecord> completed = new ArrayList<>();
    function.timeout(
        batchOfTwo(),
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
