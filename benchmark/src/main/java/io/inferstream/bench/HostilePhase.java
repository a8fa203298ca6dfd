package io.inferstream.bench;

import io.inferstream.topics.InferenceTopics;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.flink.api.common.JobStatus;

/**
 * The hostile-traffic phase: the valid load, open loop at {@code --hostile-load} (default 70 %) of
 * the maximum throughput, first alone ({@code hostile-clean}, after the usual JIT warmup) and then,
 * for the same duration, with hostile records from {@link HostileRecords} mixed in ({@code
 * hostile-mixed}, sent by {@link HostileTraffic} at the rate that makes them {@code
 * --hostile-fraction} of all records). Both windows run on one job, submitted for this phase with
 * the production restart strategy of {@code flink-conf/config.yaml}, so a record that fails a task
 * shows as restarts (the other phases run without restarts, to fail loudly).
 *
 * <p>The maximum is the closed-loop throughput of this run ({@code pipeline-max}, or {@code
 * hostile-max} measured here on the phase's own job when the pipeline phase did not saturate). Only
 * valid requests enter the latency and throughput figures; hostile records are counted by what
 * became of them.
 */
final class HostilePhase {
  /** flink-conf/config.yaml's restart strategy; {@code --job-option} overrides it. */
  static final Map<String, String> RESTART_STRATEGY = restartStrategy();

  /** Hostile records sent before the mixed window, so that it starts in the mixed state. */
  private static final Duration LEAD = Duration.ofSeconds(2);

  /** Distinct hostile records kept in memory; beyond this the sender cycles through them. */
  private static final long POOL_BYTES = 128L * 1024 * 1024;

  private final BenchmarkSettings settings;
  private final ModelUnderTest model;
  private final KafkaTarget target;
  private final PhaseRunner runner;
  private final ConsoleReport report;

  HostilePhase(
      BenchmarkSettings settings,
      ModelUnderTest model,
      KafkaTarget target,
      PhaseRunner runner,
      ConsoleReport report) {
    this.settings = settings;
    this.model = model;
    this.target = target;
    this.runner = runner;
    this.report = report;
  }

  /** What the phase measured; restart counts are -1 where unknown ({@code --bootstrap}). */
  record Outcome(
      ResultRow clean,
      ResultRow mixed,
      String maxBasis,
      double maxRate,
      double validRate,
      double hostileRate,
      double fraction,
      long seed,
      HostileTraffic.Tally tally,
      long restartsClean,
      long restartsMixed,
      String jobStatus,
      String lastFailure,
      long strayValidReplies) {
    /** Valid throughput with hostile records over without. */
    double throughputRatio() {
      return mixed.achievedPerSecond() / clean.achievedPerSecond();
    }

    /** Valid end-to-end p99 with hostile records over without (see {@link #p99}). */
    double p99Ratio() {
      return p99(mixed) / p99(clean);
    }

    /**
     * The valid requests' end-to-end p99, infinite when more than 1 % of them failed: the histogram
     * holds answered requests only, and an error or a timeout is slower than any answer.
     */
    static double p99(ResultRow row) {
      long failed = row.errors() + row.timeouts();
      return failed * 100 > row.sent() ? Double.POSITIVE_INFINITY : row.endToEnd().p99();
    }

    long restarts() {
      return restartsClean < 0 || restartsMixed < 0 ? -1 : restartsClean + restartsMixed;
    }
  }

