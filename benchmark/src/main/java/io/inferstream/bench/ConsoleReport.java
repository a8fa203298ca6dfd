package io.inferstream.bench;

import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** What a run prints: its setup, each phase as it goes, and the summary. */
final class ConsoleReport {
  private final PrintStream out;

  ConsoleReport(PrintStream out) {
    this.out = out;
  }

  void header(BenchmarkSettings settings, ModelUnderTest model) {
    out.printf(
        Locale.ROOT,
        "inferstream benchmark: model %s %s (%s), %d row(s) per request, %s payload of %d bytes%n",
        settings.model(),
        model.version().version(),
        model.version().inputs(),
        settings.rows(),
        settings.formatName(),
        model.request().body().length);
    out.printf(
        Locale.ROOT,
        "job: parallelism %d, inference threads %d x intra-op %d, async capacity %d,"
            + " max_batch_size %d, max_queue_delay %d us, replicas %d, options %s%n",
        settings.parallelism(),
        model.jobConfig().inferenceThreads(),
        model.jobConfig().intraOpThreads(),
        model.jobConfig().effectiveAsyncCapacity(),
        model.spec().batching().maxBatchSize(),
        model.spec().batching().maxQueueDelayMicroseconds(),
        model.spec().replicas(),
        settings.jobOptions());
    out.printf(
        Locale.ROOT,
        "machine: %d cores, load average %.2f; JVM max heap %d MiB%n%n",
        Runtime.getRuntime().availableProcessors(),
        ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage(),
        Runtime.getRuntime().maxMemory() >> 20);
  }

  void stackStarted(String bootstrapServers, int slots, double seconds) {
    out.printf(
        Locale.ROOT,
        "stack: broker %s and MiniCluster (%d slots) started in %.1f s%n",
        bootstrapServers,
        slots,
        seconds);
  }

  void stackInUse(String bootstrapServers, String requestTopic, int replyPartitions) {
    out.printf(
        Locale.ROOT,
        "stack: using the running stack at %s (%s, %d reply partitions)%n",
        bootstrapServers,
        requestTopic,
        replyPartitions);
  }

  void jobRunning(double seconds) {
    out.printf(Locale.ROOT, "job: inference job running (all tasks) in %.1f s%n", seconds);
  }

  void passthroughSkipped() {
    out.println(
        "passthrough: skipped (--bootstrap: start that stack with"
            + " inference.passthrough=true to measure it)");
  }

  void phaseStarted(String phase, LoadGenerator.Mode mode, BenchmarkSettings settings) {
    out.printf(
        Locale.ROOT,
        "%n[%s] %s, warmup %s..%s (until JIT < %.0f ms/s), measured %s ...%n",
        phase,
        mode.open()
            ? String.format(Locale.ROOT, "open loop at %.0f req/s", mode.ratePerSecond())
            : "closed loop, " + mode.inFlight() + " in flight",
        human(settings.warmup()),
        human(settings.warmupMax()),
        settings.jitSettled(),
        human(settings.duration()));
  }

  void warmupStep(double elapsedSeconds, LoadGenerator.Result result, double jitMillisPerSecond) {
    long failed = result.stats().errors() + result.stats().timeouts();
    out.printf(
        Locale.ROOT,
        "  warmup %5.1f s: %10.1f req/s, JIT %4.0f ms/s%s%n",
        elapsedSeconds,
        result.achievedPerSecond(),
        jitMillisPerSecond,
        failed > 0 ? ", " + failed + " failed" : "");
  }

  /**
   * @param cpuBreakdown CPU by thread group, or null when not asked for
   */
  void phaseResult(ResultRow row, LoadGenerator.Result result, Map<String, Double> cpuBreakdown) {
    out.printf(
        Locale.ROOT,
        "  sent %d, ok %d, errors %d, timeouts %d; achieved %.1f req/s = %.1f items/s"
            + " (window %.1f s, drained in %.2f s)%n",
        row.sent(),
        row.ok(),
        row.errors(),
        row.timeouts(),
        row.achievedPerSecond(),
        row.itemsPerSecond(),
        result.windowSeconds(),
        result.drainSeconds());
    latency("end-to-end", row.endToEnd());
    latency("added", row.added());
    latency("queue", row.queue());
    latency("inference", row.inference());
    out.printf(Locale.ROOT, "  batch size mean %.2f rows; %s%n", row.batchMean(), row.notes());
    if (cpuBreakdown != null) {
      out.print("  cpu by thread group (cores):\n" + ThreadCpu.describe(cpuBreakdown));
    }
  }

