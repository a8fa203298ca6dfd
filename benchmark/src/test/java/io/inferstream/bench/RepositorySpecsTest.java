package io.inferstream.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.inferstream.schemas.BatchingConfig;
import io.inferstream.schemas.DataType;
import io.inferstream.schemas.Device;
import io.inferstream.schemas.ModelSpec;
import io.inferstream.schemas.ModelVersionSpec;
import io.inferstream.schemas.RouteSpec;
import io.inferstream.schemas.TensorSpec;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class RepositorySpecsTest {
  static ModelSpec spec(String name) {
    ModelVersionSpec version =
        new ModelVersionSpec(
            "1.0.0",
            "file:///models/" + name + "/1/model.onnx",
            "ab".repeat(32),
            List.of(new TensorSpec("input", DataType.FP32, new long[] {-1, 4})),
            List.of(new TensorSpec("output", DataType.FP32, new long[] {-1, 4})),
            1234);
    return new ModelSpec(
        name,
        1,
        List.of(version),
        Map.of(ModelSpec.PROD, "1.0.0"),
        RouteSpec.DEFAULT,
        new BatchingConfig(32, List.of(), 2000),
        1,
        Device.AUTO,
        1.0,
        0);
  }

  @Test
  void readsTheSpecsLineAmongOtherOutput() throws Exception {
    List<ModelSpec> specs = List.of(spec("affine"), spec("digits-mlp"));
    String output =
        "WARN something native\n"
            + RepositorySpecs.PREFIX
            + new ObjectMapper().writeValueAsString(specs)
            + "\n";

    List<ModelSpec> parsed = RepositorySpecs.parse(output);

    assertThat(parsed).extracting(ModelSpec::name).containsExactly("affine", "digits-mlp");
    ModelVersionSpec version = parsed.get(0).resolve(null);
    assertThat(version.artifactUri()).isEqualTo("file:///models/affine/1/model.onnx");
    assertThat(version.inputs().get(0).shape()).containsExactly(-1, 4);
    assertThat(parsed.get(0).batching().maxBatchSize()).isEqualTo(32);
  }

  @Test
  void noSpecsLineOrBadJsonIsAnError() {
    assertThatThrownBy(() -> RepositorySpecs.parse("Exception in thread main\n"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining(RepositorySpecs.PREFIX);
    assertThatThrownBy(() -> RepositorySpecs.parse(RepositorySpecs.PREFIX + "{\"name\":1}\n"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("not a list of model specs");
  }
}
