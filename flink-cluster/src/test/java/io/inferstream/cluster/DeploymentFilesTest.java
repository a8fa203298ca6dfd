package io.inferstream.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.inferstream.topics.InferenceTopics;
import io.inferstream.topics.TopicSettings;
import java.io.IOException;
import java.io.StringReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import javax.xml.parsers.DocumentBuilderFactory;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.GlobalConfiguration;
import org.apache.flink.configuration.MemorySize;
import org.apache.flink.configuration.TaskManagerOptions;
import org.apache.flink.runtime.clusterframework.TaskExecutorProcessSpec;
import org.apache.flink.runtime.clusterframework.TaskExecutorProcessUtils;
import org.apache.flink.runtime.util.bash.FlinkConfigLoader;
import org.apache.kafka.clients.admin.NewTopic;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.Node;
import org.xml.sax.InputSource;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;

/**
 * The deployment files that cannot be built on a machine without Docker (docker/, k8s/) checked
 * against each other and against the repository: versions in the parent pom, flink-conf/config.yaml
 * as Flink itself reads it, the job's options and topics, the job jar and main class. Plain file
 * parsing plus Flink's own configuration loader: no network, no containers.
 *
 * <p>{@link #everyCheckNoticesABrokenValue} breaks one value per check in memory and expects that
 * check to fail, so none of them passes vacuously.
 */
class DeploymentFilesTest {

  static final List<String> FILES =
      List.of(
          "pom.xml",
          "inference-job/pom.xml",
          "flink-conf/config.yaml",
          "flink-conf/config-gpu.yaml",
          "docker/Dockerfile",
          "docker/Dockerfile.gpu-taskmanager",
          "docker/compose.yaml",
          "docker/prometheus.yml",
          "k8s/flink-deployment.yaml",
          "k8s/flink-deployment-gpu.yaml",
          "inference-job/src/main/java/io/inferstream/job/InferenceOptions.java",
          "inference-job/src/main/java/io/inferstream/job/InferenceJob.java",
          "model-registry/src/main/java/io/inferstream/registry/RegistryMain.java");

  /** Flink's image layout (flink:*-java17 and the GPU image built like it). */
  static final String FLINK_HOME = "/opt/flink";

  static final String JOB_JAR = FLINK_HOME + "/usrlib/inferstream-inference-job.jar";

  /** Where the GPU plugin of Flink's distribution keeps its NVIDIA discovery script. */
  static final String GPU_DISCOVERY_SCRIPT =
      "plugins/external-resource-gpu/nvidia-gpu-discovery.sh";

  static final String GPU_DRIVER_FACTORY = "org.apache.flink.externalresource.gpu.GPUDriverFactory";

  /** What a GPU task manager may size differently from config.yaml (room for CUDA). */
  static final Set<String> GPU_MEMORY_KEYS =
      Set.of("taskmanager.memory.task.off-heap.size", "taskmanager.memory.process.size");

  /**
   * CUDA context, cuBLAS and cuDNN in host memory, per process (flink-conf/config-gpu.yaml: 1-2
   * GiB).
   */
  static final MemorySize CUDA_HOST_MEMORY = MemorySize.parse("1g");

  /** ONNX Runtime's environment alone, before any session (measured: ~64 MiB RSS per JVM). */
  static final MemorySize ORT_ENVIRONMENT = MemorySize.parse("64m");

  /**
   * Keys of the operator's job autoscaler, from flink-kubernetes-operator's AutoScalerOptions
   * (org.apache.flink.autoscaler.config, main branch 2026; every one exists since operator 1.11,
   * and v2_2 needs 1.13): a misspelt key is silently ignored by the operator.
   */
  static final Set<String> AUTOSCALER_KEYS =
      Set.of(
          "enabled",
          "scaling.enabled",
          "metrics.window",
          "stabilization.interval",
          "excluded.periods",
          "utilization.target",
          "target.utilization.boundary",
          "utilization.max",
          "utilization.min",
          "scale-down.interval",
          "vertex.min-parallelism",
          "vertex.max-parallelism",
          "scale-down.max-factor",
          "scale-up.max-factor",
          "catch-up.duration",
          "restart.time",
          "restart.time-tracking.enabled",
          "restart.time-tracking.limit",
          "backlog-processing.lag-threshold",
          "observed-true-processing-rate.lag-threshold",
          "observed-true-processing-rate.switch-threshold",
          "observed-true-processing-rate.min-observations",
          "scaling.effectiveness.detection.enabled",
          "scaling.effectiveness.threshold",
          "memory.gc-pressure.threshold",
          "memory.heap-usage.threshold",
          "memory.tuning.enabled",
          "memory.tuning.scale-down-compensation.enabled",
          "memory.tuning.overhead",
          "memory.tuning.maximize-managed-memory",
          "history.max.count",
          "history.max.age",
          "metrics.busy-time.aggregator",
          "vertex.exclude.ids",
          "scaling.event.interval",
          "flink.rest-client.timeout",
          "quota.memory",
          "quota.cpu",
          "scaling.key-group.partitions.adjust.mode",
          "scaling.parallelism-alignment.mode",
          "observed-scalability.enabled",
          "observed-scalability.min-observations",
          "observed-scalability.coefficient-min",
          "metrics.custom-evaluators",
          "scaling.custom-executors");

  /**
   * config.yaml keys that describe one host (addresses, local paths) or that Kubernetes sets from
   * other fields; every other key of config.yaml must reach the operator's configuration unchanged.
   */
  static final Set<String> HOST_SPECIFIC_KEYS =
      Set.of(
          "jobmanager.rpc.address",
          "jobmanager.rpc.port",
          "jobmanager.bind-host",
          "taskmanager.bind-host",
          "taskmanager.host",
          "rest.address",
          "rest.bind-address",
          "rest.port",
          "execution.checkpointing.dir",
          "execution.checkpointing.savepoint-dir",
          // compared with spec.jobManager/taskManager.resource.memory and spec.job.parallelism
          "jobmanager.memory.process.size",
          "taskmanager.memory.process.size",
          "parallelism.default");

  /** The container edits the Dockerfiles apply to config.yaml, and the values they must give. */
  static final Map<String, String> CONTAINER_EDITS =
      Map.of(
          "rest.address", "0.0.0.0",
          "rest.bind-address", "0.0.0.0",
          "jobmanager.bind-host", "0.0.0.0",
          "taskmanager.bind-host", "0.0.0.0",
          "execution.checkpointing.dir", "file:///opt/flink/data/checkpoints",
          "execution.checkpointing.savepoint-dir", "file:///opt/flink/data/savepoints");

  static Path root;
  static Map<String, String> originals;

  @TempDir Path tmp;

  @BeforeAll
  static void readFiles() {
    root = findRoot();
    originals = new LinkedHashMap<>();
    for (String file : FILES) {
      originals.put(file, read(root.resolve(file)));
    }
  }

  Deployment deployment() {
    return new Deployment(originals, tmp);
  }

  // ---------------------------------------------------------------------------------------------
  // The checks, one test each.

  @Test
  void imageVersionsAreThePomVersions() {
    versionsMatchThePom(deployment());
  }

  @Test
  void cpuImagesCarryTheCpuOnnxRuntimeAndGpuImagesTheGpuOne() {
    onnxRuntimeFlavourMatchesTheImage(deployment());
  }

  @Test
  void gpuImageIsCuda12WithCudnn9() {
    gpuBaseIsCuda12WithCudnn9(deployment());
  }

  @Test
  void imagesRunAsNonRootUsers() {
    imagesRunAsNonRoot(deployment());
  }

  @Test
  void jobJarAndMainClassAreTheSameEverywhere() {
    jobJarIsTheSameEverywhere(deployment());
  }

  @Test
  void jobProgramArgumentsAreInferenceOptions() {
    jobArgumentsAreInferenceOptions(deployment());
  }

  @Test
  void imageConfigurationIsFlinkConfMadeContainerFriendly() {
    imageConfigIsFlinkConf(deployment());
  }

  @Test
  void composeFlinkPropertiesKeepFlinkConf() {
    composeFlinkPropertiesAgreeWithFlinkConf(deployment());
  }

  @Test
  void kubernetesConfigurationCarriesFlinkConf() {
    kubernetesConfigurationIsFlinkConf(deployment());
  }

  @Test
  void prometheusScrapesTheReporterPorts() {
    prometheusTargetsAreReporterPorts(deployment());
  }

  @Test
  void composeCreatesTheJobsTopics() {
    composeTopicsAreTheJobsTopics(deployment());
  }

  @Test
  void kafkaAdvertisedListenerIsTheJobsBootstrapServer() {
    kafkaListenersMatchTheClients(deployment());
  }

  @Test
  void composeServicesAreWiredTogether() {
    composeIsWired(deployment());
  }

  @Test
  void kubernetesDeploymentIsDurableAndAutoscaled() {
    kubernetesDeploymentIsComplete(deployment());
  }

  @Test
  void gpuFilesConfigureTheGpuExternalResource() {
    gpuExternalResourceIsConfigured(deployment());
  }

  @Test
  void memoryBudgetFitsTaskOffHeapMemory() {
    memoryBudgetFitsOffHeap(deployment());
  }

  /** One broken value per check: each check must notice it (no check passes vacuously). */
  @ParameterizedTest(name = "{0}")
  @MethodSource("mutations")
  void everyCheckNoticesABrokenValue(Mutation mutation) {
    String original = originals.get(mutation.file());
    Matcher m = Pattern.compile(mutation.regex(), Pattern.MULTILINE).matcher(original);
    assertThat(m.find())
        .as("mutation '%s' finds /%s/ in %s", mutation.name(), mutation.regex(), mutation.file())
        .isTrue();
    Map<String, String> broken = new LinkedHashMap<>(originals);
    broken.put(mutation.file(), m.replaceFirst(mutation.replacement()));
    assertThatThrownBy(() -> mutation.check().accept(new Deployment(broken, tmp)))
        .as("%s after %s", mutation.name(), mutation.file())
        .isInstanceOf(AssertionError.class);
  }

  record Mutation(
      String name, String file, String regex, String replacement, Consumer<Deployment> check) {
    @Override
    public String toString() {
      return name;
    }
  }