  /**
   * @param max this run's closed-loop pipeline row, or null to measure one here
   * @param results where each row goes as soon as it is measured
   * @return null if there is no throughput to take 70 % of
   */
  Outcome run(ResultRow max, List<ResultRow> results) throws Exception {
    int partitions = target.replyPartitions();
    int hostilePartition = partitions - 1;
    if (hostilePartition < settings.clients()) {
      throw new SetupException(
          "the hostile phase needs a reply partition besides the clients' "
              + settings.clients()
              + ": "
              + target.replyTopic()
              + " has "
              + partitions
              + (target.stack() != null ? " (raise --reply-partitions)" : ""));
    }
    String requestTopic = InferenceTopics.REQUESTS;
    BenchmarkStack stack = target.stack();
    if (stack != null) {
      Map<String, String> options = new LinkedHashMap<>(RESTART_STRATEGY);
      options.putAll(settings.jobOptions());
      long started = System.nanoTime();
      requestTopic = stack.submitJob(settings.repository(), options);
      report.jobRunning((System.nanoTime() - started) / 1e9);
    }
    try (ClientSet set =
        ClientSet.open(
            settings.clients(),
            target.bootstrapServers(),
            requestTopic,
            target.replyTopic(),
            settings.timeout(),
            settings.producerOptions())) {
      LoadGenerator generator = runner.generator(set, "h");
      if (max == null) {
        max =
            runner.run(
                "hostile-max", generator, LoadGenerator.Mode.closedLoop(settings.inFlight()));
        results.add(max);
      }
      double maxRate = max.achievedPerSecond();
      if (!(maxRate > 0)) {
        report.hostileSkipped(max.phase() + " answered nothing");
        return null;
      }
      double validRate = settings.hostileLoad() * maxRate;
      double fraction = settings.hostileFraction();
      double hostileRate = validRate * fraction / (1 - fraction);
      HostileRecords.ReplyAddress address =
          new HostileRecords.ReplyAddress(target.replyTopic(), hostilePartition, partitions);
      long generating = System.nanoTime();
      List<HostileRecords.HostileRecord> pool = pool(address, hostileRate);
      report.hostileSetup(
          max.phase(),
          maxRate,
          validRate,
          fraction,
          hostileRate,
          pool.size(),
          pool.stream().mapToLong(HostileRecords.HostileRecord::bytes).sum(),
          settings.seed(),
          (System.nanoTime() - generating) / 1e9,
          stack != null ? options(settings.jobOptions()) : null);
      String idPrefix = "hostile-" + Long.toString(System.currentTimeMillis(), 36) + "-";
      try (HostileTraffic traffic =
          new HostileTraffic(
              target.bootstrapServers(),
              requestTopic,
              address,
              model.jobConfig().deadLetterTopic(),
              settings.producerOptions(),
              pool,
              idPrefix)) {
        LoadGenerator.Mode mode = LoadGenerator.Mode.openLoop(validRate);
        ResultRow clean = runner.run("hostile-clean", generator, mode);
        results.add(clean);
        long restartsClean = stack == null ? -1 : stack.numRestarts();

        long strayBefore = strayReplies(set);
        report.hostileMixedStarted(validRate, hostileRate, LEAD, settings.duration());
        if (hostileRate > 0) {
          traffic.start(hostileRate);
        }
        ResultRow mixed;
        try {
          mixed =
              runner.measure(
                  "hostile-mixed",
                  generator,
                  mode,
                  LEAD,
                  new LoadGenerator.WindowListener() {
                    @Override
                    public void windowStarted() {}

                    @Override
                    public void windowEnded() {
                      traffic.halt();
                    }
                  });
        } finally {
          traffic.halt();
        }
        HostileTraffic.Tally tally = traffic.awaitOutcome(settings.timeout());
        long strayValid = strayReplies(set) - strayBefore;
        long restartsTotal = stack == null ? -1 : stack.numRestarts();
        JobStatus status = stack == null ? null : stack.jobStatus();
        Outcome outcome =
            new Outcome(
                clean,
                mixed,
                max.phase(),
                maxRate,
                validRate,
                hostileRate,
                fraction,
                settings.seed(),
                tally,
                restartsClean,
                restartsTotal < 0 || restartsClean < 0 ? -1 : restartsTotal - restartsClean,
                status == null ? null : status.name(),
                stack == null ? null : stack.lastFailure(),
                strayValid);
        report.hostileResult(outcome);
        results.add(mixed.withNotes(notes(outcome)));
        return outcome;
      }
    }
  }