  void rawStarted(
      String model,
      int threads,
      int intraOp,
      List<Integer> batches,
      int maxBatch,
      Duration timePerBatch) {
    out.printf(
        Locale.ROOT,
        "%n[raw-ort] %s in this JVM: %d threads sharing one session, intra-op %d, batches %s"
            + " (max_batch_size %d), %s each ...%n",
        model,
        threads,
        intraOp,
        batches,
        maxBatch,
        human(timePerBatch));
  }

  void rawPoint(
      int batch, RawOrtCeiling.Point point, ResultRow.Percentiles run, CpuSampler.Usage usage) {
    out.printf(
        Locale.ROOT,
        "  batch %3d: %12.1f items/s  (%d runs; run p50 %.3f ms, p99 %.3f ms; %s)%n",
        batch,
        point.itemsPerSecond(),
        point.runs(),
        run.p50(),
        run.p99(),
        usage.describe());
  }

  void rawCeiling(ResultRow best) {
    out.printf(
        Locale.ROOT,
        "  ceiling: %.1f items/s at batch %.0f%n",
        best.itemsPerSecond(),
        best.batchMean());
  }

  void summary(RunSummary summary) {
    out.println();
    out.println("== summary ==");
    ResultRow open = summary.open();
    if (open != null) {
      out.printf(
          Locale.ROOT,
          "latency at %.0f req/s: end-to-end p50 %s p99 %s ms; added (end-to-end minus inference)"
              + " p50 %s p99 %s ms; queue delay p50 %s p99 %s ms%n",
          open.targetRate(),
          ms(open.endToEnd().p50()),
          ms(open.endToEnd().p99()),
          ms(open.added().p50()),
          ms(open.added().p99()),
          ms(open.queue().p50()),
          ms(open.queue().p99()));
    }
    ResultRow pipeline = summary.pipeline();
    if (pipeline == null) {
      return;
    }
    String basis =
        summary.saturated()
            ? "closed-loop saturation"
            : "open loop at --rate (not saturated: add --find-max)";
    out.printf(
        Locale.ROOT,
        "pipeline throughput: %.1f req/s = %.1f items/s (%s); queue delay p50 %s p99 %s ms%n",
        pipeline.achievedPerSecond(),
        pipeline.itemsPerSecond(),
        basis,
        ms(pipeline.queue().p50()),
        ms(pipeline.queue().p99()));
    if (summary.raw() != null) {
      out.printf(
          Locale.ROOT,
          "raw ONNX Runtime ceiling: %.1f items/s (batch %.0f) -> pipeline / raw = %.3f%n",
          summary.raw().itemsPerSecond(),
          summary.raw().batchMean(),
          summary.pipelineOverRaw());
    }
    if (summary.passthrough() != null) {
      out.printf(
          Locale.ROOT,
          "passthrough (same job and Kafka path, no ONNX Runtime): %.1f items/s ->"
              + " pipeline / passthrough = %.3f%n",
          summary.passthrough().itemsPerSecond(),
          summary.pipelineOverPassthrough());
    }
  }

  void hostileSkipped(String why) {
    out.println("\n[hostile] skipped: " + why);
  }

  /**
   * @param restartStrategy the job's restart options, or null when the job is not this run's
   */
  void hostileSetup(
      String maxPhase,
      double maxRate,
      double validRate,
      double fraction,
      double hostileRate,
      int distinctRecords,
      long recordBytes,
      long seed,
      double generateSeconds,
      String restartStrategy) {
    out.printf(
        Locale.ROOT,
        "%n[hostile] valid load %.0f%% of %s's %.1f req/s = %.1f req/s; hostile records %.0f%% of"
            + " all = %.1f/s (seed %d, %d distinct, %.1f MiB, generated in %.1f s)%n",
        validRate / maxRate * 100,
        maxPhase,
        maxRate,
        validRate,
        fraction * 100,
        hostileRate,
        seed,
        distinctRecords,
        recordBytes / 1048576.0,
        generateSeconds);
    out.println(
        restartStrategy != null
            ? "  job submitted for this phase with restart strategy " + restartStrategy
            : "  job: the running stack's (--bootstrap); restart count not available");
  }

  void hostileMixedStarted(double validRate, double hostileRate, Duration lead, Duration window) {
    out.printf(
        Locale.ROOT,
        "%n[hostile-mixed] open loop at %.0f req/s valid + %.1f/s hostile (separate producer),"
            + " lead %s, measured %s ...%n",
        validRate,
        hostileRate,
        human(lead),
        human(window));
  }