  static Stream<Mutation> mutations() {
    return Stream.of(
        new Mutation(
            "Flink version ARG",
            "docker/Dockerfile",
            "^ARG FLINK_VERSION=\\S+",
            "ARG FLINK_VERSION=2.1.0",
            DeploymentFilesTest::versionsMatchThePom),
        new Mutation(
            "ONNX Runtime version ARG of the GPU image",
            "docker/Dockerfile.gpu-taskmanager",
            "^ARG ONNXRUNTIME_VERSION=\\S+",
            "ARG ONNXRUNTIME_VERSION=1.20.0",
            DeploymentFilesTest::versionsMatchThePom),
        new Mutation(
            "Kafka image tag",
            "docker/compose.yaml",
            "image: apache/kafka:\\S+",
            "image: apache/kafka:3.9.0",
            DeploymentFilesTest::versionsMatchThePom),
        new Mutation(
            "CPU image fetches the GPU jar",
            "docker/Dockerfile",
            "onnxruntime:onnxruntime:",
            "onnxruntime:onnxruntime_gpu:",
            DeploymentFilesTest::onnxRuntimeFlavourMatchesTheImage),
        new Mutation(
            "GPU image copies the CPU jar",
            "docker/Dockerfile.gpu-taskmanager",
            "/out/lib/onnxruntime_gpu-",
            "/out/lib/onnxruntime-",
            DeploymentFilesTest::onnxRuntimeFlavourMatchesTheImage),
        new Mutation(
            "CUDA 11 base image",
            "docker/Dockerfile.gpu-taskmanager",
            "nvidia/cuda:12\\.\\S+",
            "nvidia/cuda:11.8.0-cudnn8-runtime-ubuntu22.04",
            DeploymentFilesTest::gpuBaseIsCuda12WithCudnn9),
        new Mutation(
            "GPU image without cuDNN",
            "docker/Dockerfile.gpu-taskmanager",
            "-cudnn-runtime-",
            "-runtime-",
            DeploymentFilesTest::gpuBaseIsCuda12WithCudnn9),
        new Mutation(
            "Flink image runs as root",
            "docker/Dockerfile",
            "^USER flink\\s*\\z",
            "USER root\n",
            DeploymentFilesTest::imagesRunAsNonRoot),
        new Mutation(
            "job jar elsewhere in Kubernetes",
            "k8s/flink-deployment.yaml",
            "jarURI: \\S+",
            "jarURI: local:///opt/flink/usrlib/job.jar",
            DeploymentFilesTest::jobJarIsTheSameEverywhere),
        new Mutation(
            "job jar elsewhere in the image",
            "docker/Dockerfile.gpu-taskmanager",
            "/opt/flink/usrlib/inferstream-inference-job.jar$",
            "/opt/flink/usrlib/",
            DeploymentFilesTest::jobJarIsTheSameEverywhere),
        new Mutation(
            "misspelt job option in compose",
            "docker/compose.yaml",
            "--inference\\.kafka\\.bootstrap-servers",
            "--inference.kafka.bootstrap-server",
            DeploymentFilesTest::jobArgumentsAreInferenceOptions),
        new Mutation(
            "misspelt job option in Kubernetes",
            "k8s/flink-deployment.yaml",
            "- --inference\\.kafka\\.bootstrap-servers",
            "- --inference.kafka.servers",
            DeploymentFilesTest::jobArgumentsAreInferenceOptions),
        new Mutation(
            "image keeps localhost binding",
            "docker/Dockerfile",
            "-D taskmanager\\.bind-host=0\\.0\\.0\\.0",
            "-D taskmanager.bind-host=localhost",
            DeploymentFilesTest::imageConfigIsFlinkConf),
        new Mutation(
            "image overrides the state backend",
            "docker/Dockerfile.gpu-taskmanager",
            "-rmKey taskmanager\\.host",
            "-rmKey taskmanager.host -D state.backend.type=hashmap",
            DeploymentFilesTest::imageConfigIsFlinkConf),
        new Mutation(
            "FLINK_PROPERTIES value with a space",
            "docker/compose.yaml",
            "^(\\s+)jobmanager\\.rpc\\.address: jobmanager\\n(\\s+)rest\\.address: jobmanager",
            "$1jobmanager.rpc.address: jobmanager\n$2execution.checkpointing.interval: 10 s",
            DeploymentFilesTest::composeFlinkPropertiesAgreeWithFlinkConf),
        new Mutation(
            "Kubernetes state backend",
            "k8s/flink-deployment.yaml",
            "state\\.backend\\.type: rocksdb",
            "state.backend.type: hashmap",
            DeploymentFilesTest::kubernetesConfigurationIsFlinkConf),
        new Mutation(
            "Kubernetes without incremental checkpoints",
            "k8s/flink-deployment.yaml",
            "execution\\.checkpointing\\.incremental: \"true\"",
            "execution.checkpointing.incremental: \"false\"",
            DeploymentFilesTest::kubernetesConfigurationIsFlinkConf),
        new Mutation(
            "config.yaml gains a key Kubernetes lacks",
            "flink-conf/config.yaml",
            "^state:\\n",
            "pipeline:\n  object-reuse: true\nstate:\n",
            DeploymentFilesTest::kubernetesConfigurationIsFlinkConf),
        new Mutation(
            "Kubernetes task manager memory",
            "k8s/flink-deployment.yaml",
            "memory: 2048m",
            "memory: 1536m",
            DeploymentFilesTest::kubernetesConfigurationIsFlinkConf),
        new Mutation(
            "scrape port outside the reporter range",
            "docker/prometheus.yml",
            "jobmanager:9249",
            "jobmanager:8081",
            DeploymentFilesTest::prometheusTargetsAreReporterPorts),
        new Mutation(
            "reporter port range moves",
            "flink-conf/config.yaml",
            "port: 9249-9260",
            "port: 9300-9310",
            DeploymentFilesTest::prometheusTargetsAreReporterPorts),
        new Mutation(
            "task managers not scraped",
            "docker/prometheus.yml",
            "names: \\[\"taskmanager\"\\]",
            "names: [\"workers\"]",
            DeploymentFilesTest::prometheusTargetsAreReporterPorts),
        new Mutation(
            "topic name",
            "docker/compose.yaml",
            "--topic model-status ",
            "--topic model-statuses ",
            DeploymentFilesTest::composeTopicsAreTheJobsTopics),
        new Mutation(
            "topic partitions",
            "docker/compose.yaml",
            "--topic model-registry --partitions 1",
            "--topic model-registry --partitions 3",
            DeploymentFilesTest::composeTopicsAreTheJobsTopics),
        new Mutation(
            "advertised listener",
            "docker/compose.yaml",
            "INTERNAL://kafka:9092,",
            "INTERNAL://broker:9092,",
            DeploymentFilesTest::kafkaListenersMatchTheClients),
        new Mutation(
            "job bootstrap server",
            "docker/compose.yaml",
            "--inference\\.kafka\\.bootstrap-servers kafka:9092",
            "--inference.kafka.bootstrap-servers localhost:9092",
            DeploymentFilesTest::kafkaListenersMatchTheClients),
        new Mutation(
            "unescaped $ in compose",
            "docker/compose.yaml",
            "\"\\$\\$@\"",
            "\"\\$@\"",
            DeploymentFilesTest::composeIsWired),
        new Mutation(
            "task manager without the checkpoint volume",
            "docker/compose.yaml",
            "- flink-data:/opt/flink/data\\n(\\s+)deploy:",
            "- flink-data:/data\n$1deploy:",
            DeploymentFilesTest::composeIsWired),
        new Mutation(
            "misspelt autoscaler key",
            "k8s/flink-deployment.yaml",
            "job\\.autoscaler\\.utilization\\.target:",
            "job.autoscaler.target-utilization:",
            DeploymentFilesTest::kubernetesDeploymentIsComplete),
        new Mutation(
            "GPU deployment drifts from the CPU one",
            "k8s/flink-deployment-gpu.yaml",
            "upgradeMode: last-state",
            "upgradeMode: savepoint",
            DeploymentFilesTest::kubernetesDeploymentIsComplete),
        new Mutation(
            "flinkConfiguration value not a string",
            "k8s/flink-deployment.yaml",
            "job\\.autoscaler\\.enabled: \"true\"",
            "job.autoscaler.enabled: true",
            DeploymentFilesTest::kubernetesDeploymentIsComplete),
        new Mutation(
            "s3 checkpoints without the S3 plugin",
            "k8s/flink-deployment.yaml",
            "value: flink-s3-fs-presto-\\S+",
            "value: flink-s3-fs-presto-2.1.0.jar",
            DeploymentFilesTest::kubernetesDeploymentIsComplete),
        new Mutation(
            "GPU pod asks for two GPUs",
            "k8s/flink-deployment-gpu.yaml",
            "limits:\\n(\\s+)nvidia\\.com/gpu: 1",
            "limits:\n$1nvidia.com/gpu: 2",
            DeploymentFilesTest::gpuExternalResourceIsConfigured),
        new Mutation(
            "GPU image without config-gpu.yaml",
            "docker/Dockerfile.gpu-taskmanager",
            "cat /opt/flink/conf/config-gpu\\.yaml;",
            "true;",
            DeploymentFilesTest::gpuExternalResourceIsConfigured),
        new Mutation(
            "config-gpu.yaml changes, Kubernetes does not follow",
            "flink-conf/config-gpu.yaml",
            "amount: 1",
            "amount: 2",
            DeploymentFilesTest::gpuExternalResourceIsConfigured),
        new Mutation(
            "GPU task manager without room for CUDA",
            "k8s/flink-deployment-gpu.yaml",
            "memory: 4608m",
            "memory: 4096m",
            DeploymentFilesTest::memoryBudgetFitsOffHeap),
        new Mutation(
            "GPU image drops the CUDA off-heap room",
            "docker/Dockerfile.gpu-taskmanager",
            "task\\.off-heap\\.size=2048m",
            "task.off-heap.size=512m",
            DeploymentFilesTest::memoryBudgetFitsOffHeap),
        new Mutation(
            "memory budget over task off-heap",
            "k8s/flink-deployment.yaml",
            "inference\\.model\\.memory-budget: \\S+",
            "inference.model.memory-budget: 1gb",
            DeploymentFilesTest::memoryBudgetFitsOffHeap));
  }

  // ---------------------------------------------------------------------------------------------
  // Versions and images.

