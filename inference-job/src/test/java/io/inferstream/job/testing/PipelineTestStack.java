package io.inferstream.job.testing;

import io.inferstream.client.InferenceClient;
import io.inferstream.job.InferenceOptions;
import io.inferstream.job.TestModels;
import io.inferstream.job.embedded.EmbeddedJobCluster;
import io.inferstream.job.model.ModelSpecs;
import io.inferstream.kafka.embedded.EmbeddedKafkaBroker;
import io.inferstream.onnx.ModelRepository;
import io.inferstream.onnx.OnnxSignatureReader;
import io.inferstream.onnx.testing.TinyOnnx;
import io.inferstream.schemas.ModelSpec;
import io.inferstream.schemas.RegistryKeys;
import io.inferstream.testing.Await;
import io.inferstream.testing.FlinkRest;
import io.inferstream.topics.InferenceTopics;
import io.inferstream.topics.TopicSettings;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.apache.flink.api.common.JobID;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.MetricOptions;
import org.apache.flink.configuration.RestOptions;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.apache.flink.runtime.minicluster.MiniCluster;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * The real stack for integration tests: a KRaft broker on a random port with the project's topics,
 * a model repository (the demo models plus generated test models) whose specs go to the registry
 * topic, a MiniCluster with its REST API, and the inference job submitted to it.
 */
public final class PipelineTestStack implements AutoCloseable {
  public static final int PARALLELISM = 2;
  private static final Duration RUNNING_TIMEOUT = Duration.ofSeconds(60);

  /** A reply topic with one partition, for replies addressed by key hash. */
  public static final String SINGLE_PARTITION_REPLIES = "inference-replies-single";

  private static final Duration TOPIC_TIMEOUT = Duration.ofSeconds(30);

  private final EmbeddedKafkaBroker broker;
  private final Path modelRepository;
  private final EmbeddedJobCluster cluster;
  private final FlinkRest rest;
  private int liveTaskManager;
  private final List<AutoCloseable> owned = new ArrayList<>();

  private PipelineTestStack(
      EmbeddedKafkaBroker broker, Path modelRepository, EmbeddedJobCluster cluster)
      throws Exception {
    this.broker = broker;
    this.modelRepository = modelRepository;
    this.cluster = cluster;
    this.rest = new FlinkRest(cluster.restAddress());
  }

  public static PipelineTestStack start(Path workDir) throws Exception {
    EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.builder().build().start();
    try (Admin admin = Admin.create(adminProps(broker.bootstrapServers()))) {
      InferenceTopics.createIfAbsent(admin, TopicSettings.defaults(), TOPIC_TIMEOUT);
      InferenceTopics.createIfAbsent(
          admin,
          List.of(
              InferenceTopics.topic(SINGLE_PARTITION_REPLIES, 1, (short) 1),
              InferenceTopics.topic("not-a-reply-topic", 1, (short) 1)),
          TOPIC_TIMEOUT);
    }
    Path repository = workDir.resolve("models");
    copyDirectory(TestModels.REPOSITORY, repository);
    TinyOnnx.write(repository, "image-mean", TinyOnnx.imageMean());
    TinyOnnx.write(repository, "lookup", TinyOnnx.lookup());
    Files.writeString(
        repository.resolve("lookup").resolve("config.json"),
        "{\"max_batch_size\": 64, \"max_queue_delay_microseconds\": 20000}");
    // the affine model pinned to CUDA, which this ONNX Runtime build (CPU) cannot load
    copyDirectory(
        repository.resolve("affine").resolve("1"), repository.resolve("affine-cuda").resolve("1"));
    Files.writeString(
        repository.resolve("affine-cuda").resolve("config.json"), "{\"device\": \"cuda\"}");
    Configuration conf = new Configuration();
    conf.set(RestOptions.PORT, 0);
    conf.set(MetricOptions.METRIC_FETCHER_UPDATE_INTERVAL, Duration.ofMillis(200));
    return new PipelineTestStack(broker, repository, EmbeddedJobCluster.start(conf, PARALLELISM));
  }

  public String bootstrapServers() {
    return broker.bootstrapServers();
  }

  public Path modelRepository() {
    return modelRepository;
  }

  public MiniCluster cluster() {
    return cluster.miniCluster();
  }

  /** Kills the running task manager (its tasks fail) and starts a fresh one in its place. */
  public void replaceTaskManager() throws Exception {
    cluster.miniCluster().terminateTaskManager(liveTaskManager).get(30, TimeUnit.SECONDS);
    cluster.miniCluster().startTaskManager();
    liveTaskManager++; // the MiniCluster keeps terminated task managers in its list
  }

  public FlinkRest rest() {
    return rest;
  }

