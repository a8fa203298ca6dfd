package io.inferstream.bench;

import ai.onnxruntime.OrtEnvironment;
import io.inferstream.client.InferenceClient;
import io.inferstream.client.InferenceReply;
import io.inferstream.job.InferenceJobConfig;
import io.inferstream.schemas.ModelSpec;
import io.inferstream.schemas.ModelStatusEvent;
import io.inferstream.schemas.ModelVersionSpec;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.apache.flink.configuration.Configuration;

/**
 * {@code bin/benchmark cold-load}: per model, smallest artifact first, the isolated load in a child
 * JVM, then the in-stack load through the pipeline; prints the table and writes the CSV.
 */
final class ColdLoadRun {
  /** What to measure, from the command line. */
  record Settings(
      Path repository,
      List<String> only,
      int warmRequests,
      int pipelineWarmup,
      RequestPayload.Format format,
      boolean isolated,
      boolean inStack,
      Map<String, String> jobOptions,
      int parallelism,
      Path kafkaDir,
      Duration timeout,
      Path csv) {}

  /** Not in any repository: its artifact does not exist, so loading it always fails. */
  static final String DECOY = "cold-load-decoy";

  private static final double MB = 1024.0 * 1024.0;
  private static final Duration READY_WAIT = Duration.ofSeconds(30);

  private final Settings settings;
  private final PrintStream out;

  ColdLoadRun(Settings settings, PrintStream out) {
    this.settings = settings;
    this.out = out;
  }

  /** What the in-stack part measured for one model. */
  private record StackFigures(
      double firstMillis,
      double warmMillis,
      long loadMillis,
      long rssBefore,
      long rssAfter,
      String notes) {}

  void run() throws Exception {
    out.printf(
        Locale.ROOT,
        "inferstream cold-load: repository %s%nmachine: %d cores, load average %.2f; JVM max heap"
            + " %d MiB%n%n",
        settings.repository(),
        Runtime.getRuntime().availableProcessors(),
        ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage(),
        Runtime.getRuntime().maxMemory() >> 20);
    List<ModelSpec> all = readSpecs();
    List<ModelSpec> chosen = choose(all);
    out.printf(
        "models (smallest artifact first): %s%n", chosen.stream().map(ModelSpec::name).toList());

    Map<String, ModelLoadProbe.Result> isolated = new HashMap<>();
    Map<String, ModelLoadProbe.Result> nativeOnly = new HashMap<>();
    Map<String, String> notes = new LinkedHashMap<>();
    if (settings.isolated()) {
      out.printf(
          "%n[isolated] two fresh JVMs per model: %s%n"
              + "  default heap: what a fresh process sees (the artifact's heap copy included);%n"
              + "  native: with %s (-Xms = -Xmx = max(512m, 4 x artifact)), heap use no longer"
              + " moves the resident set: ONNX Runtime's own memory for the session%n",
          String.join(" ", childCommandShape()), String.join(" ", nativeHeapOptions(0)));
      for (ModelSpec spec : chosen) {
        probeInto(spec, List.of(), "default heap", isolated, notes);
        probeInto(
            spec,
            nativeHeapOptions(artifactBytes(spec.resolve(null))),
            "native      ",
            nativeOnly,
            notes);
      }
    }

    Map<String, StackFigures> stack = new HashMap<>();
    try {
      if (settings.inStack()) {
        inStack(all, chosen, stack);
      }
    } finally {
      List<ColdLoadRow> rows = new ArrayList<>();
      for (ModelSpec spec : chosen) {
        ModelVersionSpec version = spec.resolve(null);
        StackFigures figures = stack.get(spec.name());
        String note =
            String.join(
                "; ",
                Stream.of(notes.get(spec.name()), figures == null ? null : figures.notes())
                    .filter(n -> n != null && !n.isEmpty())
                    .toList());
        rows.add(
            new ColdLoadRow(
                spec.name(),
                version.version(),
                artifactBytes(version),
                figures == null ? Double.NaN : figures.firstMillis(),
                figures == null ? Double.NaN : figures.warmMillis(),
                figures == null ? -1 : figures.loadMillis(),
                figures == null ? -1 : figures.rssBefore(),
                figures == null ? -1 : figures.rssAfter(),
                isolated.get(spec.name()),
                nativeOnly.get(spec.name()),
                note));
      }
      if (!isolated.isEmpty() || !stack.isEmpty()) {
        out.println();
        out.print(ColdLoadReport.table(rows));
        out.println();
        out.println(
            "first request / warm: end to end through Kafka and the job (warm = median of "
                + settings.warmRequests()
                + " after the first); load_millis: the job's fetch + sha256 + session + all-zeros"
                + " warm-up row, from its READY event.");
        out.println(
            "RSS delta: VmRSS growth, each side after System.gc(), session open; in-stack ="
                + " this JVM (broker, Flink and clients share it, models loaded one after another);"
                + " isolated = a fresh JVM per model, default heap; native = a fresh JVM per model"
                + " with its heap touched in advance (ONNX Runtime's memory for the session, what"
                + " inference.model.memory-factor should estimate); ratios = delta / artifact"
                + " size (artifacts >= 1 MB); native peak = VmHWM over the baseline during the"
                + " load (session build). The CSV also has the default-heap peak and the timings"
                + " of each step of the isolated load.");
        ColdLoadReport.writeCsv(settings.csv(), rows);
        out.println("csv: " + settings.csv().toAbsolutePath().normalize());
      }
    }
  }

