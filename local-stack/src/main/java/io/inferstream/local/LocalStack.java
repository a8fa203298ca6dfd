package io.inferstream.local;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.inferstream.job.InferenceJob;
import io.inferstream.job.InferenceJobConfig;
import io.inferstream.job.InferenceOptions;
import io.inferstream.kafka.embedded.EmbeddedKafkaBroker;
import io.inferstream.registry.ModelRegistry;
import io.inferstream.registry.RegistrySettings;
import io.inferstream.schemas.ModelSpec;
import io.inferstream.topics.InferenceTopics;
import io.inferstream.topics.TopicSettings;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.apache.flink.api.common.JobID;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.runtime.jobmaster.JobResult;
import org.apache.flink.runtime.minicluster.MiniCluster;
import org.apache.flink.runtime.minicluster.MiniClusterConfiguration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.graph.StreamGraph;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The embedded stack in this JVM: a KRaft broker, the inference topics, the model registry (which
 * registers the demo models) and a Flink MiniCluster (web UI, RocksDB, checkpoints) running the
 * inference job over the Kafka sources and sinks. Without the job ({@link Settings#runJob} false)
 * it is the broker and the registry that a standalone Flink cluster's job uses.
 *
 * <p>{@link #start} returns once every task of the job is running (or, without the job, once the
 * registry serves); {@link #close} cancels the job, closes the MiniCluster and then the broker, and
 * may be called from any thread, more than once.
 */
public final class LocalStack implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(LocalStack.class);
  private static final ObjectMapper JSON = new ObjectMapper();

  private static final Duration RUNNING_TIMEOUT = Duration.ofMinutes(3);
  private static final Duration POLL_INTERVAL = Duration.ofMillis(200);
  private static final Duration STOP_TIMEOUT = Duration.ofSeconds(30);

  /**
   * How the stack is laid out; ports are the fixed ones of DESIGN.md unless a test overrides.
   *
   * @param runJob false: only the broker (with the topics) and the registry (seeded), no
   *     MiniCluster and no job, for a job that runs on a standalone Flink cluster
   */
  public record Settings(
      InferstreamHome home,
      Path modelRepository,
      int kafkaPort,
      int webPort,
      int registryPort,
      int parallelism,
      Duration checkpointInterval,
      boolean clean,
      boolean runJob) {
    public Settings {
      Objects.requireNonNull(home, "home");
      Objects.requireNonNull(modelRepository, "modelRepository");
      if (kafkaPort < 1 || kafkaPort > 65534) {
        throw new IllegalArgumentException(
            "--kafka-port must be 1..65534 (the controller uses the next port), was " + kafkaPort);
      }
      if (webPort < 1 || webPort > 65535) {
        throw new IllegalArgumentException("--web-port must be 1..65535, was " + webPort);
      }
      if (webPort == kafkaPort || webPort == kafkaPort + 1) {
        throw new IllegalArgumentException(
            "--web-port "
                + webPort
                + " collides with Kafka's ports "
                + kafkaPort
                + " and "
                + (kafkaPort + 1));
      }
      if (registryPort < 1
          || registryPort > 65535
          || registryPort == webPort
          || registryPort == kafkaPort
          || registryPort == kafkaPort + 1) {
        throw new IllegalArgumentException(
            "--registry-port must be 1..65535 and differ from the Kafka and web ports, was "
                + registryPort);
      }
      if (parallelism < 1) {
        throw new IllegalArgumentException("--parallelism must be >= 1, was " + parallelism);
      }
    }

    public int controllerPort() {
      return kafkaPort + 1;
    }

    public String bootstrapServers() {
      return "localhost:" + kafkaPort;
    }

    public String webUrl() {
      return "http://localhost:" + webPort;
    }

    public String registryUrl() {
      return "http://localhost:" + registryPort;
    }
  }

  /** The stack was asked to stop while it was starting. */
  public static final class StartInterruptedException extends RuntimeException {
    StartInterruptedException() {
      super("stopped while starting");
    }
  }

  private final Settings settings;
  private final Object closeLock = new Object();

  private volatile boolean closed;
  private volatile boolean cancelling;
  private boolean locked;
  private EmbeddedKafkaBroker broker;
  private ModelRegistry registry;
  private List<ModelSpec> models;
  private MiniCluster miniCluster;
  private JobID jobId;
  private CompletableFuture<JobResult> jobResult;

  public LocalStack(Settings settings) {
    this.settings = Objects.requireNonNull(settings, "settings");
  }

  public Settings settings() {
    return settings;
  }

  /**
   * Starts everything and returns once the job runs with all its tasks.
   *
   * @param stopRequested checked between steps; when it turns true, start gives up with {@link
   *     StartInterruptedException}
   * @param progress one short line per step, for the console
   * @throws UnavailableException if a port or the data directory is taken
   */
  public void start(BooleanSupplier stopRequested, Consumer<String> progress) {
    Path models = settings.modelRepository().toAbsolutePath().normalize();
    if (!Files.isDirectory(models)) {
      throw new IllegalArgumentException(
          "model repository " + models + " is not a directory (set it with --models DIR)");
    }
    Map<Integer, String> ports =
        Ports.of(
            settings.kafkaPort(), "Kafka, --kafka-port",
            settings.controllerPort(), "Kafka controller, --kafka-port + 1",
            settings.registryPort(), "model registry, --registry-port");
    if (settings.runJob()) {
      ports.put(settings.webPort(), "Flink web UI, --web-port");
    }
    Ports.requireFree(ports);
    settings.home().lock();
    locked = true;
    if (settings.clean()) {
      progress.accept("Wiping broker data and checkpoints in " + settings.home().root());
      settings.home().clean();
    }

    Configuration conf = flinkConfiguration();
    InferenceJobConfig jobConfig = InferenceJobConfig.from(conf);
    // Bad models fail here, before anything is started.
    this.models = RepositoryPublisher.read(models);
    if (this.models.isEmpty()) {
      throw new IllegalArgumentException("no models in " + models);
    }
    checkStop(stopRequested);

    progress.accept("Starting Kafka on " + settings.bootstrapServers());
    try {
      synchronized (closeLock) {
        checkStop(stopRequested);
        broker =
            EmbeddedKafkaBroker.builder()
                .port(settings.kafkaPort())
                .dataDir(settings.home().kafkaDir())
                .build();
      }
      broker.start();
    } catch (IllegalStateException e) {
      if (Ports.isBindFailure(e) || String.valueOf(e.getMessage()).contains("in use")) {
        throw new UnavailableException(e.getMessage());
      }
      throw e;
    }
    checkStop(stopRequested);
    createTopics();
    checkStop(stopRequested);

    progress.accept("Starting the model registry on " + settings.registryUrl());
    synchronized (closeLock) {
      checkStop(stopRequested);
      registry =
          new ModelRegistry(
              RegistrySettings.builder()
                  .bootstrapServers(settings.bootstrapServers())
                  .port(settings.registryPort())
                  .artifactDir(settings.home().root().resolve("artifacts"))
                  .build());
    }
    try {
      registry.start();
    } catch (RuntimeException e) {
      if (Ports.isBindFailure(e)) {
        throw new UnavailableException(
            "port " + settings.registryPort() + " (model registry, --registry-port) is in use");
      }
      throw e;
    }
    List<String> seeded = registry.seed(models);
    if (!seeded.isEmpty()) {
      progress.accept("Registered " + String.join(", ", seeded) + " from " + models);
    }
    checkStop(stopRequested);
    if (!settings.runJob()) {
      return;
    }

    progress.accept(
        "Starting Flink (web UI on "
            + settings.webUrl()
            + ") and the inference job, parallelism "
            + settings.parallelism());
    StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(conf);
    env.setParallelism(settings.parallelism());
    InferenceJob.buildWithKafka(env, jobConfig);
    StreamGraph graph = env.getStreamGraph();
    graph.setJobName(InferenceJob.JOB_NAME);
    try {
      synchronized (closeLock) {
        checkStop(stopRequested);
        // The stack owns its MiniCluster (web UI included), so close() can wait for it to stop.
        miniCluster =
            new MiniCluster(
                new MiniClusterConfiguration.Builder()
                    .setConfiguration(conf)
                    .setNumTaskManagers(1)
                    .setNumSlotsPerTaskManager(settings.parallelism())
                    .build());
        miniCluster.start();
        jobId = miniCluster.submitJob(graph.getJobGraph()).get().getJobID();
        jobResult = miniCluster.requestJobResult(jobId);
      }
    } catch (StartInterruptedException e) {
      throw e;
    } catch (Exception e) {
      if (Ports.isBindFailure(e)) {
        throw new UnavailableException(
            "port "
                + settings.webPort()
                + " (Flink web UI, --web-port) is already in use: is another Flink running?");
      }
      throw new IllegalStateException("could not start the Flink MiniCluster: " + e, e);
    }
    awaitAllTasksRunning(stopRequested);
  }

  /** The models the job serves, as read from the repository. */
  public List<ModelSpec> models() {
    return models == null ? List.of() : models;
  }

  /** Completes when the job ends: never, unless it is cancelled or fails for good. */
  public CompletableFuture<JobResult> jobTermination() {
    return jobResult == null ? new CompletableFuture<>() : jobResult;
  }

  /** Whether {@link #close} has begun cancelling the job. */
  public boolean stopping() {
    return cancelling || closed;
  }

  /** Cancels the job, closes the MiniCluster, then the broker; frees the ports and the lock. */
  @Override
  public void close() {
    synchronized (closeLock) {
      if (closed) {
        return;
      }
      closed = true;
      cancelling = true;
      stopJobAndCluster();
      removeEmptyCheckpointDir();
      if (registry != null) {
        registry.close();
      }
      if (broker != null) {
        long started = System.nanoTime();
        try {
          broker.close();
          LOG.info("Kafka broker stopped in {} ms", millisSince(started));
        } catch (RuntimeException e) {
          LOG.warn("Kafka broker did not stop cleanly", e);
        }
      }
      if (locked) {
        settings.home().close();
      }
    }
  }

  private void stopJobAndCluster() {
    if (jobId != null) {
      long started = System.nanoTime();
      try {
        if (!jobResult.isDone()) {
          miniCluster.cancelJob(jobId).get(STOP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        }
        jobResult
            .handle((result, failure) -> null)
            .get(STOP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        LOG.info("Job cancelled in {} ms", millisSince(started));
      } catch (Exception e) {
        LOG.warn("Job did not cancel cleanly within {} s", STOP_TIMEOUT.toSeconds(), e);
      }
    }
    if (miniCluster != null) {
      long started = System.nanoTime();
      try {
        miniCluster.closeAsync().get(STOP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        LOG.info("Flink MiniCluster closed in {} ms", millisSince(started));
      } catch (Exception e) {
        LOG.warn("Flink MiniCluster did not close cleanly", e);
      }
    }
  }

  /** A cancelled job's checkpoints are discarded, but its empty directories would pile up. */
  private void removeEmptyCheckpointDir() {
    if (jobId == null) {
      return;
    }
    Path dir = settings.home().checkpointDir().resolve(jobId.toHexString());
    try (Stream<Path> paths = Files.walk(dir)) {
      if (paths.noneMatch(Files::isRegularFile)) {
        InferstreamHome.deleteTree(dir);
      }
    } catch (IOException | RuntimeException e) {
      LOG.debug("Could not tidy {}", dir, e);
    }
  }

  private Configuration flinkConfiguration() {
    Map<String, String> conf = new LinkedHashMap<>();
    conf.put("rest.address", "localhost");
    conf.put("rest.bind-address", "localhost");
    conf.put("rest.port", String.valueOf(settings.webPort()));
    conf.put("rest.bind-port", String.valueOf(settings.webPort()));
    conf.put("parallelism.default", String.valueOf(settings.parallelism()));
    conf.put("taskmanager.numberOfTaskSlots", String.valueOf(settings.parallelism()));
    conf.put("state.backend.type", "rocksdb");
    conf.put("execution.checkpointing.interval", settings.checkpointInterval().toMillis() + " ms");
    conf.put("execution.checkpointing.dir", settings.home().checkpointDir().toUri().toString());
    String logFile = System.getProperty("inferstream.log.file");
    if (logFile != null) {
      conf.put("web.log.path", logFile); // the web UI's "Job Manager > Logs" tab
    }
    conf.put(InferenceOptions.BOOTSTRAP_SERVERS.key(), settings.bootstrapServers());
    return Configuration.fromMap(conf);
  }

  private void createTopics() {
    Map<String, Object> props = new LinkedHashMap<>();
    props.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, settings.bootstrapServers());
    try (Admin admin = Admin.create(props)) {
      InferenceTopics.createIfAbsent(admin, TopicSettings.defaults(), Duration.ofSeconds(30));
    }
  }

  /**
   * A job shows RUNNING while its tasks are still initializing; it serves once {@code tasks.running
   * == tasks.total} in the REST API's job overview.
   */
  private void awaitAllTasksRunning(BooleanSupplier stopRequested) {
    String jobHex = jobId.toHexString();
    URI overview = URI.create(settings.webUrl() + "/jobs/overview");
    HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    long deadline = System.nanoTime() + RUNNING_TIMEOUT.toNanos();
    String lastSeen = "no answer from " + overview;
    while (System.nanoTime() < deadline) {
      checkStop(stopRequested);
      if (jobResult.isDone()) {
        throw new IllegalStateException("the inference job ended while starting: " + outcome());
      }
      try {
        HttpResponse<String> response =
            http.send(
                HttpRequest.newBuilder(overview).timeout(Duration.ofSeconds(5)).GET().build(),
                HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() == 200) {
          for (JsonNode job : JSON.readTree(response.body()).path("jobs")) {
            if (!jobHex.equals(job.path("jid").asText())) {
              continue;
            }
            String state = job.path("state").asText();
            int running = job.path("tasks").path("running").asInt(-1);
            int total = job.path("tasks").path("total").asInt(-2);
            lastSeen = "job " + state + ", " + running + " of " + total + " tasks running";
            if ("RUNNING".equals(state) && running == total && total > 0) {
              LOG.info("Inference job {} running with all {} tasks", jobHex, total);
              return;
            }
          }
        } else {
          lastSeen = "HTTP " + response.statusCode() + " from " + overview;
        }
      } catch (IOException e) {
        lastSeen = "no answer from " + overview + " (" + e.getMessage() + ")";
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new StartInterruptedException();
      }
      sleep(POLL_INTERVAL);
    }
    throw new IllegalStateException(
        "the inference job did not get all its tasks running within "
            + RUNNING_TIMEOUT.toSeconds()
            + " s ("
            + lastSeen
            + ")");
  }

  private String outcome() {
    try {
      JobResult result = jobResult.getNow(null);
      return result == null
          ? "unknown"
          : result.getApplicationStatus()
              + result.getSerializedThrowable().map(t -> ": " + t.getMessage()).orElse("");
    } catch (Exception e) {
      Throwable cause = e;
      while (cause.getCause() != null && cause.getCause() != cause) {
        cause = cause.getCause();
      }
      return cause.toString();
    }
  }

  private void checkStop(BooleanSupplier stopRequested) {
    if (closed || stopRequested.getAsBoolean()) {
      throw new StartInterruptedException();
    }
  }

  private static void sleep(Duration duration) {
    try {
      Thread.sleep(duration.toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new StartInterruptedException();
    }
  }

  private static long millisSince(long nanos) {
    return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - nanos);
  }
}
