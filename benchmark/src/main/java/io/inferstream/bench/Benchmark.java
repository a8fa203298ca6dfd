package io.inferstream.bench;

import io.inferstream.local.DurationConverter;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Collections;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code bin/benchmark}: load-tests the inference job over Kafka and puts the figures next to what
 * ONNX Runtime alone and the job without ONNX Runtime can do.
 *
 * <ol>
 *   <li>Starts a broker, a MiniCluster and the inference job in this JVM (or uses {@code
 *       --bootstrap}).
 *   <li>Pipeline: an open-loop phase at {@code --rate} (latency), and with {@code --find-max} or
 *       {@code --rate 0} a closed-loop phase at {@code --in-flight} (maximum throughput).
 *   <li>Hostile traffic (only with {@code --phases ...,hostile}): valid load at 70 % of the
 *       closed-loop maximum, without and then with {@code --hostile-fraction} hostile records, on a
 *       job with the production restart strategy ({@link HostilePhase}).
 *   <li>Raw ONNX Runtime ceiling: the same model and rows, the job's threading, a batch sweep.
 *   <li>Passthrough baseline: the same job with {@code inference.passthrough=true}, saturated.
 * </ol>
 *
 * Prints every phase, the ratios, and writes one CSV row per phase. This class is the command line:
 * it reads and checks the options, and {@link BenchmarkRun} does the work.
 */
@Command(
    name = "benchmark",
    mixinStandardHelpOptions = true,
    sortOptions = false,
    usageHelpWidth = 110,
    subcommands = {ColdLoadCommand.class},
    description = {
      "Load-tests the inference job over Kafka (open loop, latency from the intended send time),",
      "measures the raw ONNX Runtime ceiling and a passthrough baseline in the same run.",
      "",
      "Examples:",
      "  bin/benchmark --model affine --rate 100 --duration 20s",
      "  bin/benchmark --model affine --rate 0 --in-flight 2000 --phases pipeline,passthrough",
      "  bin/benchmark --models /work/shared/models --model mobilenet_v2 --payload binary --find-max",
      "  bin/benchmark --model affine --find-max --phases pipeline,hostile --duration 20s",
      "",
      "Cold load time and resident memory per model: bin/benchmark cold-load --help"
    })
public final class Benchmark implements Callable<Integer> {
  private static final DateTimeFormatter STAMP = DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss");

  @Option(
      names = "--model",
      defaultValue = "affine",
      description = "Model to load-test (default: ${DEFAULT-VALUE}).")
  String model;

  @Option(
      names = "--models",
      paramLabel = "DIR",
      description =
          "Model repository <model>/<version>/model.onnx (default: the project's models/; the big"
              + " image models are in /work/shared/models).")
  Path models;

  @Option(
      names = "--bootstrap",
      paramLabel = "HOST:PORT",
      description =
          "Load-test a running stack (e.g. bin/inferstream up) instead of starting one; its reply"
              + " topic is inference-replies. No passthrough phase then.")
  String bootstrap;

  @Option(
      names = "--rate",
      defaultValue = "100",
      description =
          "Open-loop target rate in requests/s; 0 = closed loop at --in-flight (default:"
              + " ${DEFAULT-VALUE}).")
  double rate;

  @Option(
      names = "--find-max",
      description = "Also run a closed-loop saturation phase (maximum throughput) after --rate.")
  boolean findMax;

  @Option(
      names = "--in-flight",
      defaultValue = "2000",
      description = "Requests outstanding in closed-loop phases (default: ${DEFAULT-VALUE}).")
  int inFlight;

  @Option(
      names = "--duration",
      defaultValue = "30s",
      converter = DurationConverter.class,
      description = "Measured time per phase (default: 30s).")
  Duration duration;

  @Option(
      names = "--warmup",
      defaultValue = "10s",
      converter = DurationConverter.class,
      description =
          "Least unmeasured load before each phase's window; warmup goes on in 5 s steps while the"
              + " JIT still compiles more than --jit-settled (default: 10s).")
  Duration warmup;

  @Option(
      names = "--warmup-max",
      defaultValue = "120s",
      converter = DurationConverter.class,
      description = "Most warmup per phase, JIT settled or not (default: 120s).")
  Duration warmupMax;

  @Option(
      names = "--jit-settled",
      defaultValue = "50",
      description =
          "JIT compiler CPU (ms per second) below which warmup may end; broker, Flink and"
              + " clients share this JVM and keep C2 busy for a minute or more under load"
              + " (default: ${DEFAULT-VALUE}).")
  double jitSettled;

  @Option(
      names = "--rows",
      defaultValue = "1",
      description = "Rows (batch dimension) per request (default: ${DEFAULT-VALUE}).")
  int rows;

  @Option(
      names = "--payload",
      defaultValue = "json",
      description = "json or binary (Triton binary tensors, binary outputs) (default: json).")
  String payload;

  @Option(
      names = "--clients",
      defaultValue = "1",
      description =
          "InferenceClient instances, each with its own producer and reply partition (default:"
              + " ${DEFAULT-VALUE}).")
  int clients;

  @Option(
      names = "--job-option",
      paramLabel = "KEY=VALUE",
      description =
          "Inference job or Flink option, repeatable, e.g. inference.onnx.threads=2,"
              + " inference.async.capacity=8, execution.buffer-timeout.interval=5ms.")
  Map<String, String> jobOptions = new LinkedHashMap<>();

  @Option(
      names = "--producer-option",
      paramLabel = "KEY=VALUE",
      description = "Request producer property of every client, repeatable (e.g. linger.ms=1).")
  Map<String, String> producerOptions = new LinkedHashMap<>();

