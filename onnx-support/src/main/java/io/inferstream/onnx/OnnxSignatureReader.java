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
      return new Signature(
          specs(session.getInputInfo(), modelFile), specs(session.getOutputInfo(), modelFile));
    } catch (OrtException e) {
      throw new IllegalArgumentException(
          "ONNX Runtime cannot open " + modelFile + ": " + e.getMessage(), e);
    }
  }

  private static List<TensorSpec> specs(Map<String, NodeInfo> nodes, Path file) {
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
