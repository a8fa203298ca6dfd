package io.inferstream.local;

import io.inferstream.schemas.ModelSpec;
import io.inferstream.schemas.ModelVersionSpec;
import io.inferstream.schemas.TensorSpec;
import io.inferstream.topics.InferenceTopics;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;

/** What {@code up} prints once the stack serves: where things are and how to call a model. */
final class Banner {
  /** The first line of the banner. */
  static final String READY_LINE = "Inferstream is up";

  /** The banner's last line; tests wait for it before reading the banner. */
  static final String LAST_LINE = "Press Ctrl-C to stop.";

  private Banner() {}

  static String render(
      LocalStack.Settings settings,
      List<ModelSpec> models,
      double startSeconds,
      String launcher,
      Path logFile) {
    String bootstrap = settings.bootstrapServers();
    String bootstrapOption = settings.kafkaPort() == 9092 ? "" : " --bootstrap " + bootstrap;
    StringBuilder out = new StringBuilder();
    out.append('\n')
        .append(READY_LINE)
        .append(String.format(Locale.ROOT, " (started in %.1f s)%n%n", startSeconds));
    row(out, "Kafka bootstrap", bootstrap);
    row(out, "Flink web UI", settings.webUrl());
    row(out, "Prometheus", settings.metricsUrl());
    row(out, "Model registry", settings.registryUrl() + "/api/v1/models");
    dataLogAndModels(out, settings, logFile, models);

    String example = exampleModel(models);
    out.append(String.format("%nSend a request:%n"))
        .append("  ")
        .append(launcher)
        .append(" infer ")
        .append(example)
        .append(" '[[1,2,3,4]]'")
        .append(bootstrapOption)
        .append('\n');

    String requestId = "demo-1";
    String body =
        "{\"inputs\":[{\"name\":\"input\",\"shape\":[1,4],\"datatype\":\"FP32\",\"data\":[1,2,3,4]}]}";
    out.append(
            String.format(
                "%nOr with Kafka's console tools (bundled; Kafka's own kafka-console-*.sh take the"
                    + " same arguments,%nbefore Kafka 4.2 with --property instead of"
                    + " --reader-property / --formatter-property).%n"))
        .append("  # terminal 1: watch the replies\n")
        .append("  ")
        .append(launcher)
        .append(" kafka-console-consumer --bootstrap-server ")
        .append(bootstrap)
        .append(" --topic ")
        .append(InferenceTopics.REPLIES)
        .append(" \\\n      --formatter-property print.headers=true --formatter-property")
        .append(" print.key=true\n")
        .append("  # terminal 2: one request per line: headers|key|body\n")
        .append("  echo 'request-id:")
        .append(requestId)
        .append(",model:")
        .append(example)
        .append(",content-type:application/json|")
        .append(requestId)
        .append('|')
        .append(body)
        .append("' | \\\n    ")
        .append(launcher)
        .append(" kafka-console-producer --bootstrap-server ")
        .append(bootstrap)
        .append(" --topic ")
        .append(InferenceTopics.REQUESTS)
        .append(" \\\n      --reader-property parse.headers=true")
        .append(" --reader-property headers.delimiter='|'")
        .append(" \\\n      --reader-property parse.key=true")
        .append(" --reader-property key.separator='|'\n");

    out.append(String.format("%nManage models through the registry (docs/registry-api.md):%n"))
        .append("  curl -s ")
        .append(settings.registryUrl())
        .append("/api/v1/models/")
        .append(example)
        .append('\n');

    out.append(String.format("%n%s%n", LAST_LINE));
    return out.toString();
  }

  private static void dataLogAndModels(
      StringBuilder out, LocalStack.Settings settings, Path logFile, List<ModelSpec> models) {
    row(out, "Data directory", settings.home().root().toString());
    if (logFile != null) {
      row(out, "Log", logFile.toString());
    }
    boolean first = true;
    for (ModelSpec model : models) {
      row(out, first ? "Models" : "", describe(model));
      first = false;
    }
  }

  /**
   * What {@code up --no-job} prints: where the broker and the registry are, and how to run the job
   * on a standalone Flink cluster ({@code bin/flink-cluster}, next to the launcher).
   */
  static String renderWithoutJob(
      LocalStack.Settings settings,
      List<ModelSpec> models,
      double startSeconds,
      String launcher,
      Path logFile) {
    String bootstrap = settings.bootstrapServers();
    Path launcherPath = Path.of(launcher);
    String flinkCluster = launcherPath.resolveSibling("flink-cluster").toString();
    StringBuilder out = new StringBuilder();
    out.append('\n')
        .append(READY_LINE)
        .append(
            String.format(
                Locale.ROOT,
                ": Kafka and the model registry, no Flink job (started in %.1f s)%n%n",
                startSeconds));
    row(out, "Kafka bootstrap", bootstrap);
    row(out, "Model registry", settings.registryUrl() + "/api/v1/models");
    dataLogAndModels(out, settings, logFile, models);
    out.append(String.format("%nRun the inference job on a standalone Flink cluster:%n"))
        .append("  ")
        .append(flinkCluster)
        .append(" start\n")
        .append("  ")
        .append(flinkCluster)
        .append(" flink run -d ")
        .append(jobJar(launcherPath))
        .append(" \\\n      --inference.kafka.bootstrap-servers ")
        .append(bootstrap)
        .append('\n');
    out.append(String.format("%nThen send a request:%n"))
        .append("  ")
        .append(launcher)
        .append(" infer ")
        .append(exampleModel(models))
        .append(" '[[1,2,3,4]]'")
        .append(settings.kafkaPort() == 9092 ? "" : " --bootstrap " + bootstrap)
        .append('\n');
    out.append(String.format("%n%s%n", LAST_LINE));
    return out.toString();
  }

  /** The job jar of the repository the launcher belongs to (inference-job's shaded jar). */
  static Path jobJar(Path launcher) {
    Path bin = launcher.getParent();
    Path root = bin == null || bin.getParent() == null ? Path.of("") : bin.getParent();
    String version = Banner.class.getPackage().getImplementationVersion();
    return root.resolve("inference-job")
        .resolve("target")
        .resolve(
            "inferstream-inference-job-" + (version == null ? "<version>" : version) + "-job.jar");
  }

  private static void row(StringBuilder out, String label, String value) {
    out.append(String.format("  %-16s %s%n", label, value));
  }

  static String describe(ModelSpec model) {
    ModelVersionSpec version = model.resolve(null);
    if (version == null) {
      return model.name();
    }
    return model.name()
        + " "
        + version.version()
        + "  "
        + signature(version.inputs())
        + " -> "
        + signature(version.outputs());
  }

  private static String signature(List<TensorSpec> tensors) {
    return tensors.stream()
        .map(t -> t.name() + " " + t.datatype() + t.shapeString().replace("-1", "N"))
        .collect(Collectors.joining(", "));
  }

  private static String exampleModel(List<ModelSpec> models) {
    for (ModelSpec model : models) {
      if (model.name().equals("affine")) {
        return model.name();
      }
    }
    return models.isEmpty() ? "affine" : models.get(0).name();
  }
}
