package io.inferstream.job.operators;

import io.inferstream.job.metrics.BatchMetrics;
import io.inferstream.job.records.Batch;
import io.inferstream.job.records.OutboundRecord;
import io.inferstream.job.records.Replies;
import io.inferstream.job.records.ServingRequest;
import io.inferstream.job.records.TensorData;
import io.inferstream.job.runtime.BatchModel;
import io.inferstream.job.runtime.InferenceFailure;
import io.inferstream.schemas.ErrorCode;
import io.inferstream.schemas.InferenceException;
import io.inferstream.schemas.InferenceResponse;
import io.inferstream.schemas.Tensor;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.apache.flink.util.ExceptionUtils;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs a batch and turns its outputs into one reply per request. A batch the model fails on (or
 * that fails to assemble) is split in halves and retried, so one poison request gets the error and
 * every other request its result; a reply that fails to encode is that request's error alone.
 */
public final class BatchRunner {
  private static final Logger LOG = LoggerFactory.getLogger(BatchRunner.class);

  private final int maxReplyBytes;
  private final BatchMetrics metrics;

  public BatchRunner(int maxReplyBytes, BatchMetrics metrics) {
    this.maxReplyBytes = maxReplyBytes;
    this.metrics = metrics;
  }

  public List<OutboundRecord> run(Batch batch, BatchModel model) {
    List<OutboundRecord> replies = new ArrayList<>(batch.requests.length);
    long startMicros = Clock.nowMicros();
    long nowMillis = startMicros / 1000;
    List<ServingRequest> live = new ArrayList<>(batch.requests.length);
    for (ServingRequest request : batch.requests) {
      if (request.expired(nowMillis)) {
        metrics.deadlineExceeded(batch.target.model);
        replies.add(
            Replies.error(
                request, ErrorCode.DEADLINE_EXCEEDED, deadlineMessage(request, nowMillis)));
      } else {
        live.add(request);
      }
    }
    if (!live.isEmpty()) {
      runIsolating(batch, live, model, startMicros, replies);
    }
    return replies;
  }

  public static String deadlineMessage(ServingRequest request, long nowMillis) {
    return "deadline "
        + request.deadline
        + " passed "
        + (nowMillis - request.deadline)
        + " ms before the request could run";
  }

  private void runIsolating(
      Batch batch,
      List<ServingRequest> requests,
      BatchModel model,
      long startMicros,
      List<OutboundRecord> replies) {
    long rows = 0;
    for (ServingRequest request : requests) {
      rows += request.rows();
    }
    long runStart = System.nanoTime();
    List<List<Tensor>> outputs;
    try {
      outputs = model.run(requests);
    } catch (Throwable failure) {
      // the model refused the batch, or assembling it failed on what one request carries
      ExceptionUtils.rethrowIfFatalError(failure);
      if (requests.size() == 1) {
        ServingRequest poison = requests.get(0);
        String cause =
            failure instanceof InferenceFailure
                ? failure.getMessage()
                : RequestErrors.describe(failure);
        LOG.debug(
            "Request {} fails model {} {}: {}",
            poison.requestId,
            batch.target.model,
            batch.target.version,
            cause);
        replies.add(
            Replies.error(
                poison,
                ErrorCode.INTERNAL,
                "model '"
                    + batch.target.model
                    + "' "
                    + batch.target.version
                    + " failed on this request: "
                    + cause));
        return;
      }
      int half = requests.size() / 2;
      runIsolating(batch, requests.subList(0, half), model, startMicros, replies);
      runIsolating(batch, requests.subList(half, requests.size()), model, startMicros, replies);
      return;
    }
    long inferenceMicros = (System.nanoTime() - runStart) / 1000;
    metrics.ran(batch.target.model, rows, requests.size(), inferenceMicros);
    for (int i = 0; i < requests.size(); i++) {
      ServingRequest request = requests.get(i);
      long queueMicros = Math.max(0, startMicros - request.receivedMicros);
      metrics.queued(batch.target.model, queueMicros);
      try {
        replies.add(
            reply(batch, model, request, outputs.get(i), rows, queueMicros, inferenceMicros));
      } catch (Throwable failure) {
        InferenceException error =
            RequestErrors.of(failure, "encoding the reply", request.requestId);
        replies.add(Replies.error(request, error.code(), error.getMessage()));
      }
    }
  }

  /** One request's reply: the outputs it asked for, its timings, encoded as it asked. */
  private OutboundRecord reply(
      Batch batch,
      BatchModel model,
      ServingRequest request,
      List<Tensor> outputs,
      long rows,
      long queueMicros,
      long inferenceMicros) {
    List<Tensor> selected = new ArrayList<>();
    for (Tensor output : outputs) {
      if (request.wantsOutput(output.name())) {
        selected.add(output);
      }
    }
    Map<String, Object> timings =
        Map.of(
            InferenceResponse.BATCH_SIZE,
            rows,
            InferenceResponse.QUEUE_MICROS,
            queueMicros,
            InferenceResponse.INFERENCE_MICROS,
            inferenceMicros,
            "device",
            model.device());
    InferenceResponse response =
        new InferenceResponse(
            batch.target.model, batch.target.version, request.clientRequestId, timings, selected);
    return Replies.forShadow(
        request,
        Replies.result(request, response, maxReplyBytes),
        selected.stream().map(TensorData::of).toArray(TensorData[]::new));
  }

  /** Echoes inputs as outputs: the passthrough baseline that measures the job without ONNX. */
  public static BatchModel passthrough() {
    return new BatchModel() {
      @Override
      public List<List<Tensor>> run(List<ServingRequest> requests) {
        List<List<Tensor>> out = new ArrayList<>(requests.size());
        for (ServingRequest request : requests) {
          out.add(Arrays.stream(request.inputs).map(t -> t.toTensor()).toList());
        }
        return out;
      }

      @Override
      public String device() {
        return "passthrough";
      }
    };
  }
}
