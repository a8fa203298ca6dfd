package io.inferstream.local;

import io.inferstream.job.InferenceJobConfig;
import io.inferstream.job.InferenceOptions;
import io.inferstream.job.embedded.EmbeddedJobCluster;
import io.inferstream.kafka.embedded.EmbeddedKafkaBroker;
import io.inferstream.registry.ModelRegistry;
import io.inferstream.registry.RegistrySettings;
import io.inferstream.schemas.ModelSpec;
import io.inferstream.topics.InferenceTopics;
import io.inferstream.topics.TopicSettings;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.apache.flink.api.common.JobID;
import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.ConfigOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.CoreOptions;
import org.apache.flink.configuration.MetricOptions;
import org.apache.flink.configuration.RestOptions;
import org.apache.flink.configuration.StateBackendOptions;
import org.apache.flink.configuration.TaskManagerOptions;
import org.apache.flink.configuration.WebOptions;
import org.apache.flink.metrics.prometheus.PrometheusReporterFactory;
import org.apache.flink.runtime.jobmaster.JobResult;
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

  private static final Duration RUNNING_TIMEOUT = Duration.ofMinutes(3);
  private static final Duration STOP_TIMEOUT = Duration.ofSeconds(30);

  /** The reporter's name under {@code metrics.reporter.}, as in the standalone config.yaml. */
  private static final String PROMETHEUS_REPORTER = "prom";

  /**
   * The Prometheus reporter's port (or range): an argument the reporter reads under its prefix, for
   * which flink-metrics-prometheus publishes no {@link ConfigOption}.
   */
  private static final ConfigOption<String> PROMETHEUS_PORT =
      ConfigOptions.key("port").stringType().noDefaultValue();

  /**
   * How the stack is laid out; ports are the fixed defaults of {@code bin/inferstream up} unless a
   * test overrides.
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
      int metricsPort,
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
      if (metricsPort < 1
          || metricsPort > 65535
          || metricsPort == registryPort
          || metricsPort == webPort
          || metricsPort == kafkaPort
          || metricsPort == kafkaPort + 1) {
        throw new IllegalArgumentException(
            "--metrics-port must be 1..65535 and differ from the other ports, was " + metricsPort);
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

    /** The job's metrics in the Prometheus text format (Flink's Prometheus reporter). */
    public String metricsUrl() {
      return "http://localhost:" + metricsPort + "/metrics";
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
  private EmbeddedJobCluster cluster;
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
      ports.put(settings.metricsPort(), "Prometheus metrics, --metrics-port");
    }
    Ports.requireFree(ports);
    settings.home().lock();
    locked = true;
    if (settings.clean()) {
      progress.accept("Wiping broker data and checkpoints in " + settings.home().root());
      settings.home().clean();
    }

    Configuration conf = flinkConfiguration();
    InferenceJobConfig.from(conf); // a bad job option fails here, before anything is started
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
    try {
      synchronized (closeLock) {
        checkStop(stopRequested);
        // The stack owns its MiniCluster (web UI included), so close() can wait for it to stop.
        cluster = EmbeddedJobCluster.start(conf, settings.parallelism());
        jobId = cluster.submit(conf, settings.parallelism());
        jobResult = cluster.result(jobId);
      }
    } catch (StartInterruptedException e) {
      throw e;
    } catch (Exception e) {
      if (Ports.isBindFailure(e)) {
        throw new UnavailableException(
            "port "
                + settings.webPort()
                + " (Flink web UI, --web-port) or "
                + settings.metricsPort()
                + " (Prometheus metrics, --metrics-port) is already in use:"
                + " is another Flink running?");
      }
      throw new IllegalStateException("could not start the Flink MiniCluster: " + e, e);
    }
    try {
      cluster.awaitAllTasksRunning(
          jobId, RUNNING_TIMEOUT, () -> closed || stopRequested.getAsBoolean());
    } catch (CancellationException e) {
      throw new StartInterruptedException();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new StartInterruptedException();
    }
    LOG.info("Inference job {} running with all its tasks", jobId);
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
        cluster.cancel(jobId, STOP_TIMEOUT);
        LOG.info("Job cancelled in {} ms", millisSince(started));
      } catch (Exception e) {
        LOG.warn("Job did not cancel cleanly within {} s", STOP_TIMEOUT.toSeconds(), e);
      }
    }
    if (cluster != null) {
      long started = System.nanoTime();
      try {
        cluster.close();
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

  /** The MiniCluster's and the job's configuration: every key through its {@link ConfigOption}. */
  private Configuration flinkConfiguration() {
    Configuration conf = new Configuration();
    conf.set(RestOptions.ADDRESS, "localhost");
    conf.set(RestOptions.BIND_ADDRESS, "localhost");
    conf.set(RestOptions.PORT, settings.webPort());
    conf.set(RestOptions.BIND_PORT, String.valueOf(settings.webPort()));
    conf.set(CoreOptions.DEFAULT_PARALLELISM, settings.parallelism());
    conf.set(TaskManagerOptions.NUM_TASK_SLOTS, settings.parallelism());
    conf.set(StateBackendOptions.STATE_BACKEND, "rocksdb");
    conf.set(CheckpointingOptions.CHECKPOINTING_INTERVAL, settings.checkpointInterval());
    conf.set(
        CheckpointingOptions.CHECKPOINTS_DIRECTORY,
        settings.home().checkpointDir().toUri().toString());
    String logFile = System.getProperty("inferstream.log.file");
    if (logFile != null) {
      conf.set(WebOptions.LOG_PATH, logFile); // the web UI's "Job Manager > Logs" tab
    }
    // As the standalone cluster's config.yaml: Flink's Prometheus reporter, without the attempt
    // ids as labels (they change on every restart and would start new time series each time).
    Configuration prometheus = MetricOptions.forReporter(conf, PROMETHEUS_REPORTER);
    prometheus.set(MetricOptions.REPORTER_FACTORY_CLASS, PrometheusReporterFactory.class.getName());
    prometheus.set(PROMETHEUS_PORT, String.valueOf(settings.metricsPort()));
    prometheus.set(MetricOptions.REPORTER_EXCLUDED_VARIABLES, "task_attempt_id;task_attempt_num");
    conf.set(InferenceOptions.BOOTSTRAP_SERVERS, settings.bootstrapServers());
    return conf;
  }

  private void createTopics() {
    Map<String, Object> props = new LinkedHashMap<>();
    props.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, settings.bootstrapServers());
    try (Admin admin = Admin.create(props)) {
      InferenceTopics.createIfAbsent(admin, TopicSettings.defaults(), Duration.ofSeconds(30));
    }
  }

  private void checkStop(BooleanSupplier stopRequested) {
    if (closed || stopRequested.getAsBoolean()) {
      throw new StartInterruptedException();
    }
  }

  private static long millisSince(long nanos) {
    return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - nanos);
  }
}