  /** The distinct records to cycle through: enough for the mixed run, within the byte budget. */
  private List<HostileRecords.HostileRecord> pool(
      HostileRecords.ReplyAddress address, double hostileRate) {
    if (!(hostileRate > 0)) {
      return List.of(generator(address).next());
    }
    double seconds = (LEAD.toNanos() + settings.duration().toNanos()) / 1e9;
    long wanted = (long) Math.ceil(hostileRate * seconds * 1.05) + 16;
    HostileRecords generator = generator(address);
    List<HostileRecords.HostileRecord> pool = new ArrayList<>();
    long bytes = 0;
    while (pool.size() < wanted && bytes < POOL_BYTES && pool.size() < Integer.MAX_VALUE - 8) {
      HostileRecords.HostileRecord record = generator.next();
      pool.add(record);
      bytes += record.bytes();
    }
    return pool;
  }

  private HostileRecords generator(HostileRecords.ReplyAddress address) {
    return new HostileRecords(
        RequestPayload.create(
            settings.model(),
            model.version().inputs(),
            settings.rows(),
            RequestPayload.Format.JSON),
        RequestPayload.create(
            settings.model(),
            model.version().inputs(),
            settings.rows(),
            RequestPayload.Format.BINARY),
        model.request(),
        address,
        settings.seed());
  }

  private static long strayReplies(ClientSet set) {
    return set.clients().stream().mapToLong(c -> c.droppedReplies()).sum();
  }

  /** The hostile-mixed row's notes: the comparison and the hostile records' fate first. */
  static String notes(Outcome o) {
    HostileTraffic.Tally t = o.tally();
    List<String> notes = new ArrayList<>();
    notes.add(
        String.format(
            Locale.ROOT,
            "valid throughput mixed/clean=%.3f; valid p99 mixed/clean=%.3f; restarts=%s",
            o.throughputRatio(),
            o.p99Ratio(),
            o.restarts() < 0 ? "unknown" : String.valueOf(o.restarts())));
    notes.add(
        String.format(
            Locale.ROOT,
            "hostile %.0f%% of records = %.1f/s, sent %d: replies by status %s, dead-lettered only"
                + " %d, no reply and no dead letter %d%s",
            o.fraction() * 100,
            o.hostileRate(),
            t.sent(),
            t.replies(),
            t.deadLetteredOnly(),
            t.unaccounted(),
            t.sendFailed() > 0 ? ", send failed " + t.sendFailed() : ""));
    if (o.jobStatus() != null && !o.jobStatus().equals(JobStatus.RUNNING.name())) {
      notes.add("job " + o.jobStatus());
    }
    if (o.lastFailure() != null) {
      notes.add("last failure: " + o.lastFailure());
    }
    String existing = o.mixed().notes();
    if (existing != null && !existing.isEmpty()) {
      notes.add(existing);
    }
    return String.join("; ", notes);
  }

  /** The restart strategy the job runs with, as given to it. */
  private static String options(Map<String, String> jobOptions) {
    Map<String, String> options = new LinkedHashMap<>(RESTART_STRATEGY);
    options.putAll(jobOptions);
    Map<String, String> restart = new LinkedHashMap<>();
    options.forEach(
        (key, value) -> {
          if (key.startsWith("restart-strategy")) {
            restart.put(key.substring("restart-strategy.".length()), value);
          }
        });
    return restart.toString();
  }

  private static Map<String, String> restartStrategy() {
    Map<String, String> options = new LinkedHashMap<>();
    options.put("restart-strategy.type", "exponential-delay");
    options.put("restart-strategy.exponential-delay.initial-backoff", "1 s");
    options.put("restart-strategy.exponential-delay.max-backoff", "1 min");
    options.put("restart-strategy.exponential-delay.backoff-multiplier", "2.0");
    options.put("restart-strategy.exponential-delay.reset-backoff-threshold", "1 h");
    options.put("restart-strategy.exponential-delay.jitter-factor", "0.1");
    return Collections.unmodifiableMap(options);
  }
}