  static void versionsMatchThePom(Deployment d) {
    String flink = d.pom("flink.version");
    String ort = d.pom("onnxruntime.version");
    String project = d.pom("project.version");
    for (Dockerfile f : List.of(d.cpu, d.gpu)) {
      assertThat(f.globalArgs)
          .as("%s ARGs", f.path)
          .containsEntry("FLINK_VERSION", flink)
          .containsEntry("ONNXRUNTIME_VERSION", ort)
          .containsEntry("PROJECT_VERSION", project);
      assertThat(f.stages.stream().map(s -> s.from))
          .as("%s: a stage FROM the official Flink image of flink.version", f.path)
          .contains("flink:" + flink + "-java17");
      assertThat(f.stages.stream().map(s -> s.from).filter(i -> i.startsWith("flink:")))
          .as("%s: every Flink image", f.path)
          .allMatch(i -> i.equals("flink:" + flink + "-java17"));
      assertThat(f.stages.get(0).from)
          .as("%s builds with Maven on JDK 17", f.path)
          .startsWith("maven:3.9-eclipse-temurin-17");
    }
    assertThat(d.cpu.finalStage().from)
        .as("docker/Dockerfile's final stage")
        .isEqualTo("flink:" + flink + "-java17");
    assertThat(d.gpu.globalArgs)
        .as("docker/Dockerfile.gpu-taskmanager ARGs")
        .containsEntry(
            "FLINK_EXTERNAL_RESOURCE_GPU_VERSION", d.pom("flink.external-resource-gpu.version"));

    Map<String, String> images = d.composeImages();
    assertThat(images).as("compose images").containsKey("kafka");
    images.forEach(
        (service, image) -> {
          if (image.startsWith("apache/kafka:")) {
            assertThat(image)
                .as("compose %s", service)
                .isEqualTo("apache/kafka:" + d.pom("kafka.version"));
          }
          if (image.startsWith("inferstream-")) {
            assertThat(image).as("compose %s", service).endsWith(":" + project);
          }
        });
    for (Map<String, Object> k8s : List.of(d.k8s, d.k8sGpu)) {
      assertThat(str(at(k8s, "spec", "image"))).as("k8s spec.image").endsWith(":" + project);
    }
    String[] majorMinor = flink.split("\\.");
    assertThat(str(at(d.k8s, "spec", "flinkVersion")))
        .as("k8s flinkVersion (the operator's enum for flink.version)")
        .isEqualTo("v" + majorMinor[0] + "_" + majorMinor[1]);
  }

  static void onnxRuntimeFlavourMatchesTheImage(Deployment d) {
    String ort = d.pom("onnxruntime.version");
    Pattern cpuArtifact = Pattern.compile("com\\.microsoft\\.onnxruntime:onnxruntime:");
    Pattern cpuJar = Pattern.compile("onnxruntime-(\\$\\{ONNXRUNTIME_VERSION}|\\d)");
    Pattern gpuAny = Pattern.compile("onnxruntime_gpu");

    // CPU image: fetches the CPU artifact, puts exactly that jar into lib/, never the GPU one.
    assertThat(d.cpu.fetchedArtifacts())
        .as("docker/Dockerfile fetches")
        .contains("com.microsoft.onnxruntime:onnxruntime:" + ort);
    assertThat(d.cpu.libJars())
        .as("docker/Dockerfile: jars copied into %s/lib", FLINK_HOME)
        .containsExactly("onnxruntime-" + ort + ".jar");
    assertThat(gpuAny.matcher(d.cpu.text).find())
        .as("docker/Dockerfile mentions onnxruntime_gpu")
        .isFalse();

    // GPU image: the GPU artifact only.
    assertThat(d.gpu.fetchedArtifacts())
        .as("docker/Dockerfile.gpu-taskmanager fetches")
        .contains("com.microsoft.onnxruntime:onnxruntime_gpu:" + ort);
    assertThat(d.gpu.libJars())
        .as("docker/Dockerfile.gpu-taskmanager: jars copied into %s/lib", FLINK_HOME)
        .containsExactly("onnxruntime_gpu-" + ort + ".jar");
    assertThat(cpuArtifact.matcher(d.gpu.text).find() || cpuJar.matcher(d.gpu.text).find())
        .as("docker/Dockerfile.gpu-taskmanager mentions the CPU onnxruntime jar")
        .isFalse();

    // Compose and Kubernetes: GPU images only where GPUs are.
    d.composeServices()
        .forEach(
            (name, service) -> {
              String dockerfile = str(at(service, "build", "dockerfile"));
              String image = str(service.get("image"));
              boolean gpuService = hasGpuReservation(service);
              if (dockerfile != null) {
                assertThat(dockerfile.endsWith("Dockerfile.gpu-taskmanager"))
                    .as("compose %s: GPU Dockerfile exactly for the GPU service", name)
                    .isEqualTo(gpuService);
              }
              if (image != null && image.startsWith("inferstream-")) {
                assertThat(image.contains("gpu"))
                    .as("compose %s: GPU image exactly for the GPU service", name)
                    .isEqualTo(gpuService);
              }
            });
    assertThat(str(at(d.k8s, "spec", "image")))
        .as("k8s/flink-deployment.yaml image")
        .doesNotContain("gpu");
    assertThat(str(at(d.k8sGpu, "spec", "image")))
        .as("k8s GPU image")
        .contains("inferstream-flink-gpu-taskmanager");
  }

  static void gpuBaseIsCuda12WithCudnn9(Deployment d) {
    String cudaImage = d.gpu.globalArgs.get("CUDA_IMAGE");
    assertThat(cudaImage)
        .as("CUDA_IMAGE: CUDA 12.x with cuDNN 9 (the `-cudnn-` tags; `-cudnn8-` is cuDNN 8)")
        .matches("nvidia/cuda:12\\.\\d+(\\.\\d+)?-cudnn-runtime-ubuntu\\d+\\.\\d+");
    assertThat(d.gpu.finalStage().from)
        .as("docker/Dockerfile.gpu-taskmanager's final stage")
        .isEqualTo(cudaImage);
    assertThat(d.gpu.globalArgs.get("JRE_IMAGE"))
        .as("JRE_IMAGE: a Java 17 runtime")
        .matches("eclipse-temurin:17-jre(-\\w+)?");
    assertThat(d.gpu.stages.stream().map(s -> s.from))
        .as("stages of docker/Dockerfile.gpu-taskmanager")
        .contains(d.gpu.globalArgs.get("JRE_IMAGE"));
    Dockerfile.Stage last = d.gpu.finalStage();
    assertThat(last.copies().stream().map(c -> c.dest()))
        .as("the final stage copies Java, Flink and its entrypoint")
        .contains("/opt/java/openjdk", FLINK_HOME, "/docker-entrypoint.sh");
    assertThat(last.jsonArray("ENTRYPOINT")).containsExactly("/docker-entrypoint.sh");
    assertThat(last.jsonArray("CMD")).containsExactly("taskmanager");
  }

  static void imagesRunAsNonRoot(Deployment d) {
    assertThat(d.cpu.finalStage().lastUser()).as("docker/Dockerfile USER").isEqualTo("flink");
    assertThat(d.cpu.stage("registry").lastUser())
        .as("docker/Dockerfile registry stage USER")
        .isNotNull()
        .isNotIn("root", "0");
    assertThat(d.gpu.finalStage().lastUser())
        .as("docker/Dockerfile.gpu-taskmanager USER")
        .isEqualTo("flink");
    assertThat(d.gpu.text)
        .as("the GPU image's flink user has the official image's uid, so volumes are shared")
        .contains("--uid=9999");
    Map<String, Object> security = map(at(d.k8s, "spec", "podTemplate", "spec", "securityContext"));
    assertThat(security).as("k8s pod securityContext").containsEntry("runAsNonRoot", true);
    assertThat(security.get("runAsUser")).as("k8s runAsUser").isEqualTo(9999);
  }

  // ---------------------------------------------------------------------------------------------
  // The job: jar, main class, program arguments.

  static void jobJarIsTheSameEverywhere(Deployment d) {
    String built =
        "inference-job/target/"
            + d.jobArtifactId
            + "-${PROJECT_VERSION}-"
            + d.jobClassifier
            + ".jar";
    for (Dockerfile f : List.of(d.cpu, d.gpu)) {
      assertThat(f.stages.get(0).runText())
          .as("%s copies the shaded job jar the inference-job build makes", f.path)
          .contains(built);
      assertThat(f.finalStage().copies().stream().map(Dockerfile.Copy::dest))
          .as("%s: the job jar in usrlib/", f.path)
          .contains(JOB_JAR);
    }
    assertThat(str(at(d.k8s, "spec", "job", "jarURI"))).isEqualTo("local://" + JOB_JAR);
    assertThat(str(at(d.k8s, "spec", "job", "entryClass")))
        .as("k8s entryClass = the job jar's manifest main class")
        .isEqualTo(d.mainClass);
    assertThat(d.composeFlinkRun().jar()).as("compose `flink run` jar").isEqualTo(JOB_JAR);
  }

  static void jobArgumentsAreInferenceOptions(Deployment d) {
    assertThat(d.inferenceKeys).as("keys read from InferenceOptions.java").hasSizeGreaterThan(10);
    Map<String, Map<String, String>> argSets =
        Map.of(
            "compose `flink run`", programOptions(d.composeFlinkRun().programArgs()),
            "k8s job.args", programOptions(strings(at(d.k8s, "spec", "job", "args"))),
            "k8s GPU job.args", programOptions(strings(at(d.k8sGpu, "spec", "job", "args"))));
    argSets.forEach(
        (where, options) -> {
          assertThat(options.keySet())
              .as("%s: options that InferenceOptions defines", where)
              .isSubsetOf(d.inferenceKeys)
              .contains("inference.kafka.bootstrap-servers");
        });
    for (Map<String, Object> k8s : List.of(d.k8s, d.k8sGpu)) {
      assertThat(
              d.flinkConfiguration(k8s).keySet().stream().filter(k -> k.startsWith("inference.")))
          .as("k8s flinkConfiguration inference.* keys")
          .allMatch(d.inferenceKeys::contains);
    }
    assertThat(d.flinkConf.keySet().stream().filter(k -> k.startsWith("inference.")))
        .as("flink-conf/config.yaml inference.* keys")
        .allMatch(d.inferenceKeys::contains);
  }

  // ---------------------------------------------------------------------------------------------
  // Flink configuration: config.yaml, the images, compose, Kubernetes.

