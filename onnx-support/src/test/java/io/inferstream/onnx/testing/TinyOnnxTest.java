package io.inferstream.onnx.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The generated models are what their names say, as ONNX Runtime sees them. */
class TinyOnnxTest {
  private static final OrtEnvironment ENV = OrtEnvironment.getEnvironment();

  @Test
  void affineComputesScaleTimesInputPlusShift() throws OrtException {
    try (OrtSession session = ENV.createSession(TinyOnnx.affine(3f, 1f));
        OnnxTensor input = OnnxTensor.createTensor(ENV, new float[][] {{0f, 1f, 2f, -1f}});
        OrtSession.Result result = session.run(Map.of("input", input))) {
      float[][] output = (float[][]) result.get(0).getValue();
      assertThat(output[0]).containsExactly(1f, 4f, 7f, -2f);
    }
  }

  @Test
  void noInputsModelLoadsWithoutInputs() throws OrtException {
    try (OrtSession session = ENV.createSession(TinyOnnx.noInputs())) {
      assertThat(session.getInputInfo()).isEmpty();
      assertThat(session.getOutputInfo()).containsOnlyKeys("output");
    }
  }

  @Test
  void refusedModelsAreRefused() {
    assertThatThrownBy(() -> ENV.createSession(TinyOnnx.unknownOperator()).close())
        .isInstanceOf(OrtException.class)
        .hasMessageContaining("NoSuchOperator");
    assertThatThrownBy(() -> ENV.createSession(TinyOnnx.externalData()).close())
        .isInstanceOf(OrtException.class);
  }
}
