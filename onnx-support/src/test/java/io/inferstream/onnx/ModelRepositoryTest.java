package io.inferstream.onnx;

import static org.assertj.core.api.Assertions.assertThat;

import io.inferstream.schemas.DataType;
import io.inferstream.schemas.Device;
import io.inferstream.schemas.ModelSpec;
import io.inferstream.schemas.TensorSpec;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Reads the project's own model repository with ONNX Runtime. */
class ModelRepositoryTest {

  @Test
  void readsTritonLayoutConfigAndSignatures() {
    List<ModelSpec> models =
        new ModelRepository(
                Path.of("..", "models"), new OnnxSignatureReader(), 32, Duration.ofMillis(2))
            .load();
    assertThat(models).extracting(ModelSpec::name).containsExactly("affine", "digits-mlp");
    ModelSpec digits = models.get(1);
    assertThat(digits.versions()).hasSize(1);
    assertThat(digits.aliases()).containsEntry("prod", "1.0.0");
    assertThat(digits.batching().maxBatchSize()).isEqualTo(64);
    assertThat(digits.batching().preferredBatchSize()).containsExactly(32);
    assertThat(digits.batching().maxQueueDelayMicroseconds()).isEqualTo(2000);
    assertThat(digits.device()).isEqualTo(Device.AUTO);
    var version = digits.resolve(null);
    assertThat(version.version()).isEqualTo("1.0.0");
    assertThat(version.sha256())
        .isEqualTo("e5ca84124a170426b6781bc58f7ca7bd2eaad467022894750ba0e660b925b177");
    assertThat(version.artifactUri()).startsWith("file:/").endsWith("digits-mlp/1/model.onnx");
    assertThat(version.inputs())
        .containsExactly(new TensorSpec("input", DataType.FP32, new long[] {-1, 64}));
    assertThat(version.outputs())
        .containsExactly(new TensorSpec("logits", DataType.FP32, new long[] {-1, 10}));
  }
}
