package io.inferstream.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class ChildJvmTest {
  @Test
  void forwardsOnlyMaximumHeapAndCollectorOptionsThenItsOwn() {
    List<String> command =
        ChildJvm.command(
            "/jdk/bin/java",
            List.of(
                "-Xmx2g",
                "-Dlog4j2.configurationFile=log4j2-benchmark.properties",
                "-agentlib:jdwp=transport=dt_socket,server=y",
                "-XX:+UseG1GC",
                "-XX:+UseStringDeduplication",
                "-Xms256m",
                "-XX:MaxRAMPercentage=50"),
            List.of("-Xms512m", "-Xmx512m"),
            "a.jar:lib/b.jar",
            "io.inferstream.bench.ModelLoadProbe",
            List.of("/m/affine/1/model.onnx", "--key-value"));

    assertThat(command)
        .containsExactly(
            "/jdk/bin/java",
            "-Xmx2g",
            "-XX:+UseG1GC",
            "-XX:MaxRAMPercentage=50",
            "-Xms512m",
            "-Xmx512m",
            "-cp",
            "a.jar:lib/b.jar",
            "io.inferstream.bench.ModelLoadProbe",
            "/m/affine/1/model.onnx",
            "--key-value");
  }

  @Test
  void thisJvmsCommandUsesItsJavaAndClasspath() {
    List<String> command = ChildJvm.command("x.Main", List.of("arg"));

    assertThat(command.get(0)).startsWith(System.getProperty("java.home")).endsWith("java");
    assertThat(command.subList(command.size() - 4, command.size()))
        .containsExactly("-cp", System.getProperty("java.class.path"), "x.Main", "arg");
  }

  @Test
  void tailKeepsTheLastLines() {
    assertThat(ChildJvm.tail("a\nb\nc\nd\n", 2)).isEqualTo("c\nd");
    assertThat(ChildJvm.tail("only", 5)).isEqualTo("only");
    assertThat(ChildJvm.tail("", 3)).isEmpty();
  }
}
