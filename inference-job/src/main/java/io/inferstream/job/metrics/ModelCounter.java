package io.inferstream.job.metrics;

import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.MetricGroup;

/** One counter per model (bounded labels), under the {@code inferstream} group; task thread. */
public final class ModelCounter {
  private final ModelLabels<Counter> counters;

  public ModelCounter(MetricGroup operatorGroup, String name, int maxModels) {
    this.counters =
        new ModelLabels<>(
            operatorGroup.addGroup(InferenceMetrics.GROUP), maxModels, g -> g.counter(name));
  }

  public void inc(String model) {
    counters.of(model).inc();
  }
}
