package io.inferstream.registry;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** Runs the model registry on its own until it is stopped (SIGINT/SIGTERM). */
@Command(
    name = "model-registry",
    mixinStandardHelpOptions = true,
    description = "Inferstream model registry: JSON API over the compacted model-registry topic.")
public final class RegistryMain implements Callable<Integer> {
  @Option(names = "--bootstrap-servers", description = "Kafka (default: ${DEFAULT-VALUE})")
  String bootstrapServers = RegistrySettings.DEFAULT_BOOTSTRAP_SERVERS;

  @Option(names = "--bind", description = "address to listen on (default: ${DEFAULT-VALUE})")
  String bind = RegistrySettings.DEFAULT_BIND_HOST;

  @Option(names = "--port", description = "HTTP port, 0 = any free one (default: ${DEFAULT-VALUE})")
  int port = RegistrySettings.DEFAULT_PORT;

  @Option(
      names = "--advertised-url",
      description = "base URL task managers reach this registry at (artifact URIs start with it)")
  String advertisedUrl;

  @Option(names = "--artifact-dir", description = "artifact store directory")
  Path artifactDir = RegistrySettings.defaultArtifactDir();

  @Option(names = "--max-upload-bytes", description = "largest ONNX file accepted")
  long maxUploadBytes = RegistrySettings.DEFAULT_MAX_UPLOAD_BYTES;

  @Option(names = "--registry-topic", description = "default: ${DEFAULT-VALUE}")
  String registryTopic = io.inferstream.schemas.Topics.MODEL_REGISTRY;

  @Option(names = "--status-topic", description = "default: ${DEFAULT-VALUE}")
  String statusTopic = io.inferstream.schemas.Topics.MODEL_STATUS;

  @Option(
      names = "--seed-repository",
      description = "register the models of this Triton-style directory that are missing")
  Path seed;

  @Override
  public Integer call() throws Exception {
    RegistrySettings settings =
        RegistrySettings.builder()
            .bootstrapServers(bootstrapServers)
            .bindHost(bind)
            .port(port)
            .advertisedUrl(advertisedUrl)
            .artifactDir(artifactDir)
            .maxUploadBytes(maxUploadBytes)
            .registryTopic(registryTopic)
            .statusTopic(statusTopic)
            .build();
    CountDownLatch stopped = new CountDownLatch(1);
    try (ModelRegistry registry = new ModelRegistry(settings).start()) {
      if (seed != null) {
        List<String> added = registry.seed(seed);
        System.out.println("Seeded " + (added.isEmpty() ? "nothing new" : added));
      }
      System.out.println("Model registry on " + registry.url() + "/api/v1/models");
      Runtime.getRuntime().addShutdownHook(new Thread(stopped::countDown));
      stopped.await();
    }
    return 0;
  }

  public static void main(String[] args) {
    System.exit(new CommandLine(new RegistryMain()).execute(args));
  }
}
