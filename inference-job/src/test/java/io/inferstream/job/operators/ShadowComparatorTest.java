package io.inferstream.job.operators;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.inferstream.job.records.OutboundRecord;
import io.inferstream.job.records.TensorData;
import io.inferstream.schemas.ModelStatusEvent;
import io.inferstream.schemas.Tensor;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.apache.flink.streaming.util.OneInputStreamOperatorTestHarness;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class ShadowComparatorTest {
  private OneInputStreamOperatorTestHarness<OutboundRecord, OutboundRecord> harness;

  @BeforeEach
  void open() throws Exception {
    harness = new OneInputStreamOperatorTestHarness<>(new ShadowComparator("model-status"));
    harness.setProcessingTime(0);
    harness.open();
  }

  @AfterEach
  void close() throws Exception {
    harness.close();
  }

  private static OutboundRecord result(String id, boolean shadow, String version, float... y) {
    OutboundRecord record = new OutboundRecord();
    record.topic = "inference-replies";
    record.key = id.getBytes(StandardCharsets.UTF_8);
    record.shadow = shadow;
    record.model = "affine";
    record.version = version;
    record.outputs =
        new TensorData[] {TensorData.of(Tensor.ofFloats("output", new long[] {1, y.length}, y))};
    return record;
  }

  @Test
  void repliesPassShadowResultsAreDroppedAndComparedAndReported() throws Exception {
    OutboundRecord plain = new OutboundRecord();
    plain.topic = "inference-replies";
    plain.key = "p".getBytes(StandardCharsets.UTF_8);
    harness.processElement(plain, 0);
    harness.processElement(result("a", false, "1.0.0", 1f, 2f), 0);
    harness.processElement(result("a", true, "2.0.0", 1f, 2.00001f), 0); // agrees
    harness.processElement(result("b", true, "2.0.0", 5f, 2f), 0); // shadow first
    harness.processElement(result("b", false, "1.0.0", 1f, 2f), 0); // disagrees by 4
    OutboundRecord failed = result("c", true, "2.0.0");
    failed.outputs = null;
    harness.processElement(failed, 0);
    assertThat(harness.extractOutputValues())
        .extracting(r -> new String(r.key, StandardCharsets.UTF_8))
        .containsExactly("p", "a", "b"); // only replies, never a shadow's
    harness.setProcessingTime(1_000);
    List<OutboundRecord> out = harness.extractOutputValues();
    assertThat(out).hasSize(4);
    OutboundRecord report = out.get(3);
    assertThat(report.topic).isEqualTo("model-status");
    assertThat(new String(report.key, StandardCharsets.UTF_8)).isEqualTo("model/affine");
    ModelStatusEvent event = new ObjectMapper().readValue(report.value, ModelStatusEvent.class);
    assertThat(event.state()).isEqualTo(ModelStatusEvent.State.SHADOW_REPORT);
    ModelStatusEvent.ShadowReport shadow = event.shadow();
    assertThat(shadow.primaryInferences()).isEqualTo(2);
    assertThat(shadow.shadowInferences()).isEqualTo(3);
    assertThat(shadow.compared()).isEqualTo(2);
    assertThat(shadow.agreed()).isEqualTo(1);
    assertThat(shadow.disagreed()).isEqualTo(1);
    assertThat(shadow.maxAbsDifference()).isEqualTo(4.0);
    assertThat(shadow.primaryVersion()).isEqualTo("1.0.0");
    assertThat(shadow.shadowVersion()).isEqualTo("2.0.0");
    // no news, no report
    harness.setProcessingTime(2_000);
    assertThat(harness.extractOutputValues()).hasSize(4);
  }

  @Test
  void differentNamesOrShapesDisagree() {
    double[] max = {0};
    TensorData a = TensorData.of(Tensor.ofFloats("o", new long[] {1, 2}, new float[] {1, 2}));
    TensorData b = TensorData.of(Tensor.ofFloats("q", new long[] {1, 2}, new float[] {1, 2}));
    TensorData c = TensorData.of(Tensor.ofFloats("o", new long[] {2, 1}, new float[] {1, 2}));
    assertThat(ShadowComparator.agree(new TensorData[] {a}, new TensorData[] {a}, max)).isTrue();
    assertThat(ShadowComparator.agree(new TensorData[] {a}, new TensorData[] {b}, max)).isFalse();
    assertThat(ShadowComparator.agree(new TensorData[] {a}, new TensorData[] {c}, max)).isFalse();
    assertThat(ShadowComparator.agree(null, new TensorData[] {a}, max)).isFalse();
  }
}
