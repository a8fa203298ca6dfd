package io.inferstream.bench;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.HdrHistogram.Histogram;
import org.apache.flink.api.common.JobStatus;

/**
 * Runs one load phase over Kafka: warmup until the JIT settles, then the measured window, and turns
 * what it saw into a result row.
 */
final class PhaseRunner {
  private static final Duration WARMUP_STEP = Duration.ofSeconds(5);

  /** Warmup left for the measured run, so that it starts loaded rather than from idle. */
  private static final Duration WARMUP_LEAD = Duration.ofSeconds(2);

  private final BenchmarkSettings settings;
  private final RequestPayload request;
  private final BenchmarkStack stack;
  private final ConsoleReport report;

  /**
   * @param stack the in-process stack whose job status goes into the notes, or null
   */
  PhaseRunner(
      BenchmarkSettings settings,
      RequestPayload request,
      BenchmarkStack stack,
      ConsoleReport report) {
    this.settings = settings;
    this.request = request;
    this.stack = stack;
    this.report = report;
  }

  LoadGenerator generator(ClientSet set, String prefix) {
    // Request ids unique across phases and runs: a late reply can never match a newer call.
    String idPrefix = prefix + Long.toString(System.currentTimeMillis(), 36) + "-";
    return new LoadGenerator(
        set.clients(),
        request,
        settings.encodeEach(),
        settings.timingsEvery(),
        settings.timeout().plusSeconds(5),
        idPrefix);
  }

  ResultRow run(String phase, LoadGenerator generator, LoadGenerator.Mode mode) throws Exception {
    report.phaseStarted(phase, mode, settings);
    return measure(phase, generator, mode, warmUp(generator, mode), null);
  }

  /**
   * The measured window after {@code lead} of unmeasured load, without the JIT warmup of {@link
   * #run}: for a phase that follows another at the same load.
   *
   * @param listener also told when the window starts and ends, or null
   */
  ResultRow measure(
      String phase,
      LoadGenerator generator,
      LoadGenerator.Mode mode,
      Duration lead,
      LoadGenerator.WindowListener listener)
      throws Exception {
    PhaseCpu phaseCpu = new PhaseCpu(settings.cpuBreakdown());
    LoadGenerator.WindowListener listeners =
        listener == null
            ? phaseCpu
            : new LoadGenerator.WindowListener() {
              @Override
              public void windowStarted() {
                phaseCpu.windowStarted();
                listener.windowStarted();
              }

              @Override
              public void windowEnded() {
                listener.windowEnded();
                phaseCpu.windowEnded();
              }
            };
    LoadGenerator.Result result = generator.run(mode, lead, settings.duration(), listeners);
    PhaseStats.Snapshot s = result.stats();
    ResultRow row =
        new ResultRow(
            phase,
            settings.model(),
            settings.formatName(),
            request.rows(),
            settings.clients(),
            mode.ratePerSecond(),
            mode.inFlight(),
            result.achievedPerSecond(),
            result.achievedPerSecond() * request.rows(),
            ResultRow.Percentiles.ofMicros(s.endToEnd()),
            ResultRow.Percentiles.ofMicros(s.added()),
            ResultRow.Percentiles.ofMicros(s.queue()),
            ResultRow.Percentiles.ofMicros(s.inference()),
            mean(s.batchSize()),
            s.sent(),
            s.ok(),
            s.errors(),
            s.timeouts(),
            String.join("; ", notes(result, phaseCpu.usage())));
    report.phaseResult(row, result, phaseCpu.breakdown());
    return row;
  }

  private List<String> notes(LoadGenerator.Result result, CpuSampler.Usage usage) throws Exception {
    PhaseStats.Snapshot s = result.stats();
    List<String> notes = new ArrayList<>();
    notes.add(usage.describe());
    if (result.unfinished() > 0) {
      notes.add(result.unfinished() + " requests unanswered after the drain timeout");
    }
    if (!s.errorKinds().isEmpty()) {
      notes.add("errors " + s.errorKinds() + ", first: " + s.firstError());
    }
    if (stack != null) {
      JobStatus status = stack.jobStatus();
      if (status != JobStatus.RUNNING) {
        // A restarting job has no result yet: asking for its failure would wait for one.
        notes.add(
            "job "
                + status
                + (status != null && status.isGloballyTerminalState()
                    ? ": " + stack.jobFailure()
                    : ""));
      }
    }
    return notes;
  }

  /**
   * Runs the phase's load unmeasured in steps until at least {@code --warmup} has passed and the
   * JIT has settled, or {@code --warmup-max}; returns the warmup the measured run still needs.
   */
  private Duration warmUp(LoadGenerator generator, LoadGenerator.Mode mode) {
    if (settings.warmup().isZero()) {
      return Duration.ZERO;
    }
    long start = System.nanoTime();
    long least = settings.warmup().minus(WARMUP_LEAD).toNanos();
    long most = settings.warmupMax().minus(WARMUP_LEAD).toNanos();
    boolean settled = false;
    long elapsed = 0;
    while (elapsed < most && !(settled && elapsed >= least)) {
      JitMeter jitMeter = JitMeter.start();
      LoadGenerator.Result result = generator.run(mode, Duration.ZERO, WARMUP_STEP);
      double jit = jitMeter.millisPerSecond();
      settled = jit < settings.jitSettled();
      elapsed = System.nanoTime() - start;
      report.warmupStep(elapsed / 1e9, result, jit);
    }
    return WARMUP_LEAD;
  }

  private static double mean(Histogram histogram) {
    return histogram.getTotalCount() == 0 ? Double.NaN : histogram.getMean();
  }
}
