package io.inferstream.job.metrics;

import java.util.HashMap;
import java.util.Map;
import java.util.function.Function;
import org.apache.flink.metrics.MetricGroup;

/**
 * Per-model metrics under a {@code model} label, bounded: the first {@code maxModels} names get
 * their own label value, every later one shares {@value #OVERFLOW}. Only models that passed routing
 * (known to the registry) get here, and the bound keeps even a registry churning through names from
 * growing a scrape without limit.
 *
 * @param <M> the metrics kept per model
 */
final class ModelLabels<M> {
  static final String OVERFLOW = "_other";

  private final MetricGroup parent;
  private final int maxModels;
  private final Function<MetricGroup, M> create;
  private final Map<String, M> byModel = new HashMap<>();
  private int labelled;
  private M overflow;

  ModelLabels(MetricGroup parent, int maxModels, Function<MetricGroup, M> create) {
    if (maxModels < 1) {
      throw new IllegalArgumentException("maxModels must be at least 1, got " + maxModels);
    }
    this.parent = parent;
    this.maxModels = maxModels;
    this.create = create;
  }

  synchronized M of(String model) {
    M metrics = byModel.get(model);
    if (metrics == null) {
      if (labelled < maxModels) {
        metrics = create.apply(parent.addGroup("model", model));
        labelled++;
      } else {
        if (overflow == null) {
          overflow = create.apply(parent.addGroup("model", OVERFLOW));
        }
        metrics = overflow;
      }
      byModel.put(model, metrics);
    }
    return metrics;
  }
}