  /** The repository's specs, read in a child JVM so that this one has had no ONNX session yet. */
  private List<ModelSpec> readSpecs() throws Exception {
    ChildJvm.Output output =
        ChildJvm.run(
            ChildJvm.command(
                RepositorySpecs.class.getName(), List.of(settings.repository().toString())),
            settings.timeout());
    if (output.exitCode() != 0) {
      throw new IllegalStateException(
          "cannot read the model repository "
              + settings.repository()
              + " (child JVM exit code "
              + output.exitCode()
              + "):\n"
              + ChildJvm.tail(output.stderr() + output.stdout(), 10));
    }
    return RepositorySpecs.parse(output.stdout());
  }

  private List<ModelSpec> choose(List<ModelSpec> all) {
    Set<String> names = new TreeSet<>();
    all.forEach(s -> names.add(s.name()));
    for (String wanted : settings.only()) {
      if (!names.contains(wanted)) {
        throw new SetupException(
            "model '"
                + wanted
                + "' is not in "
                + settings.repository()
                + " (it has "
                + names
                + ")");
      }
    }
    if (all.isEmpty()) {
      throw new SetupException("no models in " + settings.repository());
    }
    return all.stream()
        .filter(s -> settings.only().isEmpty() || settings.only().contains(s.name()))
        .sorted(
            Comparator.comparingLong((ModelSpec s) -> artifactBytes(s.resolve(null)))
                .thenComparing(ModelSpec::name))
        .toList();
  }

  private static long artifactBytes(ModelVersionSpec version) {
    try {
      return Files.size(Path.of(URI.create(version.artifactUri())));
    } catch (Exception e) {
      return -1;
    }
  }

  private List<String> childCommandShape() {
    List<String> command =
        new ArrayList<>(
            ChildJvm.command(
                ModelLoadProbe.class.getName(),
                List.of("<repository>/<model>/<version>/model.onnx", "--key-value")));
    int cp = command.indexOf("-cp");
    if (cp >= 0 && cp + 1 < command.size()) {
      command.set(cp + 1, "<this classpath>");
    }
    return command;
  }

  /**
   * Heap options under which Java heap use does not move the resident set: the whole heap touched
   * at start, large enough for the artifact's copy and the reading and hashing around it.
   */
  static List<String> nativeHeapOptions(long artifactBytes) {
    long megabytes = Math.max(512, ((4 * Math.max(0, artifactBytes) >> 20) / 64 + 1) * 64);
    return List.of("-Xms" + megabytes + "m", "-Xmx" + megabytes + "m", "-XX:+AlwaysPreTouch");
  }

  private void probeInto(
      ModelSpec spec,
      List<String> jvmOptions,
      String label,
      Map<String, ModelLoadProbe.Result> into,
      Map<String, String> notes)
      throws InterruptedException {
    try {
      ModelLoadProbe.Result result = probe(spec, jvmOptions);
      into.put(spec.name(), result);
      out.println("  " + label + "  " + ModelLoadProbe.humanLine(result));
    } catch (IllegalStateException | IllegalArgumentException e) {
      out.printf("  %s  %-18s FAILED: %s%n", label, spec.name(), e.getMessage());
      notes.merge(spec.name(), label.trim() + " probe failed", (a, b) -> a + "; " + b);
    }
  }

