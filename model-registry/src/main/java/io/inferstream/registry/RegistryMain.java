package io.inferstream.registry;

import io.inferstream.schemas.BatchingConfig;
import io.inferstream.topics.InferenceTopics;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** Runs the model registry on its own until interrupted (Ctrl-C or SIGTERM). */
@Command(
    name = "inferstream-registry",
    mixinStandardHelpOptions = true,
    description = "The Inferstream model registry: REST API over a compacted Kafka topic.")
public final class RegistryMain implements Callable<Integer> {

  @Option(
      names = "--port",
      description = "HTTP port; 0 picks a free one (default: ${DEFAULT-VALUE})")
  int port = RegistrySettings.DEFAULT_PORT;

  @Option(names = "--bind", description = "address to listen on (default: ${DEFAULT-VALUE})")
  String bind = RegistrySettings.DEFAULT_BIND_HOST;

  @Option(
      names = "--bootstrap-servers",
      description = "Kafka bootstrap servers (default: ${DEFAULT-VALUE})")
  String bootstrapServers = RegistrySettings.DEFAULT_BOOTSTRAP_SERVERS;

  @Option(
      names = "--advertised-url",
      description =
          "base URL task managers reach this registry at; artifact URIs start with it"
              + " (default: http://<bind>:<port>)")
  String advertisedUrl;

  @Option(
      names = "--artifact-dir",
      description =
          "artifact store directory (default: $INFERSTREAM_HOME/artifacts or ~/.inferstream/artifacts)")
  Path artifactDir;

  @Option(
      names = "--seed-repository",
      description = "register every model version of this Triton-style repository not yet held")
  Path seedRepository;

  @Option(
      names = "--max-upload-bytes",
      converter = ByteSizeConverter.class,
      description = "largest accepted model file, e.g. 512m or 1g (default: 512m)")
  long maxUploadBytes = RegistrySettings.DEFAULT_MAX_UPLOAD_BYTES;

  @Option(names = "--registry-topic", description = "registry topic (default: ${DEFAULT-VALUE})")
  String registryTopic = InferenceTopics.MODEL_REGISTRY;

  @Option(names = "--status-topic", description = "model status topic (default: ${DEFAULT-VALUE})")
  String statusTopic = InferenceTopics.MODEL_STATUS;

  @Option(
      names = "--transactional-id",
      description =
          "Kafka transactional.id; the last instance to start with it is the writer (default: ${DEFAULT-VALUE})")
  String transactionalId = RegistrySettings.DEFAULT_TRANSACTIONAL_ID;

  @Option(
      names = "--replication-factor",
      description = "replication factor of topics the registry creates (default: ${DEFAULT-VALUE})")
  short replicationFactor = 1;

  @Option(
      names = "--default-max-batch-size",
      description = "max_batch_size of models created by an upload (default: ${DEFAULT-VALUE})")
  int defaultMaxBatchSize = RegistrySettings.DEFAULT_MAX_BATCH_SIZE;

  @Option(
      names = "--default-max-queue-delay-us",
      description =
          "max_queue_delay_microseconds of models created by an upload (default: ${DEFAULT-VALUE})")
  long defaultMaxQueueDelayMicros = RegistrySettings.DEFAULT_MAX_QUEUE_DELAY_MICROSECONDS;

  @Option(
      names = "--kafka-property",
      description = "extra Kafka client property, e.g. security.protocol=SSL (repeatable)")
  Map<String, String> kafkaProperties = Map.of();

  /** The settings these options describe. */
  RegistrySettings settings() {
    return RegistrySettings.builder()
        .port(port)
        .bindHost(bind)
        .bootstrapServers(bootstrapServers)
        .advertisedUrl(advertisedUrl)
        .artifactDir(artifactDir)
        .maxUploadBytes(maxUploadBytes)
        .registryTopic(registryTopic)
        .statusTopic(statusTopic)
        .transactionalId(transactionalId)
        .topicReplicationFactor(replicationFactor)
        .defaultBatching(
            new BatchingConfig(defaultMaxBatchSize, List.of(), defaultMaxQueueDelayMicros))
        .kafkaProperties(kafkaProperties)
        .build();
  }

  @Override
  public Integer call() throws InterruptedException {
    ModelRegistry registry = new ModelRegistry(settings()).start();
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  registry.close();
                  stopped.countDown();
                },
                "inferstream-registry-shutdown"));
    System.out.println("Model registry at " + registry.url() + "/api/v1/models");
    if (seedRepository != null) {
      List<String> seeded = registry.seed(seedRepository);
      System.out.println(
          seeded.isEmpty()
              ? "Seed repository " + seedRepository + ": every version already registered"
              : "Seeded from " + seedRepository + ": " + String.join(", ", seeded));
    }
    stopped.await();
    return 0;
  }

  public static void main(String[] args) {
    if (System.getProperty("log4j2.configurationFile") == null
        && System.getProperty("log4j.configurationFile") == null) {
      System.setProperty("log4j2.configurationFile", "inferstream-registry-log4j2.properties");
    }
    CommandLine cli = new CommandLine(new RegistryMain());
    cli.setExecutionExceptionHandler(
        (e, commandLine, parseResult) -> {
          commandLine.getErr().println("inferstream-registry: " + e.getMessage());
          return 1;
        });
    System.exit(cli.execute(args));
  }

  /** Parses byte sizes: {@code 1048576}, {@code 512k}, {@code 512m}, {@code 1g} (binary units). */
  static final class ByteSizeConverter implements CommandLine.ITypeConverter<Long> {
    private static final Pattern SIZE = Pattern.compile("(\\d+)\\s*([kmg]?)(?:i?b)?");

    @Override
    public Long convert(String value) {
      Matcher m = SIZE.matcher(value.strip().toLowerCase(Locale.ROOT));
      if (!m.matches()) {
        throw new CommandLine.TypeConversionException(
            "'" + value + "' is not a size: use bytes or a number with k, m or g");
      }
      long n = Long.parseLong(m.group(1));
      return switch (m.group(2)) {
        case "k" -> n << 10;
        case "m" -> n << 20;
        case "g" -> n << 30;
        default -> n;
      };
    }
  }
}
