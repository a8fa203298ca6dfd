package io.inferstream.onnx.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import java.nio.FloatBuffer;
import java.nio.LongBuffer;
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

  @Test
  void imageMeanAveragesEachChannel() throws OrtException {
    float[] image = new float[2 * 3 * 224 * 224];
    for (int i = 0; i < image.length; i++) {
      image[i] = (i / (224 * 224)) % 3 + (i >= 3 * 224 * 224 ? 10 : 0);
    }
    try (OrtSession session = ENV.createSession(TinyOnnx.imageMean());
        OnnxTensor input =
            OnnxTensor.createTensor(ENV, FloatBuffer.wrap(image), new long[] {2, 3, 224, 224});
        OrtSession.Result result = session.run(Map.of("input", input))) {
      float[][] mean = (float[][]) result.get(0).getValue();
      assertThat(mean[0]).containsExactly(0f, 1f, 2f);
      assertThat(mean[1]).containsExactly(10f, 11f, 12f);
    }
  }

  @Test
  void lookupFailsOnAnIndexOutOfRange() throws OrtException {
    try (OrtSession session = ENV.createSession(TinyOnnx.lookup())) {
      try (OnnxTensor index =
              OnnxTensor.createTensor(ENV, LongBuffer.wrap(new long[] {3, 7}), new long[] {2, 1});
          OrtSession.Result result = session.run(Map.of("index", index))) {
        float[][] value = (float[][]) result.get(0).getValue();
        assertThat(value[0][0]).isEqualTo(30f);
        assertThat(value[1][0]).isEqualTo(70f);
      }
      try (OnnxTensor bad =
          OnnxTensor.createTensor(ENV, LongBuffer.wrap(new long[] {3, 99}), new long[] {2, 1})) {
        assertThatThrownBy(() -> session.run(Map.of("index", bad)))
            .isInstanceOf(OrtException.class);
      }
    }
  }
}
