package io.inferstream.onnx;

import ai.onnxruntime.NodeInfo;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.TensorInfo;
import io.inferstream.schemas.DataType;
import io.inferstream.schemas.TensorSpec;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Reads a model's signature by opening it in ONNX Runtime. */
public final class OnnxSignatureReader implements SignatureReader {

  @Override
  public Signature read(Path modelFile) {
    OrtEnvironment env = OrtEnvironment.getEnvironment();
    try (OrtSession.SessionOptions options = new OrtSession.SessionOptions();
        OrtSession session = env.createSession(modelFile.toString(), options)) {
      return of(session, modelFile.toString());
    } catch (OrtException e) {
      throw new IllegalArgumentException(
          "ONNX Runtime cannot open " + modelFile + ": " + e.getMessage(), e);
    }
  }

  /**
   * The signature of an open session; {@code source} names the model in error messages.
   *
   * @throws IllegalArgumentException for a non-tensor or unsupported input or output
   */
  public static Signature of(OrtSession session, String source) throws OrtException {
    return new Signature(
        specs(session.getInputInfo(), source), specs(session.getOutputInfo(), source));
  }

  private static List<TensorSpec> specs(Map<String, NodeInfo> nodes, String file) {
    List<TensorSpec> specs = new ArrayList<>();
    for (NodeInfo node : nodes.values()) {
      if (!(node.getInfo() instanceof TensorInfo info)) {
        throw new IllegalArgumentException(
            file + ": '" + node.getName() + "' is not a tensor (" + node.getInfo() + ")");
      }
      DataType type = OrtTypes.fromOnnx(info.type);
      if (type == null) {
        throw new IllegalArgumentException(
            file + ": '" + node.getName() + "' has type " + info.type + ", unsupported here");
      }
      specs.add(new TensorSpec(node.getName(), type, info.getShape()));
    }
    return specs;
  }
}