  private ModelLoadProbe.Result probe(ModelSpec spec, List<String> jvmOptions)
      throws InterruptedException {
    Path artifact = Path.of(URI.create(spec.resolve(null).artifactUri()));
    ChildJvm.Output output =
        ChildJvm.run(
            ChildJvm.command(
                ModelLoadProbe.class.getName(),
                jvmOptions,
                List.of(artifact.toString(), "--key-value")),
            settings.timeout());
    if (output.exitCode() != 0) {
      throw new IllegalStateException(
          "exit code " + output.exitCode() + ": " + ChildJvm.tail(output.stderr(), 5));
    }
    ModelLoadProbe.Result result = ModelLoadProbe.Result.parse(output.stdout());
    // The child names the model by its directory; the table names it by the spec.
    return new ModelLoadProbe.Result(
        spec.name(),
        result.artifactBytes(),
        result.sha256(),
        result.readMillis(),
        result.sessionMillis(),
        result.firstRowMillis(),
        result.warmRowMillis(),
        result.rssBefore(),
        result.rssAfter(),
        result.peakRss());
  }

  private void inStack(List<ModelSpec> all, List<ModelSpec> chosen, Map<String, StackFigures> into)
      throws Exception {
    Configuration jobConf = new Configuration();
    settings.jobOptions().forEach(jobConf::setString);
    InferenceJobConfig jobConfig = InferenceJobConfig.from(jobConf);

    out.printf("%n[in-stack] broker + MiniCluster + inference job in this JVM%n");
    // The native library and ONNX Runtime's environment belong to no model: load them first.
    long rssNoOrt = settledRss();
    BigStack.call("ort-environment", OrtEnvironment::getEnvironment);
    long rssOrt = settledRss();
    out.printf(
        Locale.ROOT,
        "  ONNX Runtime environment loaded before the stack: RSS %.1f -> %.1f MB%n",
        rssNoOrt / MB,
        rssOrt / MB);

    long started = System.nanoTime();
    try (BenchmarkStack stack =
        BenchmarkStack.start(settings.parallelism(), 1, settings.kafkaDir())) {
      List<ModelSpec> published = new ArrayList<>(all);
      ModelSpec decoy = settings.pipelineWarmup() > 0 ? decoy(chosen.get(0)) : null;
      if (decoy != null) {
        published.add(decoy);
      }
      String requestTopic = stack.submitJob(published, settings.jobOptions());
      out.printf(
          Locale.ROOT,
          "  stack and job running in %.1f s (parallelism %d, inference threads %d x intra-op %d)%n",
          (System.nanoTime() - started) / 1e9,
          settings.parallelism(),
          jobConfig.inferenceThreads(),
          jobConfig.intraOpThreads());
      try (StatusWatcher status =
              new StatusWatcher(stack.bootstrapServers(), jobConfig.statusTopic());
          InferenceClient client =
              InferenceClient.builder()
                  .bootstrapServers(stack.bootstrapServers())
                  .requestTopic(requestTopic)
                  .replyTopic(BenchmarkStack.REPLY_TOPIC)
                  .replyPartition(0)
                  .defaultTimeout(settings.timeout())
                  .build()) {
        Sender sender = new Sender(client, settings.timeout());
        if (decoy != null) {
          warmPipeline(sender, decoy);
        }
        List<String> loaded =
            status.events().stream()
                .filter(e -> !DECOY.equals(e.model()))
                .filter(e -> e.state() != ModelStatusEvent.State.FAILED)
                .map(e -> e.model() + " " + e.state())
                .toList();
        if (!loaded.isEmpty()) {
          throw new IllegalStateException("models loaded before their first request: " + loaded);
        }
        out.println("  no model loaded (model-status has no LOADING or READY event)");
        for (ModelSpec spec : chosen) {
          StackFigures figures = coldLoad(sender, status, spec);
          into.put(spec.name(), figures);
        }
      }
    }
  }

  /**
   * A copy of the smallest model's signature under another name, with an artifact that does not
   * exist: its requests pass the router and reach the inference operator, whose load fails (503).
   */
  static ModelSpec decoy(ModelSpec like) {
    ModelVersionSpec version = like.resolve(null);
    ModelVersionSpec missing =
        new ModelVersionSpec(
            version.version(),
            Path.of(System.getProperty("java.io.tmpdir"), "inferstream-cold-load-no-such-model")
                .resolve("model.onnx")
                .toUri()
                .toString(),
            "0".repeat(64),
            version.inputs(),
            version.outputs(),
            version.createdMillis());
    return new ModelSpec(
        DECOY,
        1,
        List.of(missing),
        Map.of(ModelSpec.PROD, missing.version()),
        null,
        like.batching(),
        1,
        like.device(),
        1.0,
        0);
  }