  static void imageConfigIsFlinkConf(Deployment d) {
    Map<String, Configuration> images = new LinkedHashMap<>();
    images.put("docker/Dockerfile", d.cpuImageConf);
    images.put("docker/Dockerfile.gpu-taskmanager", d.gpuImageConf);
    images.forEach(
        (path, image) -> {
          boolean gpu = path.endsWith("gpu-taskmanager");
          Map<String, String> expected =
              new TreeMap<>((gpu ? d.flinkConfGpu : d.flinkConf).toMap());
          expected.remove("taskmanager.host");
          expected.putAll(CONTAINER_EDITS);
          Map<String, String> actual = new TreeMap<>(image.toMap());
          if (gpu) {
            // checked by gpuTaskManagersHaveRoomForCuda
            expected.keySet().removeAll(GPU_MEMORY_KEYS);
            actual.keySet().removeAll(GPU_MEMORY_KEYS);
          }
          assertThat(actual)
              .as(
                  "%s: flink-conf/config.yaml%s with the container edits only",
                  path, gpu ? " + config-gpu.yaml" : "")
              .isEqualTo(expected);
        });
  }

  static void composeFlinkPropertiesAgreeWithFlinkConf(Deployment d) {
    Map<String, String> image = d.cpuImageConf.toMap();
    d.flinkServices()
        .forEach(
            (name, service) -> {
              String properties = str(at(service, "environment", "FLINK_PROPERTIES"));
              assertThat(properties).as("compose %s FLINK_PROPERTIES", name).isNotNull();
              Map<String, String> props = new LinkedHashMap<>();
              for (String line : properties.split("\n")) {
                if (line.isBlank()) {
                  continue;
                }
                int colon = line.indexOf(':');
                assertThat(colon).as("compose %s: '%s' is key: value", name, line).isPositive();
                String value = line.substring(colon + 1).strip();
                // docker-entrypoint.sh deletes every whitespace character of a line.
                assertThat(value)
                    .as("compose %s FLINK_PROPERTIES '%s': no whitespace in the value", name, line)
                    .doesNotContainPattern("\\s");
                props.put(line.substring(0, colon).strip(), value);
              }
              assertThat(props)
                  .as("compose %s: where the JobManager is", name)
                  .containsEntry("jobmanager.rpc.address", "jobmanager");
              props.forEach(
                  (key, value) -> {
                    if (!HOST_SPECIFIC_KEYS.contains(key) && image.containsKey(key)) {
                      assertThat(value)
                          .as("compose %s overrides %s of flink-conf/config.yaml", name, key)
                          .isEqualTo(image.get(key));
                    }
                    assertThat(HOST_SPECIFIC_KEYS.contains(key) || !image.containsKey(key))
                        .as(
                            "compose %s: FLINK_PROPERTIES sets %s, which config.yaml owns",
                            name, key)
                        .isTrue();
                  });
            });
  }

  static void kubernetesConfigurationIsFlinkConf(Deployment d) {
    Map<String, Map<String, Object>> deployments = new LinkedHashMap<>();
    deployments.put("k8s/flink-deployment.yaml", d.k8s);
    deployments.put("k8s/flink-deployment-gpu.yaml", d.k8sGpu);
    deployments.forEach(
        (where, k8s) -> {
          boolean gpu = k8s == d.k8sGpu;
          Map<String, String> conf = (gpu ? d.flinkConfGpu : d.flinkConf).toMap();
          Map<String, String> k8sConf = d.flinkConfiguration(k8s);
          conf.forEach(
              (key, value) -> {
                if (!HOST_SPECIFIC_KEYS.contains(key) && !(gpu && GPU_MEMORY_KEYS.contains(key))) {
                  assertThat(k8sConf.get(key))
                      .as(
                          "%s flinkConfiguration %s (flink-conf/config.yaml%s: %s)",
                          where, key, gpu ? " + config-gpu.yaml" : "", value)
                      .isEqualTo(value);
                }
              });
          assertThat(memory(at(k8s, "spec", "jobManager", "resource", "memory")))
              .as("%s jobManager memory = jobmanager.memory.process.size", where)
              .isEqualTo(MemorySize.parse(conf.get("jobmanager.memory.process.size")));
          if (!gpu) {
            assertThat(memory(at(k8s, "spec", "taskManager", "resource", "memory")))
                .as("%s taskManager memory = taskmanager.memory.process.size", where)
                .isEqualTo(MemorySize.parse(conf.get("taskmanager.memory.process.size")));
          }
          assertThat(String.valueOf(at(k8s, "spec", "job", "parallelism")))
              .as("%s job.parallelism = parallelism.default", where)
              .isEqualTo(conf.get("parallelism.default"));
        });
  }

  static void memoryBudgetFitsOffHeap(Deployment d) {
    Map<String, Configuration> deployments = new LinkedHashMap<>();
    deployments.put("flink-conf/config.yaml", d.flinkConf);
    deployments.put("docker/Dockerfile.gpu-taskmanager", d.gpuImageConf);
    deployments.put("k8s/flink-deployment.yaml", d.k8sTaskManagerConf(d.k8s));
    deployments.put("k8s/flink-deployment-gpu.yaml", d.k8sTaskManagerConf(d.k8sGpu));
    TaskExecutorProcessSpec cpuSpec = taskManagerMemory("flink-conf/config.yaml", d.flinkConf);
    deployments.forEach(
        (where, conf) -> {
          TaskExecutorProcessSpec spec = taskManagerMemory(where, conf);
          String budget = conf.toMap().get("inference.model.memory-budget");
          assertThat(budget).as("%s sets inference.model.memory-budget", where).isNotNull();
          assertThat(
                  MemorySize.parse(budget)
                      .add(ORT_ENVIRONMENT)
                      .compareTo(spec.getTaskOffHeapSize()))
              .as(
                  "%s: memory budget %s + ORT environment %s <= task off-heap %s",
                  where, budget, ORT_ENVIRONMENT, spec.getTaskOffHeapSize())
              .isLessThanOrEqualTo(0);
          if (where.contains("gpu")) {
            // config-gpu.yaml: CUDA's host memory (1-2 GiB) needs more task off-heap memory, and
            // the process must grow with it so the JVM heap is not squeezed.
            assertThat(spec.getTaskOffHeapSize().subtract(cpuSpec.getTaskOffHeapSize()))
                .as("%s: task off-heap memory beyond config.yaml's, for CUDA", where)
                .isGreaterThanOrEqualTo(CUDA_HOST_MEMORY);
            assertThat(spec.getTaskHeapSize())
                .as("%s: task heap at least config.yaml's", where)
                .isGreaterThanOrEqualTo(cpuSpec.getTaskHeapSize());
          }
        });
  }

  // ---------------------------------------------------------------------------------------------
  // Prometheus.

  static void prometheusTargetsAreReporterPorts(Deployment d) {
    String range = d.flinkConf.toMap().get("metrics.reporter.prom.port");
    assertThat(range).as("metrics.reporter.prom.port").matches("\\d+(-\\d+)?");
    String[] bounds = range.split("-");
    int low = Integer.parseInt(bounds[0]);
    int high = Integer.parseInt(bounds[bounds.length - 1]);
    Set<String> services = d.composeServices().keySet();
    Set<String> scraped = new TreeSet<>();
    for (Object job : list(d.prometheus.get("scrape_configs"))) {
      Map<String, Object> scrape = map(job);
      String jobName = str(scrape.get("job_name"));
      if (!jobName.startsWith("flink")) {
        continue;
      }
      for (Object sc : list(scrape.getOrDefault("static_configs", List.of()))) {
        for (String target : strings(map(sc).get("targets"))) {
          String[] hostPort = target.split(":");
          assertThat(Integer.parseInt(hostPort[1]))
              .as("prometheus %s target %s in %s", jobName, target, range)
              .isBetween(low, high);
          scraped.add(hostPort[0]);
        }
      }
      for (Object dns : list(scrape.getOrDefault("dns_sd_configs", List.of()))) {
        assertThat((Integer) map(dns).get("port"))
            .as("prometheus %s DNS port in %s", jobName, range)
            .isBetween(low, high);
        scraped.addAll(strings(map(dns).get("names")));
      }
    }
    assertThat(scraped).as("scraped hosts are compose services").isSubsetOf(services);
    assertThat(scraped)
        .as("every JobManager and TaskManager service is scraped")
        .containsAll(d.flinkDaemonServices());
    for (String name : d.flinkDaemonServices()) {
      List<String> ports = strings(d.composeServices().get(name).get("ports"));
      List<String> reporter =
          ports.stream().filter(p -> p.endsWith(":" + low)).collect(Collectors.toList());
      assertThat(reporter)
          .as("compose %s publishes the reporter's port %s (first of %s)", name, low, range)
          .hasSize(1);
      String[] parts = reporter.get(0).split(":");
      for (String hostPort : parts[parts.length - 2].split("-")) {
        assertThat(Integer.parseInt(hostPort))
            .as("compose %s host port of the reporter within %s", name, range)
            .isBetween(low, high);
      }
    }
    assertThat(
            Integer.parseInt(
                str(
                    at(
                        d.k8s,
                        "spec",
                        "podTemplate",
                        "metadata",
                        "annotations",
                        "prometheus.io/port"))))
        .as("k8s prometheus.io/port")
        .isEqualTo(low);
    assertThat(d.mainContainer(at(d.k8s, "spec", "podTemplate")).get("ports").toString())
        .as("k8s main container ports")
        .contains("containerPort=" + low);
  }

  // ---------------------------------------------------------------------------------------------
  // Kafka: topics and listeners.

