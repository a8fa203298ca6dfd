package io.inferstream.bench;

import io.inferstream.job.InferenceJobConfig;
import io.inferstream.job.InferenceOptions;
import io.inferstream.job.embedded.EmbeddedJobCluster;
import io.inferstream.kafka.embedded.EmbeddedKafkaBroker;
import io.inferstream.local.RepositoryPublisher;
import io.inferstream.schemas.ModelSpec;
import io.inferstream.testing.FlinkRest;
import io.inferstream.topics.InferenceTopics;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.apache.flink.api.common.JobID;
import org.apache.flink.api.common.JobStatus;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.MetricOptions;
import org.apache.flink.configuration.RestOptions;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.config.TopicConfig;

/**
 * The system under test in this JVM: a KRaft broker on random ports, a MiniCluster (one task
 * manager, {@code parallelism} slots) and the inference job submitted to it. Jobs can be replaced
 * on the same broker; each job run reads its own request topic, so a later run never sees an
 * earlier run's requests (without checkpoints the source commits no offsets).
 */
final class BenchmarkStack implements AutoCloseable {
  /** Matches the job's default reply-topic pattern ({@code inference-replies.*}). */
  static final String REPLY_TOPIC = InferenceTopics.REPLIES + "-bench";

  private static final Duration RUNNING_TIMEOUT = Duration.ofMinutes(2);
  private static final Duration CANCEL_TIMEOUT = Duration.ofSeconds(60);

  /**
   * How stale the REST endpoint's metrics (the hostile phase's {@code numRestarts}) may be, not
   * Flink's 10 s.
   */
  private static final Duration METRIC_FETCH_INTERVAL = Duration.ofSeconds(1);

  private final EmbeddedKafkaBroker broker;
  private final EmbeddedJobCluster cluster;
  private final FlinkRest rest;
  private final int parallelism;
  private final int replyPartitions;
  private final Path kafkaDir;
  private int runs;
  private JobID job;

  private BenchmarkStack(
      EmbeddedKafkaBroker broker,
      EmbeddedJobCluster cluster,
      int parallelism,
      int replyPartitions,
      Path kafkaDir)
      throws Exception {
    this.kafkaDir = kafkaDir;
    this.broker = broker;
    this.cluster = cluster;
    this.rest = new FlinkRest(cluster.restAddress());
    this.parallelism = parallelism;
    this.replyPartitions = replyPartitions;
  }

  /**
   * Starts broker and MiniCluster.
   *
   * @param kafkaParent where the broker's data goes (a fresh directory, deleted on close); null for
   *     the system's temporary directory
   */
  static BenchmarkStack start(int parallelism, int replyPartitions, Path kafkaParent)
      throws Exception {
    EmbeddedKafkaBroker.Builder builder =
        EmbeddedKafkaBroker.builder()
            // A run writes gigabytes of images; retention (topic configs below) must act soon.
            .brokerProperty("log.retention.check.interval.ms", "5000");
    Path kafkaDir = null;
    if (kafkaParent != null) {
      Files.createDirectories(kafkaParent);
      kafkaDir = Files.createTempDirectory(kafkaParent, "inferstream-bench-kafka-");
      builder.dataDir(kafkaDir);
    }
    EmbeddedKafkaBroker broker;
    try {
      broker = builder.build().start();
    } catch (RuntimeException | Error e) {
      deleteRecursively(kafkaDir);
      throw e;
    }
    EmbeddedJobCluster cluster = null;
    try {
      createTopics(
          broker.bootstrapServers(),
          List.of(
              topic(REPLY_TOPIC, replyPartitions),
              topic(InferenceTopics.DEAD_LETTERS, 1),
              topic(InferenceTopics.REPLIES, 1)));
      Configuration conf = new Configuration();
      conf.set(RestOptions.PORT, 0);
      conf.set(MetricOptions.METRIC_FETCHER_UPDATE_INTERVAL, METRIC_FETCH_INTERVAL);
      cluster = EmbeddedJobCluster.start(conf, parallelism);
      return new BenchmarkStack(broker, cluster, parallelism, replyPartitions, kafkaDir);
    } catch (Exception | Error e) {
      if (cluster != null) {
        cluster.close();
      }
      broker.close();
      deleteRecursively(kafkaDir);
      throw e;
    }
  }

  String bootstrapServers() {
    return broker.bootstrapServers();
  }

  int replyPartitions() {
    return replyPartitions;
  }

  /**
   * Cancels the running job, if any, and submits the inference job reading a fresh request topic
   * with these options on top of the stack's own; returns that topic once every task runs.
   */
  String submitJob(Path modelRepository, Map<String, String> options) throws Exception {
    return submitJob(RepositoryPublisher.read(modelRepository), options);
  }

