package io.inferstream.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.inferstream.onnx.SignatureReader.Signature;
import io.inferstream.onnx.testing.TinyOnnx;
import io.inferstream.schemas.DataType;
import io.inferstream.schemas.TensorSpec;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.assertj.core.api.AbstractThrowableAssert;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class OnnxValidatorTest {
  private static final Path DEMO_AFFINE = Path.of("..", "models", "affine", "1", "model.onnx");

  private final OnnxValidator validator = new OnnxValidator();

  @Test
  void readsTheSignatureOfAValidModel() {
    Signature signature = validator.validate(ByteBuffer.wrap(TinyOnnx.affine(2, 1)));
    assertThat(signature.inputs())
        .containsExactly(new TensorSpec("input", DataType.FP32, new long[] {-1, 4}));
    assertThat(signature.outputs())
        .containsExactly(new TensorSpec("output", DataType.FP32, new long[] {-1, 4}));
  }

  @Test
  void readsAModelFileThroughAMapping() {
    Signature signature = validator.read(DEMO_AFFINE);
    assertThat(signature.inputs()).extracting(TensorSpec::name).containsExactly("input");
  }

  @Test
  void acceptsTheOtherTinyModels() {
    assertThat(validator.validate(ByteBuffer.wrap(TinyOnnx.imageMean())).inputs())
        .containsExactly(new TensorSpec("input", DataType.FP32, new long[] {-1, 3, 224, 224}));
    assertThat(validator.validate(ByteBuffer.wrap(TinyOnnx.lookup())).inputs())
        .containsExactly(new TensorSpec("index", DataType.INT64, new long[] {-1, 1}));
  }

  @Test
  void refusesAnEmptyFile(@TempDir Path dir) throws Exception {
    Path empty = Files.createFile(dir.resolve("empty.onnx"));
    refused(() -> validator.read(empty)).hasMessage("the model file is empty");
    refused(() -> validator.validate(ByteBuffer.allocate(0))).hasMessage("the model file is empty");
  }

  @Test
  void refusesBytesThatAreNotOnnx() {
    byte[] text = "this is a README, not a model\n".getBytes(StandardCharsets.UTF_8);
    refused(() -> validator.validate(ByteBuffer.wrap(text)))
        .hasMessageStartingWith(
            "not an ONNX model, or a truncated one: ONNX Runtime cannot load it (");
  }

  @Test
  void refusesATruncatedModel() throws Exception {
    byte[] model = Files.readAllBytes(DEMO_AFFINE);
    byte[] truncated = Arrays.copyOf(model, model.length / 2);
    refused(() -> validator.validate(ByteBuffer.wrap(truncated)))
        .hasMessageStartingWith("not an ONNX model, or a truncated one")
        .hasMessageContaining("protobuf parsing failed");
  }

  @Test
  void refusesAModelOnnxRuntimeCannotLoadWithItsReason() {
    refused(() -> validator.validate(ByteBuffer.wrap(TinyOnnx.unknownOperator())))
        .hasMessageStartingWith("ONNX Runtime refuses the model: ")
        .hasMessageContaining("NoSuchOperator");
  }

  @Test
  void refusesAModelWithoutInputs() {
    refused(() -> validator.validate(ByteBuffer.wrap(TinyOnnx.noInputs())))
        .hasMessage("the model has no inputs: there is nothing a request could feed it");
  }

  @Test
  void refusesExternalDataBeforeOnnxRuntimeLooksForTheFile() {
    refused(() -> validator.validate(ByteBuffer.wrap(TinyOnnx.externalData())))
        .hasMessageStartingWith("the model keeps tensor 'scale' in external data");
  }

  @Test
  void findsExternalDataInsideSubgraphs() {
    refused(() -> validator.validate(ByteBuffer.wrap(TinyOnnx.externalDataInSubgraph())))
        .hasMessageStartingWith("the model keeps tensor 'hidden' in external data");
  }

  @Test
  void refusesATensorTypeTheServingPathCannotCarry() {
    int float16 = 10;
    refused(() -> validator.validate(ByteBuffer.wrap(TinyOnnx.identity(float16))))
        .hasMessageStartingWith("input 'input' has the unsupported tensor type")
        .hasMessageContaining("FLOAT16")
        .hasMessageContaining("supported types: BOOL, UINT8");
  }

  @Test
  void scanTellsMalformedBytesFromModels() {
    assertThat(OnnxProtoScan.scan(ByteBuffer.wrap(TinyOnnx.affine(2, 1))))
        .isEqualTo(new OnnxProtoScan.Result(true, true, null));
    byte[] model = TinyOnnx.affine(2, 1);
    assertThat(
            OnnxProtoScan.scan(ByteBuffer.wrap(Arrays.copyOf(model, model.length - 3)))
                .wellFormed())
        .isFalse();
    assertThat(OnnxProtoScan.scan(ByteBuffer.wrap(TinyOnnx.externalData())).externalTensor())
        .isEqualTo("scale");
  }

  private static AbstractThrowableAssert<?, ? extends Throwable> refused(
      org.assertj.core.api.ThrowableAssert.ThrowingCallable call) {
    return assertThatThrownBy(call)
        .isInstanceOf(RegistryException.class)
        .satisfies(e -> assertThat(((RegistryException) e).status()).isEqualTo(400));
  }
}
