package io.inferstream.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.inferstream.schemas.BatchingConfig;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

class RegistrySettingsTest {
  @Test
  void defaultsMatchTheProjectsConventions() {
    RegistrySettings settings = RegistrySettings.builder().artifactDir(Path.of("/tmp/a")).build();
    assertThat(settings.port()).isEqualTo(8082);
    assertThat(settings.bindHost()).isEqualTo("localhost");
    assertThat(settings.bootstrapServers()).isEqualTo("localhost:9092");
    assertThat(settings.registryTopic()).isEqualTo("model-registry");
    assertThat(settings.statusTopic()).isEqualTo("model-status");
    assertThat(settings.transactionalId()).isEqualTo("inferstream-model-registry");
    assertThat(settings.maxUploadBytes()).isEqualTo(512L * 1024 * 1024);
    assertThat(settings.defaultBatching()).isEqualTo(new BatchingConfig(32, List.of(), 2000));
    assertThat(settings.advertisedUrl(8082)).isEqualTo("http://localhost:8082");
    assertThat(RegistrySettings.builder().build().artifactDir().getFileName())
        .isEqualTo(Path.of("artifacts"));
  }

  @Test
  void anAdvertisedUrlWinsAndLosesItsTrailingSlash() {
    RegistrySettings settings =
        RegistrySettings.builder()
            .artifactDir(Path.of("/tmp/a"))
            .advertisedUrl("http://registry.internal:80/")
            .build();
    assertThat(settings.advertisedUrl(12345)).isEqualTo("http://registry.internal:80");
    assertThatThrownBy(() -> RegistrySettings.builder().advertisedUrl("registry:8082").build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("http:// or https://");
  }

  @Test
  void refusesNonsense() {
    assertThatThrownBy(() -> RegistrySettings.builder().port(70000).build())
        .hasMessageContaining("port");
    assertThatThrownBy(() -> RegistrySettings.builder().maxUploadBytes(0).build())
        .hasMessageContaining("maxUploadBytes");
    assertThatThrownBy(() -> RegistrySettings.builder().maxUploadBytes(3L << 30).build())
        .hasMessageContaining("maxUploadBytes");
    assertThatThrownBy(() -> RegistrySettings.builder().registryTopic(" ").build())
        .hasMessageContaining("registryTopic");
  }

  @Test
  void theCommandLineBuildsTheSameSettings() {
    RegistryMain main = new RegistryMain();
    new CommandLine(main)
        .parseArgs(
            "--port", "0",
            "--bind", "0.0.0.0",
            "--bootstrap-servers", "kafka:9092",
            "--advertised-url", "http://registry:8082",
            "--artifact-dir", "/data/artifacts",
            "--max-upload-bytes", "64m",
            "--registry-topic", "reg",
            "--status-topic", "stat",
            "--transactional-id", "reg-1",
            "--default-max-batch-size", "8",
            "--default-max-queue-delay-us", "500",
            "--kafka-property", "security.protocol=SSL");
    RegistrySettings settings = main.settings();
    assertThat(settings.port()).isZero();
    assertThat(settings.bindHost()).isEqualTo("0.0.0.0");
    assertThat(settings.bootstrapServers()).isEqualTo("kafka:9092");
    assertThat(settings.advertisedUrl(1)).isEqualTo("http://registry:8082");
    assertThat(settings.artifactDir()).isEqualTo(Path.of("/data/artifacts"));
    assertThat(settings.maxUploadBytes()).isEqualTo(64L << 20);
    assertThat(settings.registryTopic()).isEqualTo("reg");
    assertThat(settings.statusTopic()).isEqualTo("stat");
    assertThat(settings.transactionalId()).isEqualTo("reg-1");
    assertThat(settings.defaultBatching()).isEqualTo(new BatchingConfig(8, List.of(), 500));
    assertThat(settings.kafkaProperties()).isEqualTo(Map.of("security.protocol", "SSL"));
  }

  @Test
  void sizesReadWithBinaryUnits() {
    RegistryMain.ByteSizeConverter sizes = new RegistryMain.ByteSizeConverter();
    assertThat(sizes.convert("1024")).isEqualTo(1024);
    assertThat(sizes.convert("512k")).isEqualTo(512 * 1024);
    assertThat(sizes.convert("512MiB")).isEqualTo(512L << 20);
    assertThat(sizes.convert("1g")).isEqualTo(1L << 30);
    assertThatThrownBy(() -> sizes.convert("lots"))
        .isInstanceOf(CommandLine.TypeConversionException.class);
  }
}
