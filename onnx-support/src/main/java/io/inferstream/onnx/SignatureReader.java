package io.inferstream.onnx;

import io.inferstream.schemas.TensorSpec;
import java.nio.file.Path;
import java.util.List;

/** Reads a model file's input and output signature. */
@FunctionalInterface
public interface SignatureReader {
  record Signature(List<TensorSpec> inputs, List<TensorSpec> outputs) {}

  Signature read(Path modelFile);
}
