package io.inferstream.job.model;

import io.inferstream.job.records.ServingRequest;
import io.inferstream.job.records.ServingTarget;
import io.inferstream.job.records.TensorData;
import io.inferstream.schemas.ErrorCode;
import io.inferstream.schemas.InferenceException;
import io.inferstream.schemas.ModelSpec;
import io.inferstream.schemas.ModelVersionSpec;
import io.inferstream.schemas.Tensor;
import io.inferstream.schemas.TensorSpec;
import java.util.stream.Collectors;

/**
 * Checks a decoded request against its model: version or alias, input names, datatypes, shapes,
 * rows against {@code max_batch_size}, requested outputs. On failure it throws an {@link
 * InferenceException} that names exactly what is wrong.
 */
public final class RequestValidator {
  private RequestValidator() {}

  /**
   * Resolves a version, an alias or {@code latest} of a model.
   *
   * @throws InferenceException 404 naming the model's versions and aliases when nothing matches
   */
  public static ModelVersionSpec resolve(ModelSpec spec, String reference) {
    ModelVersionSpec version = spec.resolve(reference);
    if (version == null) {
      throw new InferenceException(
          ErrorCode.NOT_FOUND,
          "model '"
              + spec.name()
              + "' has no version or alias '"
              + reference
              + "' (versions: "
              + spec.versions().stream()
                  .map(ModelVersionSpec::version)
                  .collect(Collectors.joining(", "))
              + "; aliases: "
              + String.join(", ", spec.aliases().keySet())
              + ")");
    }
    return version;
  }

  /**
   * Checks a request against a version of its model; on success fills its {@code version}, {@code
   * target}, batching settings and {@code batchGroup}.
   */
  public static void validate(ServingRequest request, ModelSpec spec, ModelVersionSpec version) {
    String what = "model '" + spec.name() + "' " + version.version();
    for (TensorData input : request.inputs) {
      if (version.input(input.name) == null) {
        throw InferenceException.badRequest(
            "unknown input '" + input.name + "': " + what + " expects " + version.inputs());
      }
    }
    StringBuilder group = new StringBuilder(version.version());
    long rows = -1;
    for (TensorSpec expected : version.inputs()) {
      TensorData input = find(request.inputs, expected.name());
      if (input == null) {
        throw InferenceException.badRequest(
            "missing input '" + expected.name() + "': " + what + " expects " + version.inputs());
      }
      if (input.datatype != expected.datatype()) {
        throw InferenceException.badRequest(
            "input '"
                + input.name
                + "' is "
                + input.datatype
                + " but "
                + what
                + " expects "
                + expected.datatype());
      }
      if (!expected.accepts(input.shape)) {
        throw InferenceException.badRequest(
            "input '"
                + input.name
                + "' has shape "
                + Tensor.shapeString(input.shape)
                + " but "
                + what
                + " expects "
                + expected.shapeString()
                + " (-1 = any size)");
      }
      if (input.shape.length == 0) {
        throw InferenceException.badRequest(
            "input '"
                + input.name
                + "' is a scalar; batched inputs need a first (batch) dimension");
      }
      if (rows >= 0 && input.shape[0] != rows) {
        throw InferenceException.badRequest(
            "inputs disagree on the batch dimension: '"
                + input.name
                + "' has "
                + input.shape[0]
                + " rows, another input has "
                + rows);
      }
      rows = input.shape[0];
      group.append('|').append(input.datatype.name());
      for (int i = 1; i < input.shape.length; i++) {
        group.append(',').append(input.shape[i]);
      }
    }
    int maxRows = spec.batching().maxBatchSize();
    if (rows < 1) {
      throw InferenceException.badRequest("request has no rows (batch dimension is 0)");
    }
    if (rows > maxRows) {
      throw InferenceException.badRequest(
          "request has "
              + rows
              + " rows but "
              + what
              + " accepts at most max_batch_size "
              + maxRows
              + " rows per request");
    }
    if (request.outputs != null) {
      for (String output : request.outputs) {
        if (version.outputs().stream().noneMatch(o -> o.name().equals(output))) {
          throw InferenceException.badRequest(
              "unknown output '" + output + "': " + what + " has outputs " + version.outputs());
        }
      }
    }
    request.version = version.version();
    request.batchGroup = group.toString();
    request.target = ServingTarget.of(spec, version);
    request.maxBatchSize = spec.batching().maxBatchSize();
    request.flushRows = spec.batching().flushRows();
    request.maxQueueDelayMicros = spec.batching().maxQueueDelayMicroseconds();
  }

  private static TensorData find(TensorData[] inputs, String name) {
    for (TensorData input : inputs) {
      if (input.name.equals(name)) {
        return input;
      }
    }
    return null;
  }
}