  void hostileResult(HostilePhase.Outcome o) {
    HostileTraffic.Tally t = o.tally();
    out.printf(
        Locale.ROOT,
        "  hostile records: sent %d; replied %d by status %s; dead-lettered %d, of them only"
            + " dead-lettered (no reply) %d; no reply and no dead letter %d%s%n",
        t.sent(),
        t.replied(),
        t.replies(),
        t.deadLettered(),
        t.deadLetteredOnly(),
        t.unaccounted(),
        t.sendFailed() > 0 ? "; send failed " + t.sendFailed() + ": " + t.firstSendFailure() : "");
    if (!t.deadLettersFollowed()) {
      out.println("  (dead-letter topic not found: dead letters not counted)");
    }
    if (t.strayReplies() > 0 || t.otherDeadLetters() > 0 || o.strayValidReplies() > 0) {
      out.printf(
          Locale.ROOT,
          "  unmatched: %d replies on the hostile partition, %d dead letters without the marker,"
              + " %d replies the valid clients did not expect (duplicates after a restart?)%n",
          t.strayReplies(),
          t.otherDeadLetters(),
          o.strayValidReplies());
    }
    out.println("  by kind (sent: replies by status / dead-lettered only / nothing; an example):");
    for (HostileTraffic.KindTally k : t.kinds()) {
      out.printf(
          Locale.ROOT,
          "    %-24s %6d: %s / %d / %d%s%n",
          k.kind().label(),
          k.sent(),
          k.replies().isEmpty() ? "-" : k.replies().toString(),
          k.deadLetteredOnly(),
          k.unaccounted(),
          k.example() == null ? "" : "; " + shorten(k.example(), 110));
    }
    out.printf(
        Locale.ROOT,
        "  valid requests, mixed / clean: throughput %.3f (%.1f / %.1f req/s), end-to-end p99"
            + " %.3f (%s / %s)%n",
        o.throughputRatio(),
        o.mixed().achievedPerSecond(),
        o.clean().achievedPerSecond(),
        o.p99Ratio(),
        p99(o.mixed()),
        p99(o.clean()));
    out.printf(
        Locale.ROOT,
        "  job restarts: %s during hostile-clean, %s during hostile-mixed and its drain; job %s%n",
        count(o.restartsClean()),
        count(o.restartsMixed()),
        o.jobStatus() == null ? "not this run's" : o.jobStatus());
    if (o.lastFailure() != null) {
      out.println("  last failure: " + shorten(o.lastFailure(), 300));
    }
  }

  void hostileSummary(HostilePhase.Outcome o) {
    out.printf(
        Locale.ROOT,
        "hostile traffic (%.0f%% of records, valid load %.1f req/s): valid throughput mixed/clean"
            + " %.3f (target >= 0.9: %s), valid p99 mixed/clean %.3f (target <= 1.5: %s),"
            + " restarts %s (target 0: %s)%n",
        o.fraction() * 100,
        o.validRate(),
        o.throughputRatio(),
        verdict(o.throughputRatio() >= 0.9),
        o.p99Ratio(),
        verdict(o.p99Ratio() <= 1.5),
        count(o.restarts()),
        o.restarts() < 0 ? "unknown" : verdict(o.restarts() == 0));
  }

  /** A valid p99 for the hostile comparison: infinite when over 1 % of the requests failed. */
  private static String p99(ResultRow row) {
    double p99 = HostilePhase.Outcome.p99(row);
    return Double.isInfinite(p99)
        ? String.format(
            Locale.ROOT,
            "inf: %d of %d failed, answered p99 %s ms",
            row.errors() + row.timeouts(),
            row.sent(),
            ms(row.endToEnd().p99()))
        : ms(p99) + " ms";
  }

  private static String verdict(boolean met) {
    return met ? "met" : "MISSED";
  }

  private static String count(long value) {
    return value < 0 ? "unknown" : String.valueOf(value);
  }

  private static String shorten(String text, int max) {
    String line = text.replace('\n', ' ');
    return line.length() <= max ? line : line.substring(0, max - 3) + "...";
  }

  void csvWritten(Path csv) {
    out.println();
    out.println("CSV: " + csv.toAbsolutePath());
  }

  private void latency(String what, ResultRow.Percentiles p) {
    out.printf(
        Locale.ROOT,
        "  %-11s ms  p50 %9s  p95 %9s  p99 %9s  max %9s%n",
        what,
        ms(p.p50()),
        ms(p.p95()),
        ms(p.p99()),
        ms(p.max()));
  }

  private static String ms(double value) {
    return Double.isNaN(value) ? "-" : String.format(Locale.ROOT, "%.3f", value);
  }

  private static String human(Duration d) {
    long ms = d.toMillis();
    return ms % 1000 == 0 ? (ms / 1000) + "s" : ms + "ms";
  }
}
