package io.inferstream.job.operators;

import static org.assertj.core.api.Assertions.assertThat;

import io.inferstream.job.TestModels;
import io.inferstream.job.records.Batch;
import io.inferstream.job.records.OutboundRecord;
import io.inferstream.job.records.ServingRequest;
import io.inferstream.schemas.BatchingConfig;
import io.inferstream.schemas.Priority;
import java.util.Arrays;
import java.util.List;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class MicroBatchOperatorTest {
  private KeyedOneInputStreamOperatorTestHarness<String, ServingRequest, Batch> harness;
  private MicroBatchOperator operator;
  private BatchingConfig batching;

  private void open(BatchingConfig batching) throws Exception {
    this.batching = batching;
    operator = new MicroBatchOperator(100);
    harness =
        new KeyedOneInputStreamOperatorTestHarness<>(operator, r -> r.routingKey, Types.STRING);
    harness.setProcessingTime(1_000);
    harness.open();
  }

  @AfterEach
  void close() throws Exception {
    if (harness != null) {
      harness.close();
    }
  }

  @Test
  void flushesWhenMaxBatchSizeRowsAreBuffered() throws Exception {
    open(new BatchingConfig(4, List.of(), 10_000));
    harness.processElement(TestModels.request("a", 1, Priority.NORMAL, batching), 0);
    harness.processElement(TestModels.request("b", 2, Priority.NORMAL, batching), 0);
    assertThat(harness.extractOutputValues()).isEmpty();
    assertThat(harness.numProcessingTimeTimers()).isEqualTo(1);
    harness.processElement(TestModels.request("c", 1, Priority.NORMAL, batching), 0);
    assertThat(ids(harness.extractOutputValues())).containsExactly(List.of("a", "b", "c"));
    assertThat(harness.extractOutputValues().get(0).rows).isEqualTo(4);
    assertCleanedUp();
  }

  @Test
  void flushesAtOnceAtTheLargestPreferredSize() throws Exception {
    open(new BatchingConfig(16, List.of(2, 3), 10_000));
    harness.processElement(TestModels.request("a", 2, Priority.NORMAL, batching), 0);
    assertThat(harness.extractOutputValues()).isEmpty(); // 2 is preferred, but not the largest
    harness.processElement(TestModels.request("b", 1, Priority.NORMAL, batching), 0);
    assertThat(ids(harness.extractOutputValues())).containsExactly(List.of("a", "b"));
    assertCleanedUp();
  }

  @Test
  void flushesOnTheTimerFromTheFirstBufferedRequest() throws Exception {
    open(new BatchingConfig(64, List.of(), 5_000)); // 5 ms
    harness.processElement(TestModels.request("a", 1, Priority.NORMAL, batching), 0);
    harness.setProcessingTime(1_003);
    harness.processElement(TestModels.request("b", 1, Priority.NORMAL, batching), 0);
    harness.setProcessingTime(1_004);
    assertThat(harness.extractOutputValues()).isEmpty();
    harness.setProcessingTime(1_005); // 5 ms after "a", not after "b"
    assertThat(ids(harness.extractOutputValues())).containsExactly(List.of("a", "b"));
    assertCleanedUp();
  }

  @Test
  void aZeroQueueDelayFlushesEachRequestAtOnceWithoutATimer() throws Exception {
    open(new BatchingConfig(64, List.of(), 0));
    harness.processElement(TestModels.request("a", 1, Priority.NORMAL, batching), 0);
    assertThat(harness.numProcessingTimeTimers()).isZero();
    harness.processElement(TestModels.request("b", 1, Priority.NORMAL, batching), 0);
    assertThat(ids(harness.extractOutputValues())).containsExactly(List.of("a"), List.of("b"));
    assertCleanedUp();
  }

  @Test
  void highPriorityRunsFirstAndOverflowGoesToTheNextBatch() throws Exception {
    open(new BatchingConfig(2, List.of(), 5_000));
    harness.processElement(TestModels.request("low", 1, Priority.LOW, batching), 0);
    harness.processElement(TestModels.request("high", 1, Priority.HIGH, batching), 0);
    assertThat(ids(harness.extractOutputValues())).containsExactly(List.of("high", "low"));
    assertCleanedUp();
  }

  @Test
  void priorityOrderDecidesWhichRequestsShareTheFirstBatch() throws Exception {
    open(new BatchingConfig(3, List.of(), 5_000));
    harness.processElement(TestModels.request("n1", 1, Priority.NORMAL, batching), 0);
    harness.processElement(TestModels.request("l1", 1, Priority.LOW, batching), 0);
    harness.processElement(TestModels.request("h1", 2, Priority.HIGH, batching), 0);
    // 4 rows buffered >= 3: the high request jumps the queue: [h1, n1] (3 rows), then [l1]
    assertThat(ids(harness.extractOutputValues()))
        .containsExactly(List.of("h1", "n1"), List.of("l1"));
    assertCleanedUp();
  }

  @Test
  void batchesOnlyRequestsOfTheSameVersionAndShape() throws Exception {
    open(new BatchingConfig(64, List.of(), 5_000));
    ServingRequest v1 = TestModels.request("v1", 1, Priority.NORMAL, batching);
    ServingRequest v2 = TestModels.request("v2", 1, Priority.NORMAL, batching);
    v2.version = "2.0.0";
    v2.batchGroup = "2.0.0|FP32,4";
    ServingRequest otherShape = TestModels.request("wide", 1, Priority.NORMAL, batching);
    otherShape.batchGroup = "1.0.0|FP32,8";
    harness.processElement(v1, 0);
    harness.processElement(v2, 0);
    harness.processElement(otherShape, 0);
    harness.processElement(TestModels.request("v1b", 1, Priority.NORMAL, batching), 0);
    assertThat(harness.numProcessingTimeTimers()).isEqualTo(3);
    harness.setProcessingTime(1_005);
    assertThat(ids(harness.extractOutputValues()))
        .containsExactlyInAnyOrder(List.of("v1", "v1b"), List.of("v2"), List.of("wide"));
    assertCleanedUp();
  }

  @Test
  void expiredRequestsAreAnswered504AndNeverBatched() throws Exception {
    open(new BatchingConfig(64, List.of(), 5_000));
    ServingRequest expiredOnArrival = TestModels.request("late", 1, Priority.NORMAL, batching);
    expiredOnArrival.deadline = 999;
    ServingRequest expiresWhileBuffered = TestModels.request("slow", 1, Priority.NORMAL, batching);
    expiresWhileBuffered.deadline = 1_002;
    harness.processElement(expiredOnArrival, 0);
    harness.processElement(expiresWhileBuffered, 0);
    harness.processElement(TestModels.request("ok", 1, Priority.NORMAL, batching), 0);
    harness.setProcessingTime(1_005);
    assertThat(ids(harness.extractOutputValues())).containsExactly(List.of("ok"));
    List<OutboundRecord> rejected =
        harness.getSideOutput(OperatorOutputs.REJECTED).stream()
            .map(StreamRecord::getValue)
            .toList();
    assertThat(rejected).extracting(r -> r.status).containsExactly(504, 504);
    assertThat(rejected).extracting(r -> new String(r.key)).containsExactly("late", "slow");
    assertCleanedUp();
  }

  @Test
  void checkpointBarrierFlushesEverythingBuffered() throws Exception {
    open(new BatchingConfig(64, List.of(), 60_000_000));
    harness.processElement(TestModels.request("a", 1, Priority.NORMAL, batching), 0);
    ServingRequest other = TestModels.request("b", 1, Priority.NORMAL, batching);
    other.routingKey = "affine#7";
    harness.processElement(other, 0);
    assertThat(operator.bufferedRequests()).isEqualTo(2);
    harness.prepareSnapshotPreBarrier(1);
    assertThat(ids(harness.extractOutputValues()))
        .containsExactlyInAnyOrder(List.of("a"), List.of("b"));
    assertCleanedUp();
    harness.snapshot(1, 1_000);
  }

  private void assertCleanedUp() {
    assertThat(operator.bufferedRequests()).isZero();
    assertThat(harness.numProcessingTimeTimers()).isZero();
    assertThat(harness.numKeyedStateEntries()).isZero();
  }

  private static List<List<String>> ids(List<Batch> batches) {
    return batches.stream()
        .map(b -> Arrays.stream(b.requests).map(r -> r.requestId).toList())
        .toList();
  }
}
