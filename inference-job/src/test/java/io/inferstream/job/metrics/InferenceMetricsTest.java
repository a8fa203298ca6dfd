package io.inferstream.job.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import io.inferstream.schemas.ModelStatusEvent;
import io.inferstream.schemas.ModelStatusEvent.State;
import org.apache.flink.metrics.Gauge;
import org.apache.flink.metrics.testutils.MetricListener;
import org.junit.jupiter.api.Test;

class InferenceMetricsTest {
  private final MetricListener listener = new MetricListener();

  private long counter(String model, String name) {
    return listener
        .getCounter(InferenceMetrics.GROUP, "model", model, name)
        .orElseThrow(() -> new AssertionError("no counter " + model + "/" + name))
        .getCount();
  }

  @Test
  void batchSizeHasOneSamplePerRequestAndRowsCountEveryRow() {
    InferenceMetrics metrics = new InferenceMetrics(listener.getMetricGroup(), 10);
    metrics.ran("affine", 3, 3, 120); // three one-row requests together
    metrics.ran("affine", 4, 2, 80); // two two-row requests together
    metrics.ran("digits", 1, 1, 50);

    var batchSize =
        listener.getHistogram(InferenceMetrics.GROUP, "model", "affine", "batchSize").orElseThrow();
    assertThat(batchSize.getCount()).isEqualTo(5);
    assertThat(batchSize.getStatistics().getMin()).isEqualTo(3);
    assertThat(batchSize.getStatistics().getMax()).isEqualTo(4);
    assertThat(counter("affine", "rows")).isEqualTo(7);
    assertThat(counter("affine", "batches")).isEqualTo(2);
    assertThat(counter("digits", "rows")).isEqualTo(1);
    assertThat(
            listener
                .getHistogram(InferenceMetrics.GROUP, "model", "affine", "inferenceMicros")
                .orElseThrow()
                .getStatistics()
                .getMax())
        .isEqualTo(120);
    assertThat(listener.getMeter(InferenceMetrics.GROUP, "model", "affine", "rowsPerSecond"))
        .isPresent();
  }

  @Test
  void queueDelaysAndDeadlinesArePerModel() {
    InferenceMetrics metrics = new InferenceMetrics(listener.getMetricGroup(), 10);
    metrics.queued("affine", 700);
    metrics.queued("affine", 900);
    metrics.deadlineExceeded("affine");
    var queue =
        listener
            .getHistogram(InferenceMetrics.GROUP, "model", "affine", "queueDelayMicros")
            .orElseThrow();
    assertThat(queue.getCount()).isEqualTo(2);
    assertThat(queue.getStatistics().getMean()).isEqualTo(800);
    assertThat(counter("affine", "deadlineExceeded")).isEqualTo(1);
  }

  @Test
  void sessionEventsCountLoadsUnloadsFailuresAndSessionsPerDevice() {
    InferenceMetrics metrics = new InferenceMetrics(listener.getMetricGroup(), 10);
    metrics.accept(event("affine", State.LOADING, null));
    metrics.accept(event("affine", State.READY, "cpu"));
    metrics.accept(event("affine", State.READY, "cpu"));
    metrics.accept(event("affine", State.FAILED, null));
    metrics.accept(event("affine", State.UNLOADED, "cpu"));

    assertThat(counter("affine", "modelLoads")).isEqualTo(2);
    assertThat(counter("affine", "modelLoadFailures")).isEqualTo(1);
    assertThat(counter("affine", "modelUnloads")).isEqualTo(1);
    Gauge<Integer> sessions =
        listener
            .<Integer>getGauge(
                InferenceMetrics.GROUP, "model", "affine", "device", "cpu", "sessions")
            .orElseThrow();
    assertThat(sessions.getValue()).isEqualTo(1);
  }

  @Test
  void modelsBeyondTheLimitShareOneLabel() {
    InferenceMetrics metrics = new InferenceMetrics(listener.getMetricGroup(), 2);
    metrics.ran("a", 1, 1, 1);
    metrics.ran("b", 1, 1, 1);
    metrics.ran("c", 1, 1, 1);
    metrics.ran("d", 2, 1, 1);
    metrics.ran("a", 1, 1, 1);

    assertThat(counter("a", "rows")).isEqualTo(2);
    assertThat(counter("b", "rows")).isEqualTo(1);
    assertThat(counter(ModelLabels.OVERFLOW, "rows")).isEqualTo(3);
    assertThat(listener.getCounter(InferenceMetrics.GROUP, "model", "c", "rows")).isEmpty();
    assertThat(listener.getCounter(InferenceMetrics.GROUP, "model", "d", "rows")).isEmpty();
  }

  private static ModelStatusEvent event(String model, State state, String device) {
    return new ModelStatusEvent(
        model, "1.0.0", "abc", state, "tm", device, null, 0, System.currentTimeMillis(), null);
  }
}
