package io.inferstream.bench;

import io.inferstream.client.InferenceClient;
import io.inferstream.job.InferenceJob;
import io.inferstream.job.InferenceJobConfig;
import io.inferstream.job.InferenceOptions;
import io.inferstream.job.model.ModelCatalog;
import io.inferstream.schemas.ModelSpec;
import io.inferstream.schemas.ModelVersionSpec;
import io.inferstream.schemas.Topics;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import org.HdrHistogram.Histogram;
import org.apache.flink.api.common.JobStatus;
import org.apache.flink.configuration.Configuration;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
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
 *   <li>Raw ONNX Runtime ceiling: the same model and rows, the job's threading, a batch sweep.
 *   <li>Passthrough baseline: the same job with {@code inference.passthrough=true}, saturated.
 * </ol>
 *
 * Prints every phase, the ratios, and writes one CSV row per phase.
 */
@Command(
    name = "benchmark",
    mixinStandardHelpOptions = true,
    sortOptions = false,
    usageHelpWidth = 110,
    description = {
      "Load-tests the inference job over Kafka (open loop, latency from the intended send time),",
      "measures the raw ONNX Runtime ceiling and a passthrough baseline in the same run.",
      "",
      "Examples:",
      "  bin/benchmark --model affine --rate 100 --duration 20s",
      "  bin/benchmark --model affine --rate 0 --in-flight 2000 --phases pipeline,passthrough",
      "  bin/benchmark --models /work/shared/models --model mobilenet_v2 --payload binary --find-max"
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
              + " inference.batch.max-queue-delay=1ms, execution.buffer-timeout.interval=5ms.")
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

  /** The parts of a run. */
  enum Phase {
    PIPELINE,
    RAW,
    PASSTHROUGH
  }

  @Option(
      names = "--phases",
      split = ",",
      defaultValue = "pipeline,raw,passthrough",
      description =
          "What to run, in this order: pipeline (the job over Kafka), raw (ONNX Runtime in"
              + " process), passthrough (the job without ONNX Runtime) (default: ${DEFAULT-VALUE}).")
  java.util.EnumSet<Phase> phases;

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
    RequestPayload.Format format = parseFormat(payload);
    validate();
    Path repository = (models != null ? models : defaultModels()).toAbsolutePath().normalize();
    Path csv = out != null ? out : defaultOut();

    Configuration jobConf = new Configuration();
    jobConf.set(InferenceOptions.MODEL_REPOSITORY, repository.toString());
    jobOptions.forEach(jobConf::setString);
    InferenceJobConfig jobConfig = InferenceJobConfig.from(jobConf);
    ModelCatalog catalog = InferenceJob.loadCatalog(jobConfig, parallelism);
    ModelSpec spec = catalog.spec(model);
    if (spec == null) {
      List<String> names = catalog.specs().stream().map(ModelSpec::name).toList();
      throw new CommandLine.ParameterException(
          new CommandLine(this),
          "model '" + model + "' is not in " + repository + " (it has " + names + ")");
    }
    ModelVersionSpec version = spec.resolve(null);
    RequestPayload request = RequestPayload.create(model, version.inputs(), rows, format);

    String formatName = format.name().toLowerCase(Locale.ROOT);
    System.out.printf(
        Locale.ROOT,
        "inferstream benchmark: model %s %s (%s), %d row(s) per request, %s payload of %d bytes%n",
        model,
        version.version(),
        version.inputs(),
        rows,
        formatName,
        request.body().length);
    System.out.printf(
        Locale.ROOT,
        "job: parallelism %d, inference threads %d x intra-op %d, async capacity %d,"
            + " max_batch_size %d, max_queue_delay %d us, replicas %d, options %s%n",
        parallelism,
        jobConfig.inferenceThreads(),
        jobConfig.intraOpThreads(),
        jobConfig.effectiveAsyncCapacity(),
        spec.batching().maxBatchSize(),
        spec.batching().maxQueueDelayMicroseconds(),
        spec.replicas(),
        jobOptions);
    System.out.printf(
        Locale.ROOT,
        "machine: %d cores, load average %.2f; JVM max heap %d MiB%n%n",
        Runtime.getRuntime().availableProcessors(),
        java.lang.management.ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage(),
        Runtime.getRuntime().maxMemory() >> 20);

    List<ResultRow> results = new ArrayList<>();
    BenchmarkStack stack = null;
    try {
      String bootstrapServers;
      String replyTopic;
      int replyPartitionCount;
      boolean pipelinePhase = phases.contains(Phase.PIPELINE);
      boolean passthroughPhase = phases.contains(Phase.PASSTHROUGH);
      if (bootstrap == null) {
        bootstrapServers = null;
        replyTopic = BenchmarkStack.REPLY_TOPIC;
        replyPartitionCount = replyPartitions;
        if (pipelinePhase || passthroughPhase) {
          long started = System.nanoTime();
          stack = BenchmarkStack.start(parallelism, replyPartitions, kafkaDir);
          bootstrapServers = stack.bootstrapServers();
          System.out.printf(
              Locale.ROOT,
              "stack: broker %s and MiniCluster (%d slots) started in %.1f s%n",
              bootstrapServers,
              parallelism,
              (System.nanoTime() - started) / 1e9);
        }
      } else {
        bootstrapServers = bootstrap;
        replyTopic = Topics.REPLIES;
        replyPartitionCount = partitions(bootstrap, replyTopic);
        System.out.printf(
            Locale.ROOT,
            "stack: using the running stack at %s (%s, %d reply partitions)%n",
            bootstrap,
            Topics.REQUESTS,
            replyPartitionCount);
      }
      if (clients > replyPartitionCount) {
        throw new CommandLine.ParameterException(
            new CommandLine(this),
            "--clients "
                + clients
                + " needs as many reply partitions; "
                + replyTopic
                + " has "
                + replyPartitionCount);
      }

      // 1. The pipeline: latency at --rate, then saturation.
      ResultRow pipelineMax = null;
      ResultRow pipelineOpen = null;
      if (pipelinePhase) {
        String requestTopic = Topics.REQUESTS;
        if (stack != null) {
          long started = System.nanoTime();
          requestTopic = stack.submitJob(repository, jobOptions);
          System.out.printf(
              Locale.ROOT,
              "job: inference job running (all tasks) in %.1f s%n",
              (System.nanoTime() - started) / 1e9);
        }
        try (ClientSet set =
            ClientSet.open(
                clients, bootstrapServers, requestTopic, replyTopic, timeout, producerOptions)) {
          LoadGenerator generator = generator(set, request, "p");
          if (rate > 0) {
            pipelineOpen =
                runPhase(
                    "pipeline",
                    generator,
                    LoadGenerator.Mode.openLoop(rate),
                    request,
                    formatName,
                    stack);
            results.add(pipelineOpen);
          }
          if (findMax || rate == 0) {
            pipelineMax =
                runPhase(
                    "pipeline-max",
                    generator,
                    LoadGenerator.Mode.closedLoop(inFlight),
                    request,
                    formatName,
                    stack);
            results.add(pipelineMax);
          }
        }
      }

      // 2. Raw ONNX Runtime, with the job cancelled so the JVM is quiet.
      ResultRow rawBest = null;
      if (phases.contains(Phase.RAW)) {
        if (stack != null) {
          stack.cancelJob();
        }
        rawBest = rawCeiling(spec, version, jobConfig, formatName, results);
      }

      // 3. Passthrough: the same job and Kafka path without ONNX Runtime.
      ResultRow passthrough = null;
      if (passthroughPhase) {
        if (stack == null) {
          System.out.println(
              "passthrough: skipped (--bootstrap: start that stack with"
                  + " inference.passthrough=true to measure it)");
        } else {
          Map<String, String> options = new LinkedHashMap<>(jobOptions);
          options.put(InferenceOptions.PASSTHROUGH.key(), "true");
          String topic = stack.submitJob(repository, options);
          try (ClientSet set =
              ClientSet.open(
                  clients, bootstrapServers, topic, replyTopic, timeout, producerOptions)) {
            passthrough =
                runPhase(
                    "passthrough-max",
                    generator(set, request, "t"),
                    LoadGenerator.Mode.closedLoop(inFlight),
                    request,
                    formatName,
                    stack);
            results.add(passthrough);
          }
        }
      }

      summarize(pipelineOpen, pipelineMax, rawBest, passthrough, results);
    } finally {
      if (!results.isEmpty()) {
        CsvReport.write(csv, results);
        System.out.println();
        System.out.println("CSV: " + csv.toAbsolutePath());
      }
      if (stack != null) {
        stack.close();
      }
    }
    return 0;
  }

  private LoadGenerator generator(ClientSet set, RequestPayload request, String prefix) {
    // Request ids unique across phases and runs: a late reply can never match a newer call.
    String idPrefix = prefix + Long.toString(System.currentTimeMillis(), 36) + "-";
    return new LoadGenerator(
        set.clients(), request, encodeEach, timingsEvery, timeout.plusSeconds(5), idPrefix);
  }

  private ResultRow runPhase(
      String phase,
      LoadGenerator generator,
      LoadGenerator.Mode mode,
      RequestPayload request,
      String formatName,
      BenchmarkStack stack)
      throws Exception {
    System.out.printf(
        Locale.ROOT,
        "%n[%s] %s, warmup %s..%s (until JIT < %.0f ms/s), measured %s ...%n",
        phase,
        mode.open()
            ? String.format(Locale.ROOT, "open loop at %.0f req/s", mode.ratePerSecond())
            : "closed loop, " + mode.inFlight() + " in flight",
        human(warmup),
        human(warmupMax),
        jitSettled,
        human(duration));
    Duration lastWarmup = warmUp(generator, mode);
    PhaseCpu phaseCpu = new PhaseCpu(cpuBreakdown);
    LoadGenerator.Result result = generator.run(mode, lastWarmup, duration, phaseCpu);
    CpuSampler.Usage usage = phaseCpu.usage;
    Map<String, Double> breakdown = phaseCpu.breakdown;
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
        notes.add("job " + status + ": " + stack.jobFailure());
      }
    }
    ResultRow row =
        new ResultRow(
            phase,
            model,
            formatName,
            request.rows(),
            clients,
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
            String.join("; ", notes));
    printPhase(row, result);
    if (breakdown != null) {
      System.out.print("  cpu by thread group (cores):\n" + ThreadCpu.describe(breakdown));
    }
    return row;
  }

  /**
   * Runs the phase's load unmeasured in steps until at least {@code --warmup} has passed and the
   * JIT has settled, or {@code --warmup-max}; returns the warmup the measured run still needs, so
   * that it starts loaded rather than from idle.
   */
  private Duration warmUp(LoadGenerator generator, LoadGenerator.Mode mode) {
    if (warmup.isZero()) {
      return Duration.ZERO;
    }
    Duration step = Duration.ofSeconds(5);
    Duration lead = Duration.ofSeconds(2);
    long start = System.nanoTime();
    long least = warmup.minus(lead).toNanos();
    long most = warmupMax.minus(lead).toNanos();
    boolean settled = false;
    long elapsed = 0;
    while (elapsed < most && !(settled && elapsed >= least)) {
      JitMeter jitMeter = JitMeter.start();
      LoadGenerator.Result result = generator.run(mode, Duration.ZERO, step);
      double jit = jitMeter.millisPerSecond();
      settled = jit < jitSettled;
      elapsed = System.nanoTime() - start;
      long failed = result.stats().errors() + result.stats().timeouts();
      System.out.printf(
          Locale.ROOT,
          "  warmup %5.1f s: %10.1f req/s, JIT %4.0f ms/s%s%n",
          elapsed / 1e9,
          result.achievedPerSecond(),
          jit,
          failed > 0 ? ", " + failed + " failed" : "");
    }
    return lead;
  }

  /**
   * JIT work per second: CPU time of the compiler threads where {@code /proc} shows them, else the
   * JVM's compilation time (wall time, inflated on a busy machine).
   */
  private record JitMeter(long startNanos, JvmThreadsCpu.Times startCpu, long startMillis) {
    static JitMeter start() {
      return new JitMeter(System.nanoTime(), JvmThreadsCpu.read(), ThreadCpu.jitMillis());
    }

    double millisPerSecond() {
      double seconds = (System.nanoTime() - startNanos) / 1e9;
      JvmThreadsCpu.Times now = startCpu == null ? null : JvmThreadsCpu.read();
      if (now != null) {
        return (now.jitNanos() - startCpu.jitNanos()) / 1e6 / seconds;
      }
      return (ThreadCpu.jitMillis() - startMillis) / seconds;
    }
  }

  /** CPU use over a phase's measured window (not its warmup). */
  private static final class PhaseCpu implements LoadGenerator.WindowListener {
    private final boolean byThread;
    private CpuSampler cpu;
    private ThreadCpu threadCpu;
    volatile CpuSampler.Usage usage = new CpuSampler.Usage(Double.NaN, Double.NaN, 0);
    volatile Map<String, Double> breakdown;

    PhaseCpu(boolean byThread) {
      this.byThread = byThread;
    }

    @Override
    public void windowStarted() {
      threadCpu = byThread ? ThreadCpu.start() : null;
      cpu = CpuSampler.start();
    }

    @Override
    public void windowEnded() {
      usage = cpu.stop();
      breakdown = threadCpu == null ? null : threadCpu.stop(15);
    }
  }

  private ResultRow rawCeiling(
      ModelSpec spec,
      ModelVersionSpec version,
      InferenceJobConfig jobConfig,
      String formatName,
      List<ResultRow> results)
      throws Exception {
    int maxBatch = spec.batching().maxBatchSize();
    List<Integer> batches =
        rawBatches.stream().filter(b -> b >= rows && b % rows == 0 && b <= maxBatch).toList();
    if (batches.isEmpty()) {
      batches = List.of(rows);
    }
    int threads = jobConfig.inferenceThreads();
    int intraOp = jobConfig.intraOpThreads();
    System.out.printf(
        Locale.ROOT,
        "%n[raw-ort] %s in this JVM: %d threads sharing one session, intra-op %d, batches %s"
            + " (max_batch_size %d), %s each ...%n",
        model,
        threads,
        intraOp,
        batches,
        maxBatch,
        human(rawTime));
    ResultRow best = null;
    Path file = Path.of(URI.create(version.artifactUri()));
    try (RawOrtCeiling raw = new RawOrtCeiling(file, version.inputs(), threads, intraOp)) {
      for (int batch : batches) {
        CpuSampler cpu = CpuSampler.start();
        RawOrtCeiling.Point point = raw.measure(batch, Duration.ofSeconds(1), rawTime);
        CpuSampler.Usage usage = cpu.stop();
        ResultRow.Percentiles run = ResultRow.Percentiles.ofMicros(point.runMicros());
        ResultRow row =
            new ResultRow(
                "raw-ort-b" + batch,
                model,
                formatName,
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
        System.out.printf(
            Locale.ROOT,
            "  batch %3d: %12.1f items/s  (%d runs; run p50 %.3f ms, p99 %.3f ms; %s)%n",
            batch,
            point.itemsPerSecond(),
            point.runs(),
            run.p50(),
            run.p99(),
            usage.describe());
        results.add(row);
        if (best == null || row.itemsPerSecond() > best.itemsPerSecond()) {
          best = row;
        }
      }
    }
    System.out.printf(
        Locale.ROOT,
        "  ceiling: %.1f items/s at batch %.0f%n",
        best.itemsPerSecond(),
        best.batchMean());
    return best;
  }

  private void summarize(
      ResultRow open,
      ResultRow max,
      ResultRow raw,
      ResultRow passthrough,
      List<ResultRow> results) {
    System.out.println();
    System.out.println("== summary ==");
    if (open != null) {
      System.out.printf(
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
    ResultRow pipeline = max != null ? max : open;
    if (pipeline == null) {
      return;
    }
    String basis =
        max != null
            ? "closed-loop saturation"
            : "open loop at --rate (not saturated: add --find-max)";
    System.out.printf(
        Locale.ROOT,
        "pipeline throughput: %.1f req/s = %.1f items/s (%s); queue delay p50 %s p99 %s ms%n",
        pipeline.achievedPerSecond(),
        pipeline.itemsPerSecond(),
        basis,
        ms(pipeline.queue().p50()),
        ms(pipeline.queue().p99()));
    List<String> ratios = new ArrayList<>();
    if (raw != null) {
      double ratio = pipeline.itemsPerSecond() / raw.itemsPerSecond();
      System.out.printf(
          Locale.ROOT,
          "raw ONNX Runtime ceiling: %.1f items/s (batch %.0f) -> pipeline / raw = %.3f%n",
          raw.itemsPerSecond(),
          raw.batchMean(),
          ratio);
      ratios.add(String.format(Locale.ROOT, "pipeline/raw=%.3f", ratio));
    }
    if (passthrough != null) {
      double ratio = pipeline.itemsPerSecond() / passthrough.itemsPerSecond();
      System.out.printf(
          Locale.ROOT,
          "passthrough (same job and Kafka path, no ONNX Runtime): %.1f items/s ->"
              + " pipeline / passthrough = %.3f%n",
          passthrough.itemsPerSecond(),
          ratio);
      ratios.add(String.format(Locale.ROOT, "pipeline/passthrough=%.3f", ratio));
    }
    if (!ratios.isEmpty()) {
      int index = results.indexOf(pipeline);
      String notes = pipeline.notes();
      results.set(
          index,
          pipeline.withNotes(
              String.join("; ", ratios) + (notes == null || notes.isEmpty() ? "" : "; " + notes)));
    }
  }

  private void printPhase(ResultRow row, LoadGenerator.Result result) {
    System.out.printf(
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
    printLatency("end-to-end", row.endToEnd());
    printLatency("added", row.added());
    printLatency("queue", row.queue());
    printLatency("inference", row.inference());
    System.out.printf(
        Locale.ROOT, "  batch size mean %.2f rows; %s%n", row.batchMean(), row.notes());
  }

  private static void printLatency(String what, ResultRow.Percentiles p) {
    System.out.printf(
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

  private static double mean(Histogram histogram) {
    return histogram.getTotalCount() == 0 ? Double.NaN : histogram.getMean();
  }

  private static String human(Duration d) {
    long ms = d.toMillis();
    return ms % 1000 == 0 ? (ms / 1000) + "s" : ms + "ms";
  }

  private void validate() {
    CommandLine cli = new CommandLine(this);
    if (rate < 0 || Double.isNaN(rate) || Double.isInfinite(rate)) {
      throw new CommandLine.ParameterException(cli, "--rate must be >= 0, was " + rate);
    }
    if (duration.isZero() || duration.isNegative()) {
      throw new CommandLine.ParameterException(cli, "--duration must be positive");
    }
    if (warmup.isNegative()) {
      throw new CommandLine.ParameterException(cli, "--warmup must not be negative");
    }
    if (rows < 1 || clients < 1 || inFlight < 1 || parallelism < 1 || timingsEvery < 1) {
      throw new CommandLine.ParameterException(
          cli, "--rows, --clients, --in-flight, --parallelism and --timings-every must be >= 1");
    }
    if (replyPartitions < clients) {
      throw new CommandLine.ParameterException(
          cli, "--reply-partitions must be >= --clients (one reply partition per client)");
    }
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

  private static int partitions(String bootstrapServers, String topic) throws Exception {
    try (Admin admin =
        Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers))) {
      return admin
          .describeTopics(List.of(topic))
          .allTopicNames()
          .get(30, TimeUnit.SECONDS)
          .get(topic)
          .partitions()
          .size();
    }
  }

  /** The load generator's clients: one per reply partition 0..n-1. */
  record ClientSet(List<InferenceClient> clients) implements AutoCloseable {
    static ClientSet open(
        int count,
        String bootstrapServers,
        String requestTopic,
        String replyTopic,
        Duration timeout,
        Map<String, String> producerOptions) {
      List<InferenceClient> opened = new ArrayList<>();
      try {
        for (int partition = 0; partition < count; partition++) {
          InferenceClient.Builder builder =
              InferenceClient.builder()
                  .bootstrapServers(bootstrapServers)
                  .requestTopic(requestTopic)
                  .replyTopic(replyTopic)
                  .replyPartition(partition)
                  .defaultTimeout(timeout);
          producerOptions.forEach(builder::producerProperty);
          opened.add(builder.build());
        }
      } catch (RuntimeException e) {
        opened.forEach(InferenceClient::close);
        throw e;
      }
      return new ClientSet(List.copyOf(opened));
    }

    @Override
    public void close() {
      clients.forEach(InferenceClient::close);
    }
  }
}