  private void warmPipeline(Sender sender, ModelSpec decoy) throws Exception {
    RequestPayload payload =
        RequestPayload.create(DECOY, decoy.resolve(null).inputs(), 1, settings.format());
    int[] statuses = new int[settings.pipelineWarmup()];
    double[] millis = new double[statuses.length];
    for (int i = 0; i < statuses.length; i++) {
      long start = System.nanoTime();
      statuses[i] = sender.send(payload).status();
      millis[i] = (System.nanoTime() - start) / 1e6;
    }
    out.printf(
        Locale.ROOT,
        "  pipeline warmed: %d requests to an unloadable decoy model, replies %s, first %.1f ms,"
            + " last %.1f ms%n",
        statuses.length,
        Arrays.stream(statuses).distinct().sorted().boxed().toList(),
        millis[0],
        millis[millis.length - 1]);
  }

  private StackFigures coldLoad(Sender sender, StatusWatcher status, ModelSpec spec)
      throws Exception {
    ModelVersionSpec version = spec.resolve(null);
    RequestPayload payload =
        RequestPayload.create(spec.name(), version.inputs(), 1, settings.format());
    List<String> notes = new ArrayList<>();
    long rssBefore = settledRss();
    // The machine may be shared: what else ran shows in the 1-minute load average (ours included).
    notes.add(
        String.format(
            Locale.ROOT,
            "load average %.2f",
            ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage()));

    long start = System.nanoTime();
    InferenceReply first = sender.send(payload);
    double firstMillis = (System.nanoTime() - start) / 1e6;
    if (!first.ok()) {
      notes.add("first reply status " + first.status());
    }
    ModelStatusEvent ready =
        status.await(
            e ->
                spec.name().equals(e.model())
                    && version.sha256().equals(e.sha256())
                    && (e.state() == ModelStatusEvent.State.READY
                        || e.state() == ModelStatusEvent.State.FAILED),
            READY_WAIT);
    long loadMillis = -1;
    if (ready == null) {
      notes.add("no READY event within " + READY_WAIT.toSeconds() + " s");
    } else if (ready.state() == ModelStatusEvent.State.FAILED) {
      notes.add("FAILED: " + ready.cause());
    } else {
      loadMillis = ready.loadMillis();
    }

    double[] warm = new double[settings.warmRequests()];
    for (int i = 0; i < warm.length; i++) {
      long t = System.nanoTime();
      InferenceReply reply = sender.send(payload);
      warm[i] = (System.nanoTime() - t) / 1e6;
      if (!reply.ok()) {
        notes.add("warm reply status " + reply.status());
      }
    }
    double warmMillis = median(warm);
    long rssAfter = settledRss();
    out.printf(
        Locale.ROOT,
        "  %-18s first request %8.1f ms  warm %6.1f ms  load_millis %6s  RSS %7.1f -> %7.1f MB"
            + " (%+.1f)%s%n",
        spec.name(),
        firstMillis,
        warmMillis,
        loadMillis < 0 ? "-" : Long.toString(loadMillis),
        rssBefore / MB,
        rssAfter / MB,
        (rssAfter - rssBefore) / MB,
        "  [" + String.join("; ", notes) + "]");
    return new StackFigures(
        firstMillis, warmMillis, loadMillis, rssBefore, rssAfter, String.join("; ", notes));
  }

  static double median(double[] values) {
    if (values.length == 0) {
      return Double.NaN;
    }
    double[] sorted = values.clone();
    Arrays.sort(sorted);
    int mid = sorted.length / 2;
    return sorted.length % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
  }

  /** This JVM's resident set, settled after a GC (the broker and Flink never quite rest). */
  static long settledRss() throws InterruptedException {
    return ProcStatus.settledRss(500, 10);
  }

  /** Sends one request at a time and waits for its reply. */
  private static final class Sender {
    private final InferenceClient client;
    private final Duration timeout;
    private final String idPrefix = "cold-" + Long.toString(System.currentTimeMillis(), 36) + "-";
    private long sequence;

    Sender(InferenceClient client, Duration timeout) {
      this.client = client;
      this.timeout = timeout;
    }

    InferenceReply send(RequestPayload payload) throws Exception {
      CompletableFuture<InferenceReply> reply =
          client.sendRaw(idPrefix + (++sequence), payload.body(), payload.headers(), timeout);
      try {
        return reply.get(timeout.toMillis() + 5000, TimeUnit.MILLISECONDS);
      } catch (ExecutionException e) {
        throw new IllegalStateException(
            "request to " + payload.model() + " failed: " + e.getCause(), e.getCause());
      }
    }
  }
}
