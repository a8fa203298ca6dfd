package io.inferstream.job.runtime;

import io.inferstream.job.records.ServingRequest;
import io.inferstream.job.records.ServingTarget;
import io.inferstream.job.records.TensorData;
import io.inferstream.schemas.DataType;
import io.inferstream.schemas.TensorSpec;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs one all-zeros row through a freshly loaded session, so the first real batch does not pay for
 * ONNX Runtime's lazy initialisation. A model that rejects zeros is still ready: warm-up is an
 * optimisation, never a gate.
 */
final class Warmup {
  private static final Logger LOG = LoggerFactory.getLogger(Warmup.class);

  private Warmup() {}

  static void run(OnnxBatchModel model, ServingTarget target) {
    ServingRequest request = new ServingRequest();
    request.requestId = "warmup";
    List<TensorSpec> inputs = model.inputs();
    request.inputs = new TensorData[inputs.size()];
    for (int i = 0; i < inputs.size(); i++) {
      TensorSpec input = inputs.get(i);
      if (input.datatype() == DataType.BYTES) {
        return; // no meaningful zero string tensor: skip warm-up
      }
      long[] shape = input.shape().clone();
      long elements = 1;
      for (int d = 0; d < shape.length; d++) {
        shape[d] = shape[d] < 0 ? 1 : shape[d];
        elements *= shape[d];
      }
      request.inputs[i] =
          new TensorData(
              input.name(),
              input.datatype(),
              shape,
              new byte[(int) (elements * input.datatype().byteSize())]);
    }
    try {
      model.run(List.of(request));
    } catch (InferenceFailure | RuntimeException e) {
      LOG.info("Warm-up of {} with zeros failed (still ready): {}", target, e.getMessage());
    }
  }
}
