package io.inferstream.job;

import io.inferstream.job.records.ServingRequest;
import io.inferstream.job.records.ServingTarget;
import io.inferstream.job.records.TensorData;
import io.inferstream.schemas.BatchingConfig;
import io.inferstream.schemas.Device;
import io.inferstream.schemas.ModelSpec;
import io.inferstream.schemas.Priority;
import io.inferstream.schemas.Tensor;
import io.inferstream.testing.ModelSpecBuilder;
import java.nio.file.Path;
import java.util.List;

/** Specs and requests for unit tests, shaped like the demo models. */
public final class TestModels {
  private TestModels() {}

  /** The project's model repository (tests run from the module directory). */
  public static final Path REPOSITORY = Path.of("..", "models").toAbsolutePath().normalize();

  public static ModelSpec affine(BatchingConfig batching) {
    String artifact = "file:///nonexistent/affine/1/model.onnx";
    return ModelSpecBuilder.model("affine")
        .version(ModelSpecBuilder.affineVersion("1.0.0", artifact, "0".repeat(64)))
        .version(ModelSpecBuilder.affineVersion("2.0.0", artifact, "0".repeat(64)))
        .alias("prod", "1.0.0")
        .alias("canary", "2.0.0")
        .batching(batching)
        .device(Device.CPU)
        .build();
  }

  /** Version 1.0.0 of {@link #affine}. */
  public static ServingTarget target() {
    ModelSpec spec = affine(new BatchingConfig(8, List.of(), 1000));
    return ServingTarget.of(spec, spec.version("1.0.0"));
  }

  /** A routed affine request for version 1.0.0 under {@code batching}. */
  public static ServingRequest request(
      String id, int rows, Priority priority, BatchingConfig batching) {
    ServingRequest request = request(id, rows, priority);
    ModelSpec spec = affine(batching);
    request.target = ServingTarget.of(spec, spec.version("1.0.0"));
    request.maxBatchSize = batching.maxBatchSize();
    request.flushRows = batching.flushRows();
    request.maxQueueDelayMicros = batching.maxQueueDelayMicroseconds();
    return request;
  }

  /** A routed affine request with {@code rows} rows of 4 floats. */
  public static ServingRequest request(String id, int rows, Priority priority) {
    ServingRequest request = new ServingRequest();
    request.requestId = id;
    request.clientRequestId = id;
    request.model = "affine";
    request.routingKey = "affine#0";
    request.replyTopic = "inference-replies";
    request.priority = priority;
    float[] values = new float[rows * 4];
    for (int i = 0; i < values.length; i++) {
      values[i] = i;
    }
    request.inputs =
        new TensorData[] {TensorData.of(Tensor.ofFloats("input", new long[] {rows, 4}, values))};
    request.outputs = new String[0];
    request.binaryOutputs = new String[0];
    request.version = "1.0.0";
    request.batchGroup = "1.0.0|FP32,4";
    return request;
  }
}
