package io.inferstream.cluster;

import io.inferstream.local.InferstreamHome;
import io.inferstream.local.LocalStack;
import io.inferstream.testing.FreePorts;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What {@code bin/inferstream up --no-job} runs, in the test JVM on free ports: a KRaft broker with
 * the inference topics and the model registry seeded with the repository's models/. The job on the
 * standalone cluster reads its model specs from the registry topic and fetches artifacts from the
 * registry over HTTP.
 */
final class KafkaAndRegistry implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(KafkaAndRegistry.class);

  private final LocalStack stack;

  private KafkaAndRegistry(LocalStack stack) {
    this.stack = stack;
  }

  static KafkaAndRegistry start(FreePorts ports, Path dataDir) {
    int kafkaPort = ports.nextWithSuccessor();
    LocalStack stack =
        new LocalStack(
            new LocalStack.Settings(
                new InferstreamHome(dataDir),
                StandaloneCluster.projectRoot().resolve("models"),
                kafkaPort,
                ports.next(), // no MiniCluster: the web and metrics ports stay unused
                ports.next(),
                ports.next(),
                2,
                Duration.ofSeconds(5),
                false,
                false));
    KafkaAndRegistry services = new KafkaAndRegistry(stack);
    try {
      stack.start(() -> false, line -> LOG.info("{}", line));
    } catch (RuntimeException e) {
      services.close();
      throw e;
    }
    return services;
  }

  String bootstrapServers() {
    return stack.settings().bootstrapServers();
  }

  String registryUrl() {
    return stack.settings().registryUrl();
  }

  List<Integer> ports() {
    LocalStack.Settings settings = stack.settings();
    return List.of(settings.kafkaPort(), settings.controllerPort(), settings.registryPort());
  }

  @Override
  public void close() {
    stack.close();
  }
}
