package io.inferstream.bench;

import io.inferstream.local.DurationConverter;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code bin/benchmark cold-load}: cold load time and resident memory per model. */
@Command(
    name = "cold-load",
    mixinStandardHelpOptions = true,
    sortOptions = false,
    usageHelpWidth = 110,
    description = {
      "Measures cold load time and resident memory per model of a repository.",
      "",
      "Per model, smallest artifact first:",
      "  isolated  a fresh JVM (this classpath) reads the artifact, checks its sha256, creates the",
      "            ONNX Runtime session and runs two all-zeros rows; its resident-set growth (after",
      "            a GC, session open) and peak, against the artifact size. Twice: with a default",
      "            heap (as a fresh process sees it), and with the heap touched in advance",
      "            (-XX:+AlwaysPreTouch, so only ONNX Runtime's native memory counts: 'native').",
      "  in-stack  broker + MiniCluster + the inference job in this JVM, no model loaded; per model,",
      "            one at a time: the first request's latency (the job loads the model for it), a",
      "            warm request's, load_millis from the model's READY event on model-status, and",
      "            this JVM's resident-set growth across the load (each side after a GC).",
      "",
      "Prints a table and writes a CSV (benchmark-results/cold-load-<timestamp>.csv).",
      "",
      "Example:",
      "  bin/benchmark cold-load --models /work/shared/models"
    })
final class ColdLoadCommand implements Callable<Integer> {
  private static final DateTimeFormatter STAMP = DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss");

  @Option(
      names = "--models",
      paramLabel = "DIR",
      description =
          "Model repository <model>/<version>/model.onnx (default: the project's models/; the"
              + " image models are in /work/shared/models). The default version of each model.")
  Path models;

  @Option(
      names = "--model",
      paramLabel = "NAME",
      description = "Only this model, repeatable (default: every model of the repository).")
  List<String> only = new ArrayList<>();

  @Option(
      names = "--warm-requests",
      defaultValue = "1",
      description =
          "Requests after the first; the warm latency is their median (default: ${DEFAULT-VALUE},"
              + " the second request).")
  int warmRequests;

  @Option(
      names = "--pipeline-warmup",
      defaultValue = "20",
      description =
          "Requests, before the first model, to a decoy model whose artifact does not exist: they"
              + " take the whole path (router, batcher, inference operator, error reply) without"
              + " loading a session, so the first model does not also pay for a cold pipeline;"
              + " 0 = none (default: ${DEFAULT-VALUE}).")
  int pipelineWarmup;

  @Option(
      names = "--payload",
      defaultValue = "binary",
      description = "json or binary request tensors (default: ${DEFAULT-VALUE}).")
  String payload;

  @Option(names = "--skip-isolated", description = "No child JVMs: only the in-stack measurement.")
  boolean skipIsolated;

  @Option(names = "--skip-stack", description = "No stack: only the isolated child JVMs.")
  boolean skipStack;

  @Option(
      names = "--job-option",
      paramLabel = "KEY=VALUE",
      description = "Inference job or Flink option, repeatable (e.g. inference.onnx.threads=1).")
  Map<String, String> jobOptions = new LinkedHashMap<>();

  @Option(
      names = "--parallelism",
      defaultValue = "2",
      description = "Job parallelism and task slots of the in-process stack (default: 2).")
  int parallelism;

  @Option(
      names = "--kafka-dir",
      paramLabel = "DIR",
      description = "Parent of the in-process broker's data directory (default: java.io.tmpdir).")
  Path kafkaDir;

  @Option(
      names = "--timeout",
      defaultValue = "120s",
      converter = DurationConverter.class,
      description = "Per request, and per child JVM (default: 120s).")
  Duration timeout;

  @Option(
      names = "--out",
      paramLabel = "FILE",
      description = "CSV output (default: benchmark-results/cold-load-<timestamp>.csv).")
  Path out;

  @Override
  public Integer call() throws Exception {
    if (warmRequests < 1 || parallelism < 1 || pipelineWarmup < 0) {
      throw usage("--warm-requests and --parallelism must be >= 1, --pipeline-warmup >= 0");
    }
    if (skipIsolated && skipStack) {
      throw usage("--skip-isolated and --skip-stack leave nothing to measure");
    }
    if (timeout.isZero() || timeout.isNegative()) {
      throw usage("--timeout must be positive");
    }
    RequestPayload.Format format;
    try {
      format = RequestPayload.Format.valueOf(payload.trim().toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw usage("--payload must be json or binary, was '" + payload + "'");
    }
    ColdLoadRun.Settings settings =
        new ColdLoadRun.Settings(
            (models != null ? models : defaultModels()).toAbsolutePath().normalize(),
            List.copyOf(only),
            warmRequests,
            pipelineWarmup,
            format,
            !skipIsolated,
            !skipStack,
            Collections.unmodifiableMap(new LinkedHashMap<>(jobOptions)),
            parallelism,
            kafkaDir,
            timeout,
            out != null ? out : defaultOut());
    try {
      new ColdLoadRun(settings, System.out).run();
    } catch (SetupException e) {
      throw usage(e.getMessage());
    }
    return 0;
  }

  private CommandLine.ParameterException usage(String message) {
    return new CommandLine.ParameterException(new CommandLine(this), message);
  }

  private static Path defaultModels() {
    String configured = System.getProperty("inferstream.models");
    return Path.of(configured != null ? configured : "models");
  }

  private static Path defaultOut() {
    String dir = System.getProperty("inferstream.bench.results", "benchmark-results");
    return Path.of(dir, "cold-load-" + LocalDateTime.now().format(STAMP) + ".csv");
  }
}
