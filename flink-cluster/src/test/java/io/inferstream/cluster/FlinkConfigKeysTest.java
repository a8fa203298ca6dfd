package io.inferstream.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.TreeSet;
import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.CoreOptions;
import org.apache.flink.configuration.ExternalResourceOptions;
import org.apache.flink.configuration.GlobalConfiguration;
import org.apache.flink.configuration.MemorySize;
import org.apache.flink.configuration.StateBackendOptions;
import org.apache.flink.configuration.TaskManagerOptions;
import org.apache.flink.runtime.clusterframework.TaskExecutorProcessSpec;
import org.apache.flink.runtime.clusterframework.TaskExecutorProcessUtils;
import org.apache.flink.runtime.jobmanager.JobManagerProcessSpec;
import org.apache.flink.runtime.jobmanager.JobManagerProcessUtils;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * flink-conf/ is read by Flink's own loader and holds only keys Flink 2.2 (or the inference job)
 * declares, with values their options parse: a misspelled key would otherwise be ignored in
 * silence.
 */
class FlinkConfigKeysTest {
  private static FlinkOptionCatalog catalog;

  @TempDir Path temp;

  @BeforeAll
  static void scanFlinkOptions() {
    catalog = FlinkOptionCatalog.fromClasspath();
  }

  @Test
  void everyKeyOfConfigYamlIsOneFlinkReadsWithAValueItParses() {
    Configuration conf = GlobalConfiguration.loadConfiguration(flinkConf().toString());

    assertThat(catalog.size()).as("ConfigOption keys found on the classpath").isGreaterThan(500);
    assertThat(conf.keySet()).as("keys read").hasSizeGreaterThan(25);
    assertThat(catalog.unknownKeys(conf)).as("keys no Flink option declares").isEmpty();
    assertParsable(conf);

    assertThat(conf.get(StateBackendOptions.STATE_BACKEND)).isEqualTo("rocksdb");
    assertThat(conf.get(CheckpointingOptions.INCREMENTAL_CHECKPOINTS)).isTrue();
    assertThat(conf.get(CoreOptions.ALWAYS_PARENT_FIRST_LOADER_PATTERNS_ADDITIONAL))
        .containsExactly("ai.onnxruntime.");
    assertThat(conf.toMap())
        .containsEntry(
            "metrics.reporter.prom.factory.class",
            "org.apache.flink.metrics.prometheus.PrometheusReporterFactory")
        .containsEntry("metrics.reporter.prom.port", "9249-9260")
        .containsEntry(
            "metrics.reporter.prom.scope.variables.excludes", "task_attempt_id;task_attempt_num");
  }

  @Test
  void memoryLeavesOnnxRuntimeItsRoomAndTheJobAHeap() {
    Configuration conf = GlobalConfiguration.loadConfiguration(flinkConf().toString());
    // What BashJavaUtils computes for the TaskManager's and JobManager's JVM flags.
    TaskExecutorProcessSpec tm = TaskExecutorProcessUtils.processSpecFromConfig(conf);
    JobManagerProcessSpec jm = JobManagerProcessUtils.processSpecFromConfig(conf);

    MemorySize ortEnvironment = MemorySize.ofMebiBytes(64);
    MemorySize budget =
        conf.get(
            catalog
                .option("inference.model.memory-budget")
                .map(FlinkConfigKeysTest::asMemoryOption)
                .orElseThrow());
    assertThat(tm.getTaskOffHeapSize().getBytes())
        .as("task off-heap holds ORT's environment plus the job's session budget")
        .isGreaterThanOrEqualTo(budget.add(ortEnvironment).getBytes());
    assertThat(tm.getTaskHeapSize().getMebiBytes()).as("task heap MiB").isGreaterThanOrEqualTo(256);
    assertThat(tm.getManagedMemorySize().getMebiBytes()).as("RocksDB MiB").isGreaterThan(128);
    assertThat(tm.getTotalProcessMemorySize())
        .isEqualTo(conf.get(TaskManagerOptions.TOTAL_PROCESS_MEMORY));
    assertThat(jm.getJvmHeapMemorySize().getMebiBytes())
        .as("JobManager heap MiB")
        .isGreaterThan(256);
  }

  @Test
  void theGpuOverlayAddsOnlyNewKeysThatFlinkReads() throws IOException {
    Path conf = flinkConf();
    Configuration base = GlobalConfiguration.loadConfiguration(conf.toString());
    Configuration overlay = load("overlay", Files.readString(conf.resolve("config-gpu.yaml")));
    // bin/flink-cluster --gpu (and the GPU image) append the overlay to config.yaml.
    Configuration gpu =
        load(
            "gpu",
            Files.readString(conf.resolve("config.yaml"))
                + "\n"
                + Files.readString(conf.resolve("config-gpu.yaml")));

    Set<String> shared = new TreeSet<>(overlay.keySet());
    shared.retainAll(base.keySet());
    assertThat(shared).as("overlay keys already in config.yaml").isEmpty();
    assertThat(gpu.keySet()).hasSize(base.keySet().size() + overlay.keySet().size());
    assertThat(catalog.unknownKeys(gpu)).isEmpty();
    assertParsable(gpu);
    assertThat(gpu.get(ExternalResourceOptions.EXTERNAL_RESOURCE_LIST)).containsExactly("gpu");
    assertThat(gpu.toMap())
        .containsEntry("external-resource.gpu.amount", "1")
        .containsEntry(
            "external-resource.gpu.driver-factory.class",
            "org.apache.flink.externalresource.gpu.GPUDriverFactory")
        .containsEntry(
            "external-resource.gpu.param.discovery-script.path",
            "plugins/external-resource-gpu/nvidia-gpu-discovery.sh");
  }

  @Test
  void aMisspelledKeyIsReported() throws IOException {
    Configuration conf =
        load(
            "typo",
            String.join(
                "\n",
                "state:",
                "  backend:",
                "    typ: rocksdb",
                "metrics:",
                "  reporter:",
                "    prom:",
                "      factory.class: org.apache.flink.metrics.prometheus.PrometheusReporterFactory",
                "      prot: 9249",
                "external-resource:",
                "  gpu:",
                "    amount: 1",
                "    amont: 1",
                "execution.checkpointing.interval: 5 s",
                ""));

    assertThat(catalog.unknownKeys(conf))
        .containsExactly(
            "external-resource.gpu.amont", "metrics.reporter.prom.prot", "state.backend.typ");
  }

  private Configuration load(String name, String yaml) throws IOException {
    Path dir = Files.createDirectories(temp.resolve(name));
    Files.writeString(dir.resolve("config.yaml"), yaml, StandardCharsets.UTF_8);
    return GlobalConfiguration.loadConfiguration(dir.toString());
  }

  /** Reading every known option with its type throws on a value Flink could not parse. */
  private static void assertParsable(Configuration conf) {
    for (String key : conf.keySet()) {
      catalog.option(key).ifPresent(option -> assertThat(conf.getOptional(option)).isPresent());
    }
  }

  @SuppressWarnings("unchecked")
  private static ConfigOption<MemorySize> asMemoryOption(ConfigOption<?> option) {
    return (ConfigOption<MemorySize>) option;
  }

  private static Path flinkConf() {
    String configured = System.getProperty("inferstream.flink-conf.dir");
    Path dir = configured != null ? Path.of(configured) : Path.of("..", "flink-conf");
    return dir.toAbsolutePath().normalize();
  }
}
