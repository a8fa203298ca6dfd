package io.inferstream.schemas;

import java.util.List;
import java.util.Map;

/**
 * An Open Inference Protocol inference response body. Serving timings travel in {@code parameters}:
 * {@code batch_size} (rows in the batch that ran), {@code queue_us} (from arrival in the job to the
 * start of inference) and {@code inference_us}.
 */
public record InferenceResponse(
    String modelName,
    String modelVersion,
    String id,
    Map<String, Object> parameters,
    List<Tensor> outputs) {

  public static final String BATCH_SIZE = "batch_size";
  public static final String QUEUE_MICROS = "queue_us";
  public static final String INFERENCE_MICROS = "inference_us";

  public InferenceResponse {
    parameters = parameters == null ? Map.of() : parameters;
    outputs = outputs == null ? List.of() : outputs;
  }

  public Tensor output(String name) {
    for (Tensor output : outputs) {
      if (output.name().equals(name)) {
        return output;
      }
    }
    throw new IllegalArgumentException("no output named '" + name + "' in " + outputs);
  }

  public long longParameter(String name) {
    Object value = parameters.get(name);
    return value instanceof Number ? ((Number) value).longValue() : -1L;
  }
}
