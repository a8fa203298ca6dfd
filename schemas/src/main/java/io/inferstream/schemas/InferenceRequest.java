package io.inferstream.schemas;

import java.util.List;
import java.util.Map;

/**
 * An Open Inference Protocol inference request body. {@code binaryDataOutput} is the request-level
 * {@code parameters.binary_data_output} flag of Triton's binary tensor extension.
 */
public record InferenceRequest(
    String id, Map<String, Object> parameters, List<Tensor> inputs, List<RequestedOutput> outputs) {

  public InferenceRequest {
    parameters = parameters == null ? Map.of() : parameters;
    inputs = inputs == null ? List.of() : inputs;
    outputs = outputs == null ? List.of() : outputs;
  }

  public static InferenceRequest of(String id, Tensor... inputs) {
    return new InferenceRequest(id, Map.of(), List.of(inputs), List.of());
  }

  /** Whether all outputs should come back binary ({@code binary_data_output}). */
  public boolean binaryDataOutput() {
    return Boolean.TRUE.equals(parameters.get("binary_data_output"));
  }

  /** Whether the output with this name should come back as binary data. */
  public boolean wantsBinary(String outputName) {
    for (RequestedOutput output : outputs) {
      if (output.name().equals(outputName)) {
        return output.binaryData() || binaryDataOutput();
      }
    }
    return binaryDataOutput();
  }
}
