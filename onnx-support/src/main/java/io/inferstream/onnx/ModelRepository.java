package io.inferstream.onnx;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.inferstream.schemas.BatchingConfig;
import io.inferstream.schemas.Device;
import io.inferstream.schemas.ModelSpec;
import io.inferstream.schemas.ModelVersionSpec;
import io.inferstream.schemas.RouteSpec;
import io.inferstream.schemas.SemanticVersion;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * Reads a Triton-style model repository: {@code <repo>/<model>/<version>/model.onnx} (a directory
 * {@code 1} is version {@code 1.0.0}) and {@code <repo>/<model>/config.json} with Triton's batching
 * names. Signatures are read from the ONNX files by a {@link SignatureReader}.
 */
public final class ModelRepository {
  private static final ObjectMapper MAPPER = new ObjectMapper();
  public static final String MODEL_FILE = "model.onnx";
  public static final String CONFIG_FILE = "config.json";

  private final Path root;
  private final SignatureReader signatures;
  private final int defaultMaxBatchSize;
  private final Duration defaultMaxQueueDelay;

  public ModelRepository(
      Path root,
      SignatureReader signatures,
      int defaultMaxBatchSize,
      Duration defaultMaxQueueDelay) {
    this.root = root;
    this.signatures = signatures;
    this.defaultMaxBatchSize = defaultMaxBatchSize;
    this.defaultMaxQueueDelay = defaultMaxQueueDelay;
  }

  /** Every model in the repository; the highest version is {@code prod}. */
  public List<ModelSpec> load() {
    if (!Files.isDirectory(root)) {
      throw new IllegalArgumentException("model repository " + root + " is not a directory");
    }
    List<ModelSpec> models = new ArrayList<>();
    try (Stream<Path> dirs = Files.list(root)) {
      for (Path dir : dirs.filter(Files::isDirectory).sorted().toList()) {
        ModelSpec spec = loadModel(dir);
        if (spec != null) {
          models.add(spec);
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read model repository " + root, e);
    }
    return models;
  }

  private ModelSpec loadModel(Path dir) throws IOException {
    String name = dir.getFileName().toString();
    List<ModelVersionSpec> versions = new ArrayList<>();
    try (Stream<Path> children = Files.list(dir)) {
      for (Path versionDir : children.filter(Files::isDirectory).sorted().toList()) {
        Path file = versionDir.resolve(MODEL_FILE);
        String dirName = versionDir.getFileName().toString();
        if (!Files.isRegularFile(file) || !SemanticVersion.isVersion(dirName)) {
          continue;
        }
        SignatureReader.Signature signature = signatures.read(file);
        versions.add(
            new ModelVersionSpec(
                SemanticVersion.parse(dirName).toString(),
                file.toAbsolutePath().toUri().toString(),
                Sha256.of(file),
                signature.inputs(),
                signature.outputs(),
                Files.getLastModifiedTime(file).toMillis()));
      }
    }
    if (versions.isEmpty()) {
      return null;
    }
    JsonNode config = readConfig(dir.resolve(CONFIG_FILE));
    List<Integer> preferred = new ArrayList<>();
    config.path("preferred_batch_size").forEach(n -> preferred.add(n.asInt()));
    BatchingConfig batching =
        new BatchingConfig(
            config.path("max_batch_size").asInt(defaultMaxBatchSize),
            preferred,
            config
                .path("max_queue_delay_microseconds")
                .asLong(defaultMaxQueueDelay.toNanos() / 1000));
    SemanticVersion latest =
        versions.stream()
            .map(v -> SemanticVersion.parse(v.version()))
            .max(Comparator.naturalOrder())
            .orElseThrow();
    return new ModelSpec(
        name,
        1,
        versions,
        Map.of(ModelSpec.PROD, latest.toString()),
        RouteSpec.DEFAULT,
        batching,
        config.path("replicas").asInt(1),
        Device.parse(config.path("device").asText("auto")),
        config.path("cost_weight").asDouble(1.0),
        config.path("idle_unload_timeout_seconds").asLong(0));
  }

  private static JsonNode readConfig(Path file) throws IOException {
    if (!Files.isRegularFile(file)) {
      return MAPPER.createObjectNode();
    }
    try (InputStream in = Files.newInputStream(file)) {
      return MAPPER.readTree(in);
    }
  }
}
