package io.inferstream.job.metrics;

import org.apache.flink.metrics.Histogram;
import org.apache.flink.metrics.HistogramStatistics;
import org.apache.flink.runtime.metrics.DescriptiveStatisticsHistogram;

/**
 * Flink's sliding-window histogram, safe to update from the inference threads while a reporter
 * reads it (the statistics are a copy taken under the lock).
 */
final class SynchronizedHistogram implements Histogram {
  /** Samples kept for the quantiles: the last 1,024 observations. */
  static final int WINDOW = 1024;

  private final DescriptiveStatisticsHistogram window = new DescriptiveStatisticsHistogram(WINDOW);

  @Override
  public synchronized void update(long value) {
    window.update(value);
  }

  @Override
  public synchronized long getCount() {
    return window.getCount();
  }

  @Override
  public synchronized HistogramStatistics getStatistics() {
    return window.getStatistics();
  }
}
