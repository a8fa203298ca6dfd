package io.inferstream.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.inferstream.schemas.ModelSpec;
import io.inferstream.schemas.ModelVersionSpec;
import io.inferstream.testing.ModelSpecBuilder;
import java.util.List;
import org.junit.jupiter.api.Test;

class RepositorySpecsTest {
  static ModelSpec spec(String name) {
    ModelVersionSpec version =
        ModelSpecBuilder.affineVersion(
            "1.0.0", "file:///models/" + name + "/1/model.onnx", "ab".repeat(32));
    return ModelSpecBuilder.model(name).version(version).alias(ModelSpec.PROD, "1.0.0").build();
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