  @Option(
      names = "--parallelism",
      defaultValue = "2",
      description = "Job parallelism and task slots of the in-process stack (default: 2).")
  int parallelism;

  @Option(
      names = "--reply-partitions",
      defaultValue = "8",
      description = "Partitions of the in-process stack's reply topic (default: 8).")
  int replyPartitions;

  @Option(
      names = "--kafka-dir",
      paramLabel = "DIR",
      description =
          "Parent of the in-process broker's data directory (created fresh, deleted at the end),"
              + " e.g. /dev/shm to keep image traffic off the disk (default: java.io.tmpdir).")
  Path kafkaDir;

  @Option(
      names = "--timeout",
      defaultValue = "30s",
      converter = DurationConverter.class,
      description = "Per-request timeout; later replies count as timeouts (default: 30s).")
  Duration timeout;

  @Option(
      names = "--timings-every",
      defaultValue = "1",
      description =
          "Decode every Nth reply body for queue_us/inference_us (1 = all; raise it if the reply"
              + " thread is the bottleneck) (default: ${DEFAULT-VALUE}).")
  int timingsEvery;

  @Option(
      names = "--encode-each",
      description =
          "Encode every request with InferenceClient.sendAsync instead of sending one pre-encoded"
              + " body (adds the client's encoding cost to the load generator).")
  boolean encodeEach;

  @Option(
      names = "--cpu-breakdown",
      description = "Print each phase's CPU use by thread group (broker, Flink tasks, clients).")
  boolean cpuBreakdown;

  @Option(
      names = "--phases",
      split = ",",
      defaultValue = "pipeline,raw,passthrough",
      description =
          "What to run, in this order: pipeline (the job over Kafka), hostile (valid load at 70%"
              + " of the closed-loop maximum, without and then with hostile records mixed in;"
              + " measures that maximum itself unless pipeline does with --find-max or --rate 0),"
              + " raw (ONNX Runtime in process), passthrough (the job without ONNX Runtime)"
              + " (default: ${DEFAULT-VALUE}).")
  EnumSet<Phase> phases;

  @Option(
      names = "--hostile-fraction",
      defaultValue = "0.10",
      description =
          "Share of all records that are hostile in the hostile phase's mixed window, 0..0.9"
              + " (default: ${DEFAULT-VALUE}).")
  double hostileFraction;

  @Option(
      names = "--hostile-load",
      defaultValue = "0.7",
      description =
          "Valid load of the hostile phase as a share of the measured maximum throughput, (0, 1]"
              + " (default: ${DEFAULT-VALUE}).")
  double hostileLoad;

  @Option(
      names = "--seed",
      defaultValue = "1",
      description = "Seed of the hostile records (default: ${DEFAULT-VALUE}).")
  long seed;

  @Option(
      names = "--raw-batches",
      split = ",",
      defaultValue = "1,2,4,8,16,32,64",
      description =
          "Batch sizes (rows) of the raw sweep, within max_batch_size (default: ${DEFAULT-VALUE}).")
  List<Integer> rawBatches;

  @Option(
      names = "--raw-time",
      defaultValue = "5s",
      converter = DurationConverter.class,
      description = "Measured time per raw batch size, after 1s warmup (default: 5s).")
  Duration rawTime;

  @Option(
      names = "--out",
      paramLabel = "FILE",
      description = "CSV output (default: benchmark-results/<timestamp>.csv).")
  Path out;

  public static void main(String[] args) {
    if (System.getProperty("log4j2.configurationFile") == null
        && System.getProperty("log4j.configurationFile") == null) {
      System.setProperty("log4j2.configurationFile", "log4j2-benchmark.properties");
    }
    int code =
        new CommandLine(new Benchmark()).setCaseInsensitiveEnumValuesAllowed(true).execute(args);
    System.exit(code);
  }

  @Override
  public Integer call() throws Exception {
    try {
      BenchmarkSettings settings = settings();
      ModelUnderTest model = ModelUnderTest.load(settings);
      new BenchmarkRun(settings, model, new ConsoleReport(System.out)).run();
    } catch (SetupException e) {
      throw new CommandLine.ParameterException(new CommandLine(this), e.getMessage());
    }
    return 0;
  }

  private BenchmarkSettings settings() {
    RequestPayload.Format format = parseFormat(payload);
    return new BenchmarkSettings(
        model,
        (models != null ? models : defaultModels()).toAbsolutePath().normalize(),
        bootstrap,
        rate,
        findMax,
        inFlight,
        duration,
        warmup,
        warmupMax,
        jitSettled,
        rows,
        format,
        clients,
        Collections.unmodifiableMap(jobOptions),
        Collections.unmodifiableMap(producerOptions),
        parallelism,
        replyPartitions,
        kafkaDir,
        timeout,
        timingsEvery,
        encodeEach,
        cpuBreakdown,
        Collections.unmodifiableSet(phases),
        hostileFraction,
        hostileLoad,
        seed,
        List.copyOf(rawBatches),
        rawTime,
        out != null ? out : defaultOut());
  }

  private static RequestPayload.Format parseFormat(String value) {
    try {
      return RequestPayload.Format.valueOf(value.trim().toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("--payload must be json or binary, was '" + value + "'");
    }
  }

  private static Path defaultModels() {
    String configured = System.getProperty("inferstream.models");
    return Path.of(configured != null ? configured : "models");
  }

  private static Path defaultOut() {
    String dir = System.getProperty("inferstream.bench.results", "benchmark-results");
    return Path.of(dir, LocalDateTime.now().format(STAMP) + ".csv");
  }
}
