package io.inferstream.bench;

import org.HdrHistogram.Histogram;

/**
 * One phase's figures, as printed and as one CSV row. Latencies in milliseconds; {@code NaN} means
 * "not measured in this phase". {@code targetRate} 0 means closed loop ({@code inFlight} bound).
 */
record ResultRow(
    String phase,
    String model,
    String payload,
    int rows,
    int clients,
    double targetRate,
    int inFlight,
    double achievedPerSecond,
    double itemsPerSecond,
    Percentiles endToEnd,
    Percentiles added,
    Percentiles queue,
    Percentiles inference,
    double batchMean,
    long sent,
    long ok,
    long errors,
    long timeouts,
    String notes) {

  /** p50/p95/p99/max of a histogram recorded in microseconds, in milliseconds. */
  record Percentiles(double p50, double p95, double p99, double max) {
    static final Percentiles NONE = new Percentiles(Double.NaN, Double.NaN, Double.NaN, Double.NaN);

    static Percentiles ofMicros(Histogram histogram) {
      if (histogram == null || histogram.getTotalCount() == 0) {
        return NONE;
      }
      return new Percentiles(
          histogram.getValueAtPercentile(50) / 1000.0,
          histogram.getValueAtPercentile(95) / 1000.0,
          histogram.getValueAtPercentile(99) / 1000.0,
          histogram.getMaxValue() / 1000.0);
    }
  }

  ResultRow withNotes(String newNotes) {
    return new ResultRow(
        phase,
        model,
        payload,
        rows,
        clients,
        targetRate,
        inFlight,
        achievedPerSecond,
        itemsPerSecond,
        endToEnd,
        added,
        queue,
        inference,
        batchMean,
        sent,
        ok,
        errors,
        timeouts,
        newNotes);
  }
}
