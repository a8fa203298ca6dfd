package io.inferstream.job;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.jar.JarFile;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The job jar that {@code flink run} submits (built in the package phase, before this runs): ONNX
 * Runtime belongs in Flink's lib/, since a JVM can load its native library in one classloader only;
 * Flink and logging come from the cluster too.
 */
class ShadedJobJarITCase {

  @Test
  void jobJarHoldsTheJobButNeitherOnnxRuntimeNorFlink() throws IOException {
    Path jar;
    try (Stream<Path> files = Files.list(Path.of("target"))) {
      jar =
          files
              .filter(p -> p.getFileName().toString().endsWith("-job.jar"))
              .findFirst()
              .orElseThrow();
    }
    try (JarFile file = new JarFile(jar.toFile())) {
      List<String> names = file.stream().map(e -> e.getName()).toList();
      assertThat(names)
          .contains(
              "io/inferstream/job/InferenceJob.class",
              "io/inferstream/schemas/InferenceCodec.class");
      assertThat(names).anyMatch(n -> n.startsWith("org/apache/flink/connector/kafka/"));
      assertThat(names).noneMatch(n -> n.startsWith("ai/onnxruntime/"));
      assertThat(names)
          .noneMatch(n -> n.endsWith("onnxruntime.so") || n.contains("libonnxruntime"));
      assertThat(names).noneMatch(n -> n.startsWith("org/apache/flink/streaming/api/"));
      assertThat(names).noneMatch(n -> n.startsWith("com/fasterxml/jackson/")); // relocated
      assertThat(file.getManifest().getMainAttributes().getValue("Main-Class"))
          .isEqualTo(InferenceJob.class.getName());
    }
  }
}
