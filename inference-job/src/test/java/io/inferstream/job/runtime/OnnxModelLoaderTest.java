package io.inferstream.job.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtProvider;
import ai.onnxruntime.OrtSession;
import io.inferstream.onnx.testing.TinyOnnx;
import io.inferstream.schemas.Device;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The loader on the CPU build of ONNX Runtime: the session options it creates for a load are closed
 * on every failure path (retried loads would leak them otherwise), and kept open by a loaded model
 * until it closes.
 */
class OnnxModelLoaderTest {
  /** ONNX element type FLOAT16: ONNX Runtime loads it, the job does not serve it. */
  private static final int FLOAT16 = 10;

  /** Session options that tell whether they were closed. */
  private static class RecordingOptions extends OrtSession.SessionOptions {
    volatile int closes;

    @Override
    public void close() {
      closes++;
      super.close();
    }
  }

  private final List<RecordingOptions> created = new CopyOnWriteArrayList<>();
  private final OnnxModelLoader loader =
      new OnnxModelLoader(
          1,
          0,
          () -> {
            RecordingOptions options = new RecordingOptions();
            created.add(options);
            return options;
          });

  @BeforeAll
  static void cpuBuild() {
    assertThat(OrtEnvironment.getAvailableProviders())
        .as("these tests need the CPU build of ONNX Runtime")
        .doesNotContain(OrtProvider.CUDA);
  }

  @Test
  void aLoadedModelKeepsItsOptionsUntilItCloses() throws Exception {
    OnnxBatchModel model = loader.load("affine 1", TinyOnnx.affine(2f, 1f), Device.CPU);
    assertThat(model.device()).isEqualTo("cpu");
    assertThat(created).hasSize(1);
    assertThat(created.get(0).closes).isZero();
    model.close();
    assertThat(created.get(0).closes).isEqualTo(1);
  }

  @Test
  void cudaThatCannotBePlacedClosesTheOptions() {
    assertThatThrownBy(() -> loader.load("affine 1", TinyOnnx.affine(2f, 1f), Device.CUDA))
        .isInstanceOf(ModelUnavailableException.class)
        .hasMessageContaining("requires device cuda");
    // every retry of the load takes new options: none may stay open
    assertThatThrownBy(() -> loader.load("affine 1", TinyOnnx.affine(2f, 1f), Device.CUDA))
        .isInstanceOf(ModelUnavailableException.class);
    assertThat(created).hasSize(2).allSatisfy(options -> assertThat(options.closes).isEqualTo(1));
  }

  @Test
  void badModelBytesCloseTheOptions() {
    byte[] garbage = "not an onnx model".getBytes(StandardCharsets.UTF_8);
    assertThatThrownBy(() -> loader.load("garbage 1", garbage, Device.CPU))
        .isInstanceOf(ModelUnavailableException.class)
        .hasMessageContaining("cannot be loaded by ONNX Runtime");
    assertThat(created).singleElement().satisfies(o -> assertThat(o.closes).isEqualTo(1));
  }

  @Test
  void aModelWithAnUnsupportedSignatureClosesSessionAndOptions() {
    assertThatThrownBy(() -> loader.load("fp16 1", TinyOnnx.identity(FLOAT16), Device.CPU))
        .isInstanceOf(ModelUnavailableException.class)
        .hasMessageContaining("unsupported here");
    assertThat(created).singleElement().satisfies(o -> assertThat(o.closes).isEqualTo(1));
  }

  @Test
  void aRuntimeExceptionOrErrorWhileSettingUpClosesTheOptions() {
    for (RuntimeException failure : List.of(new IllegalStateException("options broke"))) {
      assertThatThrownBy(
              () -> failingLoader(failure).load("a 1", TinyOnnx.affine(2f, 1f), Device.CPU))
          .isSameAs(failure);
    }
    Error error = new OutOfMemoryError("test");
    assertThatThrownBy(() -> failingLoader(error).load("a 1", TinyOnnx.affine(2f, 1f), Device.CPU))
        .isSameAs(error);
    assertThat(created).hasSize(2).allSatisfy(options -> assertThat(options.closes).isEqualTo(1));
  }

  /** A loader whose options throw {@code failure} when the loader sets their thread count. */
  private OnnxModelLoader failingLoader(Throwable failure) {
    return new OnnxModelLoader(
        1,
        0,
        () -> {
          RecordingOptions options =
              new RecordingOptions() {
                @Override
                public void setIntraOpNumThreads(int threads) {
                  if (failure instanceof Error e) {
                    throw e;
                  }
                  throw (RuntimeException) failure;
                }
              };
          created.add(options);
          return options;
        });
  }
}
