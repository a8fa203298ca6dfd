package io.inferstream.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class ModelLoadProbeTest {
  private static final ModelLoadProbe.Result RESULT =
      new ModelLoadProbe.Result(
          "my model",
          4_950_070,
          "8b46807910cd6e7599d1ae825e20f147f857b53c7806b034ccbaacabaf79e05e",
          63.25,
          34.5,
          14.125,
          4.0,
          100L << 20,
          131L << 20,
          140L << 20);

  @Test
  void readsThisProcessResidentSetFromProc() throws Exception {
    long rss = ModelLoadProbe.rssBytes();
    // a running JVM holds at least its heap's touched pages, and less than the machine
    assertThat(rss).isBetween(10L << 20, Runtime.getRuntime().maxMemory() + (8L << 30));
  }

  @Test
  void keyValueLineRoundTrips() {
    String line = RESULT.toLine();

    assertThat(line)
        .startsWith("model-load-probe: model=my+model artifact_bytes=4950070 sha256=8b46")
        .contains(" read_ms=63.250 ")
        .doesNotContain("\n");
    assertThat(ModelLoadProbe.Result.parse(line)).isEqualTo(RESULT);
  }

  @Test
  void parseFindsTheLineAmongOtherOutput() {
    String output =
        "2026-11-23 WARN onnxruntime something\n"
            + ModelLoadProbe.humanLine(RESULT)
            + "\n"
            + RESULT.toLine()
            + "\n";

    assertThat(ModelLoadProbe.Result.parse(output)).isEqualTo(RESULT);
  }

  @Test
  void missingLineOrFieldIsAnError() {
    assertThatThrownBy(() -> ModelLoadProbe.Result.parse("nothing here\n"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("model-load-probe:");
    assertThatThrownBy(
            () -> ModelLoadProbe.Result.parse(RESULT.toLine().replace(" peak_rss=", " peak=")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("peak_rss");
    assertThatThrownBy(
            () ->
                ModelLoadProbe.Result.parse(RESULT.toLine().replace("read_ms=63.250", "read_ms=x")))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void deltasAgainstTheBaseline() {
    assertThat(RESULT.rssDelta()).isEqualTo(31L << 20);
    assertThat(RESULT.peakDelta()).isEqualTo(40L << 20);
    ModelLoadProbe.Result noPeak = new ModelLoadProbe.Result("m", 1, "ab", 0, 0, 0, 0, 10, 20, -1);
    assertThat(noPeak.peakDelta()).isEqualTo(-1);
  }

  @Test
  void humanLineShowsTheRatioForArtifactsOfAMegabyteOrMore() {
    assertThat(ModelLoadProbe.humanLine(RESULT))
        .startsWith("my model           artifact     4.72 MB")
        .contains("RSS   +31.0 MB  (x6.6 artifact)  peak +40.0 MB  sha256 8b46807910cd");
    ModelLoadProbe.Result tiny =
        new ModelLoadProbe.Result("affine", 345, "b629", 1, 9, 8, 0, 0, 5L << 20, -1);
    assertThat(ModelLoadProbe.humanLine(tiny)).contains("(x -  artifact)  peak n/a");
  }

  @Test
  void modelNameIsTheRepositoryDirectory() {
    assertThat(ModelLoadProbe.modelName(Path.of("/r/squeezenet1_1/1/model.onnx")))
        .isEqualTo("squeezenet1_1");
    assertThat(ModelLoadProbe.modelName(Path.of("/model.onnx"))).isEqualTo("model.onnx");
  }
}