  static void composeTopicsAreTheJobsTopics(Deployment d) {
    Map<String, NewTopic> expected = new TreeMap<>();
    for (NewTopic topic : InferenceTopics.newTopics(TopicSettings.defaults())) {
      expected.put(topic.name(), topic);
    }
    Map<String, List<String>> created = d.composeCreatedTopics();
    assertThat(created.keySet())
        .as("topics kafka-init creates = InferenceTopics.newTopics(TopicSettings.defaults())")
        .isEqualTo(expected.keySet());
    assertThat(created.keySet())
        .as("the job's default topics (InferenceOptions)")
        .containsAll(d.jobDefaultTopics());
    expected.forEach(
        (name, topic) -> {
          Map<String, String> options = options(created.get(name));
          assertThat(options.get("--partitions"))
              .as("%s partitions", name)
              .isEqualTo(String.valueOf(topic.numPartitions()));
          assertThat(options.get("--replication-factor"))
              .as("%s replication factor", name)
              .isEqualTo(String.valueOf(topic.replicationFactor()));
          Map<String, String> configs = new TreeMap<>();
          List<String> args = created.get(name);
          for (int i = 0; i < args.size() - 1; i++) {
            if (args.get(i).equals("--config")) {
              String[] kv = args.get(i + 1).split("=", 2);
              configs.put(kv[0], kv[1]);
            }
          }
          assertThat(configs).as("%s configs", name).isEqualTo(new TreeMap<>(topic.configs()));
        });
    Map<String, Object> kafkaEnv = map(at(d.composeServices().get("kafka"), "environment"));
    long messageMax = Long.parseLong(str(kafkaEnv.get("KAFKA_MESSAGE_MAX_BYTES")));
    assertThat(messageMax)
        .as("broker message.max.bytes fits the topics' max.message.bytes")
        .isGreaterThanOrEqualTo(InferenceTopics.MAX_RECORD_BYTES);
    assertThat(str(kafkaEnv.get("KAFKA_AUTO_CREATE_TOPICS_ENABLE"))).isEqualTo("false");
  }

