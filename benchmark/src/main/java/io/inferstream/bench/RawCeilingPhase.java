package io.inferstream.bench;

import java.time.Duration;
import java.util.List;

/**
 * The raw ONNX Runtime ceiling: the model in this JVM with the job's threading, over a sweep of
 * batch sizes; one result row per batch size.
 */
final class RawCeilingPhase {
  private static final Duration WARMUP = Duration.ofSeconds(1);

  private final BenchmarkSettings settings;
  private final ModelUnderTest model;
  private final ConsoleReport report;

  RawCeilingPhase(BenchmarkSettings settings, ModelUnderTest model, ConsoleReport report) {
    this.settings = settings;
    this.model = model;
    this.report = report;
  }

  /** Adds a row per batch size to {@code results}; returns the best one. */
  ResultRow run(List<ResultRow> results) throws Exception {
    int rows = settings.rows();
    int maxBatch = model.spec().batching().maxBatchSize();
    List<Integer> batches =
        settings.rawBatches().stream()
            .filter(b -> b >= rows && b % rows == 0 && b <= maxBatch)
            .toList();
    if (batches.isEmpty()) {
      batches = List.of(rows);
    }
    int threads = model.jobConfig().inferenceThreads();
    int intraOp = model.jobConfig().intraOpThreads();
    Duration rawTime = settings.rawTime();
    report.rawStarted(settings.model(), threads, intraOp, batches, maxBatch, rawTime);
    ResultRow best = null;
    try (RawOrtCeiling raw =
        new RawOrtCeiling(model.artifact(), model.version().inputs(), threads, intraOp)) {
      for (int batch : batches) {
        CpuSampler cpu = CpuSampler.start();
        RawOrtCeiling.Point point = raw.measure(batch, WARMUP, rawTime);
        CpuSampler.Usage usage = cpu.stop();
        ResultRow.Percentiles run = ResultRow.Percentiles.ofMicros(point.runMicros());
        ResultRow row =
            new ResultRow(
                "raw-ort-b" + batch,
                settings.model(),
                settings.formatName(),
                rows,
                threads,
                0,
                0,
                point.runs() / (rawTime.toNanos() / 1e9),
                point.itemsPerSecond(),
                run,
                ResultRow.Percentiles.NONE,
                ResultRow.Percentiles.NONE,
                run,
                batch,
                point.runs(),
                point.runs(),
                0,
                0,
                usage.describe());
        report.rawPoint(batch, point, run, usage);
        results.add(row);
        if (best == null || row.itemsPerSecond() > best.itemsPerSecond()) {
          best = row;
        }
      }
    }
    report.rawCeiling(best);
    return best;
  }
}
