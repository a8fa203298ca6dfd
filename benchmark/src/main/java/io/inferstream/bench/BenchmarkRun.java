package io.inferstream.bench;

import io.inferstream.job.InferenceOptions;
import io.inferstream.topics.InferenceTopics;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One benchmark run: the phases in order (pipeline, hostile traffic, raw ceiling, passthrough), the
 * summary, and the CSV of every phase's rows, written even when a later phase fails.
 */
final class BenchmarkRun {
  private final BenchmarkSettings settings;
  private final ModelUnderTest model;
  private final ConsoleReport report;
  private final List<ResultRow> results = new ArrayList<>();

  BenchmarkRun(BenchmarkSettings settings, ModelUnderTest model, ConsoleReport report) {
    this.settings = settings;
    this.model = model;
    this.report = report;
  }

  void run() throws Exception {
    report.header(settings, model);
    KafkaTarget target = null;
    try {
      target = KafkaTarget.open(settings, report);
      target.requireReplyPartitionsFor(settings.clients());
      PhaseRunner runner = new PhaseRunner(settings, model.request(), target.stack(), report);
      PipelineRows pipeline = settings.runs(Phase.PIPELINE) ? pipeline(target, runner) : null;
      HostilePhase.Outcome hostile =
          settings.runs(Phase.HOSTILE)
              ? new HostilePhase(settings, model, target, runner, report)
                  .run(pipeline == null ? null : pipeline.max(), results)
              : null;
      ResultRow raw = settings.runs(Phase.RAW) ? rawCeiling(target) : null;
      ResultRow passthrough = settings.runs(Phase.PASSTHROUGH) ? passthrough(target, runner) : null;
      RunSummary summary =
          new RunSummary(
              pipeline == null ? null : pipeline.open(),
              pipeline == null ? null : pipeline.max(),
              raw,
              passthrough);
      report.summary(summary);
      if (hostile != null) {
        report.hostileSummary(hostile);
      }
      summary.annotate(results);
    } finally {
      if (!results.isEmpty()) {
        CsvReport.write(settings.csv(), results);
        report.csvWritten(settings.csv());
      }
      if (target != null) {
        target.close();
      }
    }
  }

  private record PipelineRows(ResultRow open, ResultRow max) {}

  /** The job over Kafka: latency at {@code --rate}, then saturation. */
  private PipelineRows pipeline(KafkaTarget target, PhaseRunner runner) throws Exception {
    String requestTopic = InferenceTopics.REQUESTS;
    if (target.stack() != null) {
      long started = System.nanoTime();
      requestTopic = target.stack().submitJob(settings.repository(), settings.jobOptions());
      report.jobRunning((System.nanoTime() - started) / 1e9);
    }
    ResultRow open = null;
    ResultRow max = null;
    try (ClientSet set = clients(target, requestTopic)) {
      LoadGenerator generator = runner.generator(set, "p");
      if (settings.rate() > 0) {
        open = runner.run("pipeline", generator, LoadGenerator.Mode.openLoop(settings.rate()));
        results.add(open);
      }
      if (settings.findMax() || settings.rate() == 0) {
        max =
            runner.run(
                "pipeline-max", generator, LoadGenerator.Mode.closedLoop(settings.inFlight()));
        results.add(max);
      }
    }
    return new PipelineRows(open, max);
  }

  /** Raw ONNX Runtime, with the job cancelled so the JVM is quiet. */
  private ResultRow rawCeiling(KafkaTarget target) throws Exception {
    if (target.stack() != null) {
      target.stack().cancelJob();
    }
    return new RawCeilingPhase(settings, model, report).run(results);
  }

  /** The same job and Kafka path without ONNX Runtime; only on a stack this run started. */
  private ResultRow passthrough(KafkaTarget target, PhaseRunner runner) throws Exception {
    if (target.stack() == null) {
      report.passthroughSkipped();
      return null;
    }
    Map<String, String> options = new LinkedHashMap<>(settings.jobOptions());
    options.put(InferenceOptions.PASSTHROUGH.key(), "true");
    String topic = target.stack().submitJob(settings.repository(), options);
    try (ClientSet set = clients(target, topic)) {
      ResultRow row =
          runner.run(
              "passthrough-max",
              runner.generator(set, "t"),
              LoadGenerator.Mode.closedLoop(settings.inFlight()));
      results.add(row);
      return row;
    }
  }

  private ClientSet clients(KafkaTarget target, String requestTopic) {
    return ClientSet.open(
        settings.clients(),
        target.bootstrapServers(),
        requestTopic,
        target.replyTopic(),
        settings.timeout(),
        settings.producerOptions());
  }
}