  static void kafkaListenersMatchTheClients(Deployment d) {
    Map<String, Object> kafka = d.composeServices().get("kafka");
    Map<String, Object> env = map(kafka.get("environment"));
    Map<String, String> listeners = listenerMap(str(env.get("KAFKA_LISTENERS")));
    Map<String, String> advertised = listenerMap(str(env.get("KAFKA_ADVERTISED_LISTENERS")));
    String controller = str(env.get("KAFKA_CONTROLLER_LISTENER_NAMES"));
    assertThat(advertised)
        .as("the controller listener is not advertised")
        .doesNotContainKey(controller);
    assertThat(str(env.get("KAFKA_CONTROLLER_QUORUM_VOTERS")))
        .as("quorum voter = this node on its controller listener")
        .isEqualTo(str(env.get("KAFKA_NODE_ID")) + "@kafka" + listeners.get(controller));

    // Containers: the job, the registry and kafka-init all bootstrap from one advertised listener
    // whose host is the kafka service and whose port is the port that listener listens on.
    String bootstrap =
        programOptions(d.composeFlinkRun().programArgs()).get("inference.kafka.bootstrap-servers");
    String internal =
        advertised.entrySet().stream()
            .filter(e -> ("kafka:" + port(listeners.get(e.getKey()))).equals(bootstrap))
            .filter(e -> e.getValue().equals(bootstrap))
            .map(Map.Entry::getKey)
            .findFirst()
            .orElse(null);
    assertThat(internal)
        .as(
            "the job's bootstrap server %s is the advertised listener of a port kafka listens on (%s / %s)",
            bootstrap, advertised, listeners)
        .isNotNull();
    assertThat(
            options(strings(d.composeServices().get("registry").get("command")))
                .get("--bootstrap-servers"))
        .as("registry --bootstrap-servers")
        .isEqualTo(bootstrap);
    for (List<String> create : d.composeCreatedTopics().values()) {
      assertThat(options(create).get("--bootstrap-server")).as("kafka-init").isEqualTo(bootstrap);
    }
    assertThat(str(env.get("KAFKA_INTER_BROKER_LISTENER_NAME"))).isEqualTo(internal);

    // The host: each published port reaches a listener advertised as localhost:<published port>.
    for (String mapping : strings(kafka.get("ports"))) {
      String[] parts = mapping.split(":");
      String hostPort = parts[parts.length - 2];
      String containerPort = parts[parts.length - 1];
      String name =
          listeners.entrySet().stream()
              .filter(e -> port(e.getValue()).equals(containerPort))
              .map(Map.Entry::getKey)
              .findFirst()
              .orElse(null);
      assertThat(name).as("kafka publishes %s: a listener port", mapping).isNotNull();
      assertThat(advertised.get(name))
          .as("kafka listener %s published as %s", name, mapping)
          .isEqualTo("localhost:" + hostPort);
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Compose wiring.

  static void composeIsWired(Deployment d) {
    for (String value : scalars(d.compose)) {
      assertThat(value.replace("$$", ""))
          .as("compose.yaml: every literal $ is written $$ (compose interpolates $VAR): %s", value)
          .doesNotContain("$");
    }
    Map<String, Map<String, Object>> services = d.composeServices();
    services.forEach(
        (name, service) -> {
          Object dependsOn = service.get("depends_on");
          Set<String> deps =
              dependsOn instanceof Map<?, ?> m
                  ? m.keySet().stream().map(String::valueOf).collect(Collectors.toSet())
                  : new LinkedHashSet<>(strings(dependsOn));
          assertThat(deps).as("compose %s depends_on", name).isSubsetOf(services.keySet());
          Object build = service.get("build");
          if (build != null) {
            assertThat(str(at(service, "build", "context")))
                .as("compose %s build context", name)
                .isEqualTo("..");
            assertThat(root.resolve(str(at(service, "build", "dockerfile"))))
                .as("compose %s Dockerfile", name)
                .isRegularFile();
          }
        });
    // Checkpoints: the image writes them under /opt/flink/data; every JobManager and TaskManager
    // mounts the same volume there.
    String checkpoints = d.cpuImageConf.toMap().get("execution.checkpointing.dir");
    String dataDir = checkpoints.substring("file://".length(), checkpoints.lastIndexOf('/'));
    Set<String> volumes = new TreeSet<>();
    for (String name : d.flinkDaemonServices()) {
      List<String> mounts = strings(services.get(name).get("volumes"));
      String mount =
          mounts.stream().filter(v -> v.endsWith(":" + dataDir)).findFirst().orElse(null);
      assertThat(mount)
          .as("compose %s mounts %s (checkpoints %s)", name, dataDir, checkpoints)
          .isNotNull();
      volumes.add(mount.split(":")[0]);
    }
    assertThat(volumes).as("one shared checkpoint volume").hasSize(1);
    assertThat(map(d.compose.get("volumes")))
        .as("named volumes")
        .containsKeys(volumes.toArray(String[]::new));

    // The submitter: against the JobManager's REST port, detached, once.
    FlinkRun run = d.composeFlinkRun();
    assertThat(run.detached()).as("flink run -d").isTrue();
    assertThat(run.jobManager())
        .as("flink run -m: the jobmanager service on rest.port")
        .isEqualTo("jobmanager:" + d.flinkConf.toMap().get("rest.port"));
    assertThat(d.composeScript("job-submit"))
        .as("the submitter skips a job that already runs (InferenceJob.JOB_NAME)")
        .contains("' : " + d.jobName + " ('");
    assertThat(strings(services.get("jobmanager").get("ports")))
        .as("jobmanager publishes the REST port")
        .contains(
            "127.0.0.1:"
                + d.flinkConf.toMap().get("rest.port")
                + ":"
                + d.flinkConf.toMap().get("rest.port"));

    // The registry: its flags exist, and task managers reach the URL it advertises.
    Map<String, String> registry = options(strings(services.get("registry").get("command")));
    assertThat(registry.keySet())
        .as("registry flags (RegistryMain @Option names)")
        .isSubsetOf(d.registryFlags);
    assertThat(registry.get("--advertised-url"))
        .as("registry --advertised-url: the registry service on its --port")
        .isEqualTo("http://registry:" + registry.get("--port"));
    assertThat(strings(services.get("registry").get("ports")))
        .contains("127.0.0.1:8082:" + registry.get("--port"));
    assertThat(registry.get("--seed-repository"))
        .as("the registry image holds models/ there")
        .isEqualTo(
            d.cpu.stage("registry").copies().stream()
                .filter(c -> c.sources().contains("models"))
                .map(Dockerfile.Copy::dest)
                .findFirst()
                .orElse(null));

    // The GPU task manager: opt-in, with an NVIDIA GPU reserved.
    Map<String, Object> gpu = services.get("taskmanager-gpu");
    assertThat(strings(gpu.get("profiles"))).as("taskmanager-gpu profiles").containsExactly("gpu");
    assertThat(hasGpuReservation(gpu)).as("taskmanager-gpu reserves an NVIDIA GPU").isTrue();
  }

  // ---------------------------------------------------------------------------------------------
  // Kubernetes.

  static void kubernetesDeploymentIsComplete(Deployment d) {
    String flink = d.pom("flink.version");
    for (Map<String, Object> k8s : List.of(d.k8s, d.k8sGpu)) {
      assertThat(str(k8s.get("apiVersion"))).isEqualTo("flink.apache.org/v1beta1");
      assertThat(str(k8s.get("kind"))).isEqualTo("FlinkDeployment");
      String upgradeMode = str(at(k8s, "spec", "job", "upgradeMode"));
      assertThat(upgradeMode).as("upgradeMode keeps state").isIn("last-state", "savepoint");
      Map<String, String> conf = d.flinkConfiguration(k8s);
      map(at(k8s, "spec", "flinkConfiguration"))
          .forEach(
              (key, value) ->
                  assertThat(value)
                      .as(
                          "k8s flinkConfiguration %s is a string (older operators take only strings)",
                          key)
                      .isInstanceOf(String.class));
      if (upgradeMode.equals("last-state")) {
        assertThat(conf)
            .as("last-state needs HA metadata")
            .containsEntry("high-availability.type", "kubernetes");
      }
      // Durable storage for checkpoints, savepoints and HA, and the plugin that serves its scheme.
      List<String> envPlugins = new ArrayList<>();
      for (Object env :
          list(d.mainContainer(at(k8s, "spec", "podTemplate")).getOrDefault("env", List.of()))) {
        if ("ENABLE_BUILT_IN_PLUGINS".equals(map(env).get("name"))) {
          envPlugins.addAll(List.of(str(map(env).get("value")).split(";")));
        }
      }
      for (String key :
          List.of(
              "execution.checkpointing.dir",
              "execution.checkpointing.savepoint-dir",
              "high-availability.storageDir")) {
        String uri = conf.get(key);
        assertThat(uri)
            .as("k8s %s: durable, not file://", key)
            .isNotNull()
            .doesNotStartWith("file:");
        if (uri.startsWith("s3://")) {
          assertThat(envPlugins)
              .as("k8s %s on s3:// needs the S3 plugin of Flink %s enabled", key, flink)
              .containsAnyOf(
                  "flink-s3-fs-presto-" + flink + ".jar", "flink-s3-fs-hadoop-" + flink + ".jar");
        }
      }
      // The operator's autoscaler: real keys only, within the job's max parallelism.
      Set<String> autoscaler =
          conf.keySet().stream()
              .filter(k -> k.startsWith("job.autoscaler."))
              .map(k -> k.substring("job.autoscaler.".length()))
              .collect(Collectors.toCollection(TreeSet::new));
      assertThat(autoscaler)
          .as("job.autoscaler.* keys")
          .contains("enabled")
          .isSubsetOf(AUTOSCALER_KEYS);
      assertThat(conf).containsEntry("job.autoscaler.enabled", "true");
      assertThat(Integer.parseInt(conf.get("job.autoscaler.vertex.max-parallelism")))
          .as("autoscaler max parallelism <= inference.max-parallelism default")
          .isLessThanOrEqualTo(d.jobMaxParallelism);
      assertThat(str(at(k8s, "spec", "job", "state"))).isEqualTo("running");
    }
    // The GPU deployment is the CPU one plus its image, the gpu resource and the GPU pods.
    assertThat(withoutGpuParts(d.k8sGpu))
        .as(
            "k8s/flink-deployment-gpu.yaml = k8s/flink-deployment.yaml but for spec.image,"
                + " external-resource* keys, task manager memory and taskManager.podTemplate")
        .isEqualTo(withoutGpuParts(d.k8s));
  }

  static void gpuExternalResourceIsConfigured(Deployment d) {
    Map<String, String> overlay = externalResources(d.flinkConfGpu);
    assertThat(overlay)
        .as("flink-conf/config-gpu.yaml: the gpu external resource")
        .containsEntry("external-resources", "gpu")
        .containsEntry("external-resource.gpu.driver-factory.class", GPU_DRIVER_FACTORY)
        .containsEntry("external-resource.gpu.param.discovery-script.path", GPU_DISCOVERY_SCRIPT);
    Map<String, String> image = externalResources(d.gpuImageConf);
    assertThat(image)
        .as("docker/Dockerfile.gpu-taskmanager appends config-gpu.yaml to config.yaml")
        .isEqualTo(overlay);
    assertThat(d.gpu.text)
        .as("the GPU image installs the discovery script where it is configured")
        .contains("plugins/external-resource-gpu")
        .contains("chmod 755 plugins/external-resource-gpu/*.sh");
    assertThat(externalResources(d.cpuImageConf)).as("the CPU image declares no GPU").isEmpty();

    Map<String, String> k8sGpu = d.flinkConfiguration(d.k8sGpu);
    Map<String, String> expected = new TreeMap<>(overlay);
    expected.put("external-resource.gpu.kubernetes.config-key", "nvidia.com/gpu");
    assertThat(externalResources(Configuration.fromMap(k8sGpu)))
        .as("k8s/flink-deployment-gpu.yaml: config-gpu.yaml's gpu resource + its Kubernetes name")
        .isEqualTo(expected);
    assertThat(
            d.flinkConfiguration(d.k8s).keySet().stream()
                .filter(k -> k.startsWith("external-resource")))
        .as("k8s/flink-deployment.yaml (CPU) declares no GPU")
        .isEmpty();

    Map<String, Object> tmTemplate = map(at(d.k8sGpu, "spec", "taskManager", "podTemplate"));
    Map<String, Object> resources = map(d.mainContainer(tmTemplate).get("resources"));
    String amount = k8sGpu.get("external-resource.gpu.amount");
    assertThat(String.valueOf(at(resources, "limits", "nvidia.com/gpu")))
        .as("k8s GPU task manager limits nvidia.com/gpu = external-resource.gpu.amount")
        .isEqualTo(amount);
    assertThat(String.valueOf(at(resources, "requests", "nvidia.com/gpu")))
        .as("k8s GPU task manager requests nvidia.com/gpu = external-resource.gpu.amount")
        .isEqualTo(amount);
    assertThat(list(at(tmTemplate, "spec", "tolerations")).toString())
        .as("k8s GPU tolerates the GPU nodes' taint")
        .contains("key=nvidia.com/gpu");
    assertThat(at(d.k8s, "spec", "taskManager", "podTemplate"))
        .as("the CPU deployment's task managers request no GPU")
        .isNull();
  }

  // ---------------------------------------------------------------------------------------------
  // The parsed files.

  static final class Deployment {
    final Map<String, String> text;
    final Map<String, String> pomProperties = new TreeMap<>();
    final String mainClass;
    final String jobArtifactId;
    final String jobClassifier;
    final Configuration flinkConf;
    final Configuration flinkConfGpu;
    final Dockerfile cpu;
    final Dockerfile gpu;
    final Configuration cpuImageConf;
    final Configuration gpuImageConf;
    final Map<String, Object> compose;
    final Map<String, Object> prometheus;
    final Map<String, Object> k8s;
    final Map<String, Object> k8sGpu;
    final Set<String> inferenceKeys;
    final int jobMaxParallelism;
    final String jobName;
    final Set<String> registryFlags;
    private final String inferenceOptionsSource;

    Deployment(Map<String, String> text, Path tmp) {
      this.text = text;
      Element parent = xml(text.get("pom.xml")).getDocumentElement();
      pomProperties.put("project.version", child(parent, "version").getTextContent().strip());
      Node properties = child(parent, "properties");
      for (Node n = properties.getFirstChild(); n != null; n = n.getNextSibling()) {
        if (n instanceof Element e) {
          pomProperties.put(e.getTagName(), e.getTextContent().strip());
        }
      }
      Document jobPom = xml(text.get("inference-job/pom.xml"));
      jobArtifactId = child(jobPom.getDocumentElement(), "artifactId").getTextContent().strip();
      mainClass = jobPom.getElementsByTagName("mainClass").item(0).getTextContent().strip();
      jobClassifier =
          jobPom.getElementsByTagName("shadedClassifierName").item(0).getTextContent().strip();

      String configYaml = text.get("flink-conf/config.yaml");
      flinkConf = loadFlinkConf(tmp, configYaml, List.of());
      // bin/flink-cluster --gpu appends the overlay to config.yaml
      flinkConfGpu =
          loadFlinkConf(tmp, configYaml + "\n" + text.get("flink-conf/config-gpu.yaml"), List.of());
      cpu = new Dockerfile("docker/Dockerfile", text.get("docker/Dockerfile"));
      gpu =
          new Dockerfile(
              "docker/Dockerfile.gpu-taskmanager", text.get("docker/Dockerfile.gpu-taskmanager"));
      cpuImageConf =
          loadFlinkConf(tmp, imageConfigYaml(cpu), cpu.configParserArgs(cpu.finalStage()));
      gpuImageConf =
          loadFlinkConf(tmp, imageConfigYaml(gpu), gpu.configParserArgs(gpu.finalStage()));

      compose = yaml(text.get("docker/compose.yaml"));
      prometheus = yaml(text.get("docker/prometheus.yml"));
      k8s = yaml(text.get("k8s/flink-deployment.yaml"));
      k8sGpu = yaml(text.get("k8s/flink-deployment-gpu.yaml"));

      inferenceOptionsSource =
          text.get("inference-job/src/main/java/io/inferstream/job/InferenceOptions.java");
      inferenceKeys = new TreeSet<>(groups(inferenceOptionsSource, "key\\(\"([^\"]+)\"\\)"));
      Matcher maxParallelism =
          Pattern.compile(
                  "key\\(\"inference\\.max-parallelism\"\\)[^;]*?\\.defaultValue\\((\\d+)\\)")
              .matcher(inferenceOptionsSource);
      assertThat(maxParallelism.find())
          .as("inference.max-parallelism default in InferenceOptions")
          .isTrue();
      jobMaxParallelism = Integer.parseInt(maxParallelism.group(1));
      List<String> names =
          groups(
              text.get("inference-job/src/main/java/io/inferstream/job/InferenceJob.java"),
              "JOB_NAME\\s*=\\s*\"([^\"]+)\"");
      assertThat(names).as("InferenceJob.JOB_NAME").hasSize(1);
      jobName = names.get(0);
      registryFlags = new TreeSet<>();
      for (String names2 :
          groups(
              text.get("model-registry/src/main/java/io/inferstream/registry/RegistryMain.java"),
              "names\\s*=\\s*(\\{[^}]*}|\"[^\"]*\")")) {
        registryFlags.addAll(groups(names2, "\"(-[^\"]+)\""));
      }
    }

    /**
     * The image's config.yaml before config-parser-utils.sh: flink-conf/config.yaml plus the
     * flink-conf/*.yaml files the final stage appends to it ({@code cat X >> conf/config.yaml}).
     */
    String imageConfigYaml(Dockerfile f) {
      StringBuilder yaml = new StringBuilder(text.get("flink-conf/config.yaml"));
      Matcher m =
          Pattern.compile("cat\\s+(\\S+?)\\s*;?\\s*}?\\s*>>\\s*(\\S+?);?(\\s|$)")
              .matcher(f.finalStage().resolve(f.finalStage().runText()));
      while (m.find()) {
        assertThat(m.group(2))
            .as("%s appends to", f.path)
            .isEqualTo(FLINK_HOME + "/conf/config.yaml");
        assertThat(m.group(1)).as("%s appends", f.path).startsWith(FLINK_HOME + "/conf/");
        String source = "flink-conf/" + m.group(1).substring((FLINK_HOME + "/conf/").length());
        assertThat(text).as("%s appends %s", f.path, source).containsKey(source);
        yaml.append('\n').append(text.get(source));
      }
      return yaml.toString();
    }

    String pom(String property) {
      String value = pomProperties.get(property);
      assertThat(value).as("pom.xml property %s", property).isNotNull();
      return value;
    }

    /**
     * The topics the job reads and writes by default: InferenceOptions'
     * defaultValue(InferenceTopics.X).
     */
    Set<String> jobDefaultTopics() {
      Set<String> topics = new TreeSet<>();
      for (String constant :
          groups(
              inferenceOptionsSource,
              "key\\(\"inference\\.topic\\.[^\"]+\"\\)[^;]*?\\.defaultValue\\(InferenceTopics\\.(\\w+)\\)")) {
        try {
          topics.add((String) InferenceTopics.class.getField(constant).get(null));
        } catch (ReflectiveOperationException e) {
          throw new AssertionError("InferenceOptions uses InferenceTopics." + constant, e);
        }
      }
      assertThat(topics).as("topic defaults in InferenceOptions").isNotEmpty();
      return topics;
    }

    @SuppressWarnings("unchecked")
    Map<String, Map<String, Object>> composeServices() {
      Map<String, Map<String, Object>> services = new LinkedHashMap<>();
      map(compose.get("services")).forEach((k, v) -> services.put(k, (Map<String, Object>) v));
      return services;
    }

    Map<String, String> composeImages() {
      Map<String, String> images = new TreeMap<>();
      composeServices()
          .forEach(
              (name, s) -> {
                if (s.get("image") != null) {
                  images.put(name, str(s.get("image")));
                }
              });
      return images;
    }

    /** Services that run a JobManager or TaskManager (the images' entrypoint commands). */
    Set<String> flinkDaemonServices() {
      Set<String> daemons = new TreeSet<>();
      composeServices()
          .forEach(
              (name, s) -> {
                Object command = s.get("command");
                boolean gpuImage =
                    str(at(s, "build", "dockerfile")) != null
                        && str(at(s, "build", "dockerfile")).endsWith("Dockerfile.gpu-taskmanager");
                if ("jobmanager".equals(command)
                    || "taskmanager".equals(command)
                    || (command == null && gpuImage)) {
                  daemons.add(name);
                }
              });
      assertThat(daemons)
          .as("compose JobManager and TaskManager services")
          .contains("jobmanager", "taskmanager", "taskmanager-gpu");
      return daemons;
    }

    /** Services built from our Flink images (daemons and the CLI), which read FLINK_PROPERTIES. */
    Map<String, Map<String, Object>> flinkServices() {
      Map<String, Map<String, Object>> services = new TreeMap<>();
      composeServices()
          .forEach(
              (name, s) -> {
                String image = str(s.get("image"));
                if (image != null && image.startsWith("inferstream-flink")) {
                  services.put(name, s);
                }
              });
      return services;
    }

    String composeScript(String service) {
      List<String> command = strings(composeServices().get(service).get("command"));
      return command.get(command.size() - 1);
    }

    FlinkRun composeFlinkRun() {
      for (List<String> cmd : shellCommands(composeScript("job-submit"))) {
        int i = cmd.indexOf("flink");
        if (i >= 0 && i + 1 < cmd.size() && cmd.get(i + 1).equals("run")) {
          return FlinkRun.parse(cmd.subList(i + 2, cmd.size()));
        }
      }
      throw new AssertionError("compose job-submit has no `flink run`");
    }

    /** kafka-init's kafka-topics.sh --create calls by topic, with the shell function expanded. */
    Map<String, List<String>> composeCreatedTopics() {
      List<String> prefix = null;
      Map<String, List<String>> topics = new TreeMap<>();
      for (List<String> cmd : shellCommands(composeScript("kafka-init"))) {
        if (cmd.size() > 2 && cmd.get(0).equals("create()")) {
          // create() { kafka-topics.sh --bootstrap-server ... "$@"; }
          prefix = new ArrayList<>(cmd.subList(2, cmd.size()));
          prefix.removeIf(t -> t.equals("}") || t.startsWith("$@") || t.startsWith("\"$@"));
        } else if (!cmd.isEmpty() && cmd.get(0).equals("create")) {
          assertThat(prefix).as("kafka-init defines create()").isNotNull();
          List<String> full = new ArrayList<>(prefix);
          full.addAll(cmd.subList(1, cmd.size()));
          assertThat(full.get(0)).endsWith("kafka-topics.sh");
          assertThat(full).contains("--create");
          topics.put(options(full).get("--topic"), full);
        }
      }
      return topics;
    }

    Map<String, String> flinkConfiguration(Map<String, Object> deployment) {
      Map<String, String> conf = new TreeMap<>();
      map(at(deployment, "spec", "flinkConfiguration"))
          .forEach((k, v) -> conf.put(k, String.valueOf(v)));
      return conf;
    }

    /** The configuration the operator gives a task manager: flinkConfiguration plus its memory. */
    Configuration k8sTaskManagerConf(Map<String, Object> deployment) {
      Configuration conf = Configuration.fromMap(flinkConfiguration(deployment));
      conf.set(
          TaskManagerOptions.TOTAL_PROCESS_MEMORY,
          memory(at(deployment, "spec", "taskManager", "resource", "memory")));
      return conf;
    }

    Map<String, Object> mainContainer(Object podTemplate) {
      for (Object c : list(at(podTemplate, "spec", "containers"))) {
        if ("flink-main-container".equals(map(c).get("name"))) {
          return map(c);
        }
      }
      throw new AssertionError("no flink-main-container in " + podTemplate);
    }
  }

  record FlinkRun(String jobManager, boolean detached, String jar, List<String> programArgs) {
    static FlinkRun parse(List<String> args) {
      String jobManager = null;
      boolean detached = false;
      int i = 0;
      for (; i < args.size() && args.get(i).startsWith("-"); i++) {
        switch (args.get(i)) {
          case "-d", "--detached" -> detached = true;
          case "-m", "--jobmanager" -> jobManager = args.get(++i);
          case "-p", "-c", "-s", "-t" -> i++;
          default -> {}
        }
      }
      assertThat(i).as("flink run names a jar").isLessThan(args.size());
      return new FlinkRun(jobManager, detached, args.get(i), args.subList(i + 1, args.size()));
    }
  }

  /** A Dockerfile: global ARGs, stages, instructions (continuations joined, comments dropped). */
  static final class Dockerfile {
    record Instruction(String keyword, String args) {}

    record Copy(String from, List<String> sources, String dest) {}

    final class Stage {
      String from;
      String name;
      final List<Instruction> instructions = new ArrayList<>();
      final Map<String, String> args = new LinkedHashMap<>();

      String resolve(String s) {
        Map<String, String> all = new LinkedHashMap<>(globalArgs);
        all.putAll(args);
        return Dockerfile.resolve(s, all);
      }

      String lastUser() {
        String user = null;
        for (Instruction i : instructions) {
          if (i.keyword().equals("USER")) {
            user = i.args().strip();
          }
        }
        return user;
      }

      String runText() {
        return instructions.stream()
            .filter(i -> i.keyword().equals("RUN"))
            .map(Instruction::args)
            .collect(Collectors.joining("\n"));
      }

      List<Copy> copies() {
        List<Copy> copies = new ArrayList<>();
        for (Instruction i : instructions) {
          if (!i.keyword().equals("COPY")) {
            continue;
          }
          String from = null;
          List<String> paths = new ArrayList<>();
          for (String token : resolve(i.args()).split("\\s+")) {
            if (token.startsWith("--from=")) {
              from = token.substring("--from=".length());
            } else if (!token.startsWith("--")) {
              paths.add(token);
            }
          }
          copies.add(
              new Copy(from, paths.subList(0, paths.size() - 1), paths.get(paths.size() - 1)));
        }
        return copies;
      }

      List<String> jsonArray(String keyword) {
        List<String> values = null;
        for (Instruction i : instructions) {
          if (i.keyword().equals(keyword)) {
            values = groups(i.args(), "\"([^\"]*)\"");
          }
        }
        return values;
      }
    }

    final String path;
    final String text;
    final Map<String, String> globalArgs = new LinkedHashMap<>();
    final List<Stage> stages = new ArrayList<>();

    Dockerfile(String path, String text) {
      this.path = path;
      this.text = text;
      List<String> logical = new ArrayList<>();
      StringBuilder current = null;
      for (String raw : text.split("\n", -1)) {
        String line = raw.strip();
        if (line.startsWith("#")) {
          continue;
        }
        if (current == null) {
          if (line.isEmpty()) {
            continue;
          }
          current = new StringBuilder();
        }
        if (line.endsWith("\\")) {
          current.append(line, 0, line.length() - 1).append(' ');
          continue;
        }
        current.append(line);
        logical.add(current.toString().strip());
        current = null;
      }
      Stage stage = null;
      for (String line : logical) {
        int space = line.indexOf(' ');
        String keyword = (space < 0 ? line : line.substring(0, space)).toUpperCase(Locale.ROOT);
        String rest = space < 0 ? "" : line.substring(space + 1).strip();
        if (keyword.equals("FROM")) {
          stage = new Stage();
          String[] parts = rest.split("\\s+");
          stage.from = resolve(parts[0], globalArgs);
          if (parts.length >= 3 && parts[1].equalsIgnoreCase("AS")) {
            stage.name = parts[2];
          }
          stages.add(stage);
        } else if (keyword.equals("ARG")) {
          String[] kv = rest.split("=", 2);
          String name = kv[0].strip();
          if (stage == null) {
            globalArgs.put(name, kv.length > 1 ? kv[1].strip() : null);
          } else {
            stage.args.put(name, kv.length > 1 ? kv[1].strip() : globalArgs.get(name));
          }
        } else {
          assertThat(stage).as("%s: %s before FROM", path, keyword).isNotNull();
          stage.instructions.add(new Instruction(keyword, rest));
        }
      }
      assertThat(stages).as("%s stages", path).isNotEmpty();
    }

    static String resolve(String s, Map<String, String> args) {
      Matcher m = Pattern.compile("\\$\\{(\\w+)}|\\$(\\w+)").matcher(s);
      StringBuilder out = new StringBuilder();
      while (m.find()) {
        String name = m.group(1) != null ? m.group(1) : m.group(2);
        String value = args.get(name);
        m.appendReplacement(out, Matcher.quoteReplacement(value != null ? value : m.group()));
      }
      m.appendTail(out);
      return out.toString();
    }

    Stage finalStage() {
      return stages.get(stages.size() - 1);
    }

    Stage stage(String name) {
      return stages.stream()
          .filter(s -> name.equals(s.name))
          .findFirst()
          .orElseThrow(() -> new AssertionError(path + " has no stage " + name));
    }

    /** groupId:artifactId:version of every `dependency:copy -Dartifact=...`, ARGs resolved. */
    List<String> fetchedArtifacts() {
      List<String> artifacts = new ArrayList<>();
      for (Stage s : stages) {
        artifacts.addAll(groups(s.resolve(s.runText()), "-Dartifact=([^\\s;]+)"));
      }
      return artifacts;
    }

    /** File names of the jars the final stage copies into Flink's lib/. */
    List<String> libJars() {
      List<String> jars = new ArrayList<>();
      for (Copy c : finalStage().copies()) {
        if (c.dest().startsWith(FLINK_HOME + "/lib")) {
          for (String source : c.sources()) {
            jars.add(source.substring(source.lastIndexOf('/') + 1));
          }
        }
      }
      return jars;
    }

    /** The arguments the stage passes to Flink's bin/config-parser-utils.sh after its 3 dirs. */
    List<String> configParserArgs(Stage stage) {
      for (Instruction i : stage.instructions) {
        if (!i.keyword().equals("RUN") || !i.args().contains("config-parser-utils.sh")) {
          continue;
        }
        List<String> tokens = List.of(stage.resolve(i.args()).split("\\s+"));
        int at = 0;
        while (!tokens.get(at).endsWith("config-parser-utils.sh")) {
          at++;
        }
        List<String> args = new ArrayList<>();
        for (String token : tokens.subList(at + 4, tokens.size())) {
          if (token.equals("&&") || token.equals(";")) {
            break;
          }
          if (token.endsWith(";")) {
            args.add(token.substring(0, token.length() - 1));
            break;
          }
          args.add(token);
        }
        return args;
      }
      throw new AssertionError(path + ": no config-parser-utils.sh in the final stage");
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Helpers.

  static Path findRoot() {
    for (Path p = Path.of("").toAbsolutePath(); p != null; p = p.getParent()) {
      if (Files.isRegularFile(p.resolve("pom.xml"))
          && Files.isDirectory(p.resolve("flink-conf"))
          && Files.isDirectory(p.resolve("inference-job"))) {
        return p;
      }
    }
    throw new IllegalStateException("no repository root above " + Path.of("").toAbsolutePath());
  }

  static String read(Path path) {
    try {
      return Files.readString(path, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * config.yaml as Flink reads it, after {@code config-parser-utils.sh} edits (the image build)
   * when {@code edits} is not empty: Flink's own loader, as in the image.
   */
  static Configuration loadFlinkConf(Path tmp, String configYaml, List<String> edits) {
    try {
      Path dir = Files.createTempDirectory(tmp, "conf");
      Files.writeString(dir.resolve("config.yaml"), configYaml);
      if (!edits.isEmpty()) {
        List<String> args = new ArrayList<>(List.of("--configDir", dir.toString()));
        args.addAll(edits);
        List<String> edited =
            FlinkConfigLoader.loadAndModifyConfiguration(args.toArray(String[]::new));
        Files.write(dir.resolve("config.yaml"), edited);
      }
      return GlobalConfiguration.loadConfiguration(dir.toString());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (Exception e) {
      throw new AssertionError("Flink cannot apply " + edits + " to config.yaml", e);
    }
  }

  static Document xml(String text) {
    try {
      return DocumentBuilderFactory.newInstance()
          .newDocumentBuilder()
          .parse(new InputSource(new StringReader(text)));
    } catch (Exception e) {
      throw new AssertionError("not XML", e);
    }
  }

  static Element child(Element parent, String tag) {
    for (Node n = parent.getFirstChild(); n != null; n = n.getNextSibling()) {
      if (n instanceof Element e && e.getTagName().equals(tag)) {
        return e;
      }
    }
    throw new AssertionError("no <" + tag + "> in <" + parent.getTagName() + ">");
  }

  /** YAML 1.1 with anchors and merge keys, as docker compose reads it. */
  static Map<String, Object> yaml(String text) {
    return map(new Yaml(new SafeConstructor(new LoaderOptions())).load(text));
  }

  /** The task manager memory Flink derives from a configuration, as a TaskManager start does. */
  static TaskExecutorProcessSpec taskManagerMemory(String where, Configuration conf) {
    try {
      return TaskExecutorProcessUtils.processSpecFromConfig(conf);
    } catch (RuntimeException e) {
      throw new AssertionError(
          where + ": Flink cannot size the task manager: " + e.getMessage(), e);
    }
  }

  static Map<String, String> externalResources(Configuration conf) {
    Map<String, String> found = new TreeMap<>();
    conf.toMap()
        .forEach(
            (k, v) -> {
              if (k.startsWith("external-resource")) {
                found.put(k, v);
              }
            });
    return found;
  }

  /** A FlinkDeployment without what only the GPU deployment may change. */
  static Map<String, Object> withoutGpuParts(Map<String, Object> deployment) {
    Map<String, Object> spec = new LinkedHashMap<>(map(deployment.get("spec")));
    spec.remove("image");
    Map<String, Object> conf = new TreeMap<>(map(spec.get("flinkConfiguration")));
    conf.keySet().removeIf(k -> k.startsWith("external-resource"));
    conf.keySet().removeAll(GPU_MEMORY_KEYS);
    spec.put("flinkConfiguration", conf);
    Map<String, Object> taskManager = new LinkedHashMap<>(map(spec.get("taskManager")));
    taskManager.remove("podTemplate");
    Map<String, Object> resource = new LinkedHashMap<>(map(taskManager.get("resource")));
    resource.remove("memory");
    taskManager.put("resource", resource);
    spec.put("taskManager", taskManager);
    Map<String, Object> copy = new LinkedHashMap<>(deployment);
    copy.put("spec", spec);
    return copy;
  }

  static Object at(Object node, String... path) {
    Object current = node;
    for (String key : path) {
      if (!(current instanceof Map<?, ?> m)) {
        return null;
      }
      current = m.get(key);
    }
    return current;
  }

  @SuppressWarnings("unchecked")
  static Map<String, Object> map(Object o) {
    assertThat(o).as("a YAML mapping").isInstanceOf(Map.class);
    return (Map<String, Object>) o;
  }

  @SuppressWarnings("unchecked")
  static List<Object> list(Object o) {
    assertThat(o).as("a YAML sequence").isInstanceOf(List.class);
    return (List<Object>) o;
  }

  static List<String> strings(Object o) {
    if (o == null) {
      return List.of();
    }
    if (o instanceof String s) {
      return List.of(s);
    }
    return list(o).stream().map(String::valueOf).collect(Collectors.toList());
  }

  static String str(Object o) {
    return o == null ? null : String.valueOf(o);
  }

  static MemorySize memory(Object o) {
    assertThat(o).as("a memory size").isNotNull();
    return MemorySize.parse(String.valueOf(o));
  }

  static List<String> groups(String text, String regex) {
    List<String> found = new ArrayList<>();
    Matcher m = Pattern.compile(regex).matcher(text);
    while (m.find()) {
      found.add(m.group(1));
    }
    return found;
  }

  /** Shell commands of a script: continuations joined, one token list per line, quotes removed. */
  static List<List<String>> shellCommands(String script) {
    List<List<String>> commands = new ArrayList<>();
    for (String line : script.replace("\\\n", " ").split("\n")) {
      List<String> tokens = new ArrayList<>();
      StringBuilder token = null;
      char quote = 0;
      for (char c : line.strip().toCharArray()) {
        if (quote != 0) {
          if (c == quote) {
            quote = 0;
          } else {
            token.append(c);
          }
        } else if (c == '\'' || c == '"') {
          quote = c;
          token = token == null ? new StringBuilder() : token;
        } else if (Character.isWhitespace(c)) {
          if (token != null) {
            tokens.add(token.toString());
            token = null;
          }
        } else {
          token = token == null ? new StringBuilder() : token;
          token.append(c);
        }
      }
      if (token != null) {
        tokens.add(token.toString());
      }
      if (!tokens.isEmpty()) {
        commands.add(tokens);
      }
    }
    return commands;
  }

  /** {@code --key value} / {@code --key=value} / {@code -k value} pairs of a command line. */
  static Map<String, String> options(List<String> args) {
    Map<String, String> options = new LinkedHashMap<>();
    for (int i = 0; i < args.size(); i++) {
      String arg = args.get(i);
      if (!arg.startsWith("-")) {
        continue;
      }
      int eq = arg.indexOf('=');
      if (eq > 0) {
        options.put(arg.substring(0, eq), arg.substring(eq + 1));
      } else if (i + 1 < args.size() && !args.get(i + 1).startsWith("-")) {
        options.put(arg, args.get(++i));
      } else {
        options.put(arg, "");
      }
    }
    return options;
  }

  /** The job's program arguments ({@code --inference.x value}) as option keys and values. */
  static Map<String, String> programOptions(List<String> args) {
    Map<String, String> options = new LinkedHashMap<>();
    for (int i = 0; i < args.size(); i++) {
      String arg = args.get(i);
      assertThat(arg).as("job program argument").startsWith("--");
      String key = arg.substring(2);
      int eq = key.indexOf('=');
      if (eq >= 0) {
        options.put(key.substring(0, eq), key.substring(eq + 1));
      } else {
        assertThat(i + 1).as("--%s has a value", key).isLessThan(args.size());
        options.put(key, args.get(++i));
      }
    }
    return options;
  }

  /** {@code NAME://host:port,...} as name to {@code host:port}. */
  static Map<String, String> listenerMap(String listeners) {
    assertThat(listeners).as("Kafka listeners").isNotNull();
    Map<String, String> map = new LinkedHashMap<>();
    for (String listener : listeners.split(",")) {
      String[] parts = listener.strip().split("://", 2);
      map.put(parts[0], parts[1]);
    }
    return map;
  }

  static String port(String hostPort) {
    return hostPort == null ? null : hostPort.substring(hostPort.lastIndexOf(':') + 1);
  }

  static boolean hasGpuReservation(Map<String, Object> service) {
    Object devices = at(service, "deploy", "resources", "reservations", "devices");
    if (devices == null) {
      return false;
    }
    for (Object device : list(devices)) {
      Map<String, Object> d = map(device);
      if ("nvidia".equals(d.get("driver")) && strings(d.get("capabilities")).contains("gpu")) {
        return true;
      }
    }
    return false;
  }

  /** Every string in a YAML tree (keys and values). */
  static List<String> scalars(Object node) {
    List<String> out = new ArrayList<>();
    if (node instanceof Map<?, ?> m) {
      m.forEach(
          (k, v) -> {
            out.add(String.valueOf(k));
            out.addAll(scalars(v));
          });
    } else if (node instanceof List<?> l) {
      l.forEach(v -> out.addAll(scalars(v)));
    } else if (node != null) {
      out.add(String.valueOf(node));
    }
    return out;
  }
}