  /** Job options for this stack: its broker, plus the given overrides. */
  public Configuration jobConfiguration(Map<String, String> overrides) {
    Configuration conf = new Configuration();
    conf.set(InferenceOptions.BOOTSTRAP_SERVERS, broker.bootstrapServers());
    conf.set(RestartStrategyOptions.RESTART_STRATEGY, "fixed-delay");
    conf.set(RestartStrategyOptions.RESTART_STRATEGY_FIXED_DELAY_ATTEMPTS, 20);
    conf.set(RestartStrategyOptions.RESTART_STRATEGY_FIXED_DELAY_DELAY, Duration.ofMillis(500));
    overrides.forEach(conf::setString);
    return conf;
  }

  /**
   * Writes every model of the stack's repository to the registry topic as the registry would
   * (file:// artifact URIs, revision 1), straight through a producer: the tests of the job's paths
   * need specs, not the registry service.
   */
  public void publishRepository() throws Exception {
    List<ModelSpec> specs =
        new ModelRepository(modelRepository, new OnnxSignatureReader(), 32, Duration.ofMillis(2))
            .load();
    for (ModelSpec spec : specs) {
      publish(spec);
    }
  }

  /** Writes one spec to the registry topic and waits for the broker's acknowledgement. */
  public void publish(ModelSpec spec) throws Exception {
    Properties props = new Properties();
    props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers());
    try (KafkaProducer<String, String> producer =
        new KafkaProducer<>(props, new StringSerializer(), new StringSerializer())) {
      producer
          .send(
              new ProducerRecord<>(
                  InferenceTopics.MODEL_REGISTRY,
                  RegistryKeys.model(spec.name()),
                  ModelSpecs.toJson(spec)))
          .get(30, TimeUnit.SECONDS);
    }
  }

  /**
   * Publishes the repository's specs, submits the inference job and waits until its tasks run and
   * its metrics reach the REST API (tests read {@code numRestarts} from there); the stack cancels
   * it on close.
   */
  public JobID submit(Configuration jobConf) throws Exception {
    publishRepository();
    JobID job = cluster.submit(jobConf, PARALLELISM);
    owned.add(() -> cancel(job));
    cluster.awaitAllTasksRunning(job, RUNNING_TIMEOUT, () -> false);
    Await.until("numRestarts in the REST API", RUNNING_TIMEOUT, () -> rest.numRestarts(job) >= 0);
    return job;
  }

  /** Cancels a job unless it already ended, and waits until it has. */
  public void cancel(JobID job) throws Exception {
    cluster.cancel(job, Duration.ofSeconds(30));
  }

  public InferenceClient client(String replyTopic, boolean readCommitted) {
    return client(InferenceTopics.REQUESTS, replyTopic, readCommitted);
  }

  /** A client on this stack's broker, closed with the stack. */
  public InferenceClient client(String requestTopic, String replyTopic, boolean readCommitted) {
    InferenceClient client =
        InferenceClient.builder()
            .bootstrapServers(broker.bootstrapServers())
            .requestTopic(requestTopic)
            .replyTopic(replyTopic)
            .replyPartition(0)
            .readCommitted(readCommitted)
            .defaultTimeout(Duration.ofSeconds(60))
            .build();
    owned.add(client);
    return client;
  }

  /**
   * Creates single-partition topics with the project's record size limit. Create reply topics
   * before {@link #submit}: the job knows reply topics from a snapshot, and sees one created later
   * only about a second after the first request naming it (which is dead-lettered).
   */
  public void createTopics(String... names) throws Exception {
    try (Admin admin = Admin.create(adminProps(broker.bootstrapServers()))) {
      InferenceTopics.createIfAbsent(
          admin,
          java.util.Arrays.stream(names)
              .map(name -> InferenceTopics.topic(name, 1, (short) 1))
              .toList(),
          TOPIC_TIMEOUT);
    }
  }

  public static Properties adminProps(String bootstrap) {
    Properties props = new Properties();
    props.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    return props;
  }

  /** Closes clients, cancels jobs, then stops the MiniCluster and the broker. */
  @Override
  public void close() throws Exception {
    try {
      for (int i = owned.size() - 1; i >= 0; i--) {
        owned.get(i).close();
      }
      cluster.close();
    } finally {
      broker.close();
    }
  }

  private static void copyDirectory(Path from, Path to) throws IOException {
    try (Stream<Path> paths = Files.walk(from)) {
      for (Path source : paths.toList()) {
        Path target = to.resolve(from.relativize(source).toString());
        if (Files.isDirectory(source)) {
          Files.createDirectories(target);
        } else {
          Files.copy(source, target);
        }
      }
    }
  }
}