  /** As {@link #submitJob(Path, Map)}, with the specs to publish already read. */
  String submitJob(List<ModelSpec> specs, Map<String, String> options) throws Exception {
    cancelJob();
    runs++;
    String requestTopic = InferenceTopics.REQUESTS + "-bench-" + runs;
    createTopics(bootstrapServers(), List.of(topic(requestTopic, parallelism)));

    Configuration conf = new Configuration();
    conf.set(InferenceOptions.BOOTSTRAP_SERVERS, bootstrapServers());
    conf.set(InferenceOptions.REQUEST_TOPIC, requestTopic);
    conf.set(InferenceOptions.REPLY_TOPIC, REPLY_TOPIC);
    conf.set(InferenceOptions.GROUP_ID, "inferstream-bench-" + runs);
    // A failure should end the run loudly, not hide behind restarts.
    conf.set(RestartStrategyOptions.RESTART_STRATEGY, "disable");
    options.forEach(conf::setString);

    InferenceJobConfig config = InferenceJobConfig.from(conf);
    // The broker creates no topic on its own: the registry (compacted, the job's model catalog)
    // and the status topic must exist before the specs go out and the job reports loads.
    createTopics(
        bootstrapServers(),
        List.of(
            InferenceTopics.registryTopic(config.registryTopic(), (short) 1),
            topic(config.statusTopic(), 1)));
    RepositoryPublisher.publish(bootstrapServers(), config.registryTopic(), specs);
    job = cluster.submit(conf, parallelism);
    cluster.awaitAllTasksRunning(job, RUNNING_TIMEOUT, () -> false);
    return requestTopic;
  }

  /** The current job, or null. */
  JobID jobId() {
    return job;
  }

  /** The state of the current job, for a check after each phase. */
  JobStatus jobStatus() throws Exception {
    return job == null ? null : cluster.status(job);
  }

  /** Why the current job failed, or null. */
  Throwable jobFailure() {
    try {
      return cluster
          .result(job)
          .get(10, TimeUnit.SECONDS)
          .getSerializedThrowable()
          .map(t -> (Throwable) t)
          .orElse(null);
    } catch (Exception e) {
      return e;
    }
  }

  /**
   * The current job's restart count, not older than this call (the REST endpoint's metric store is
   * refreshed in the background), or -1 if it cannot be read.
   */
  long numRestarts() {
    try {
      return job == null ? -1 : rest.freshNumRestarts(job, METRIC_FETCH_INTERVAL);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return -1;
    } catch (RuntimeException e) {
      return -1;
    }
  }

  /**
   * The newest entry of the current job's exception history, one line, or null if there is none.
   */
  String lastFailure() {
    try {
      return job == null ? null : rest.lastFailure(job);
    } catch (RuntimeException e) {
      return "(exception history unreadable: " + e.getMessage() + ")";
    }
  }

  void cancelJob() throws Exception {
    if (job == null) {
      return;
    }
    JobID cancelling = job;
    job = null;
    cluster.cancel(cancelling, CANCEL_TIMEOUT);
  }

  /**
   * Bounded topics: a mobilenet run pushes 100+ MB/s of images, so segments roll and are deleted
   * well within the run; 1 GiB per partition still holds far more than the requests in flight.
   */
  private static NewTopic topic(String name, int partitions) {
    NewTopic topic = InferenceTopics.topic(name, partitions, (short) 1);
    Map<String, String> configs = new HashMap<>(topic.configs());
    configs.put(TopicConfig.SEGMENT_BYTES_CONFIG, String.valueOf(128 * 1024 * 1024));
    configs.put(TopicConfig.RETENTION_BYTES_CONFIG, String.valueOf(1024L * 1024 * 1024));
    return topic.configs(configs);
  }

  private static void deleteRecursively(Path dir) {
    if (dir == null || !Files.exists(dir)) {
      return;
    }
    try (Stream<Path> paths = Files.walk(dir)) {
      for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(path);
      }
    } catch (IOException e) {
      System.err.println("benchmark: could not delete " + dir + ": " + e.getMessage());
    }
  }

  /** Creates the topics that do not exist yet (a later job run finds them from the first). */
  private static void createTopics(String bootstrap, List<NewTopic> topics) {
    try (Admin admin =
        Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap))) {
      InferenceTopics.createIfAbsent(admin, topics, Duration.ofSeconds(30));
    }
  }

  @Override
  public void close() throws Exception {
    try {
      cancelJob();
    } catch (Exception e) {
      // Closing the cluster stops the job anyway.
    } finally {
      try {
        cluster.close();
      } finally {
        try {
          broker.close();
        } finally {
          deleteRecursively(kafkaDir);
        }
      }
    }
  }
}
