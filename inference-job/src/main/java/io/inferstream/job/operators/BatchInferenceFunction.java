package io.inferstream.job.operators;

import io.inferstream.job.metrics.InferenceMetrics;
import io.inferstream.job.records.Batch;
import io.inferstream.job.records.OutboundRecord;
import io.inferstream.job.records.Replies;
import io.inferstream.job.records.ServingRequest;
import io.inferstream.job.runtime.InferenceService;
import io.inferstream.job.runtime.LoadedSession;
import io.inferstream.job.runtime.ModelUnavailableException;
import io.inferstream.schemas.ErrorCode;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.RejectedExecutionException;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.streaming.api.functions.async.ResultFuture;
import org.apache.flink.streaming.api.functions.async.RichAsyncFunction;

/**
 * Runs batches on the task manager's inference executor (never on the task thread) and completes
 * with one record per request. A model that cannot load answers 503, a timed-out batch 504 per
 * request; neither restarts the job.
 */
public class BatchInferenceFunction extends RichAsyncFunction<Batch, OutboundRecord> {
  private static final long serialVersionUID = 1L;

  private final InferenceService.Settings serviceSettings;
  private final int maxReplyBytes;
  private final boolean passthrough;
  private final int maxModelLabels;
  private transient InferenceService service;
  private transient InferenceMetrics metrics;
  private transient boolean observingSessions;
  private transient BatchRunner runner;

  public BatchInferenceFunction(
      InferenceService.Settings serviceSettings,
      int maxReplyBytes,
      boolean passthrough,
      int maxModelLabels) {
    this.serviceSettings = serviceSettings;
    this.maxReplyBytes = maxReplyBytes;
    this.passthrough = passthrough;
    this.maxModelLabels = maxModelLabels;
  }

  @Override
  public void open(OpenContext context) {
    service = InferenceService.acquire(serviceSettings, GpuResources.index(getRuntimeContext()));
    metrics = new InferenceMetrics(getRuntimeContext().getMetricGroup(), maxModelLabels);
    observingSessions = service.observeSessions(metrics);
    runner = new BatchRunner(maxReplyBytes, metrics);
  }

  @Override
  public void close() {
    if (service != null) {
      service.stopObservingSessions(metrics);
      InferenceService.release(service);
      service = null;
    }
  }

  @Override
  public void asyncInvoke(Batch batch, ResultFuture<OutboundRecord> resultFuture) {
    if (!observingSessions && service.sessionsUnobserved()) {
      observingSessions = service.observeSessions(metrics); // the observing subtask has closed
    }
    try {
      service.executor().execute(() -> resultFuture.complete(infer(batch)));
    } catch (RejectedExecutionException e) {
      resultFuture.complete(
          errors(batch, ErrorCode.UNAVAILABLE, "inference executor is shut down"));
    }
  }

  private List<OutboundRecord> infer(Batch batch) {
    if (passthrough) {
      return runner.run(batch, BatchRunner.passthrough());
    }
    try (LoadedSession session = service.lease(batch.target)) {
      return runner.run(batch, session.model());
    } catch (ModelUnavailableException e) {
      return errors(batch, ErrorCode.UNAVAILABLE, e.getMessage());
    }
  }

  @Override
  public void timeout(Batch batch, ResultFuture<OutboundRecord> resultFuture) {
    if (metrics != null) { // null only before open(), in unit tests
      for (int i = 0; i < batch.requests.length; i++) {
        metrics.deadlineExceeded(batch.target.model);
      }
    }
    resultFuture.complete(
        errors(
            batch,
            ErrorCode.DEADLINE_EXCEEDED,
            "inference did not finish within inference.async.timeout"));
  }

  private static List<OutboundRecord> errors(Batch batch, ErrorCode code, String message) {
    List<OutboundRecord> replies = new ArrayList<>(batch.requests.length);
    for (ServingRequest request : batch.requests) {
      replies.add(Replies.error(request, code, message));
    }
    return replies;
  }
}
