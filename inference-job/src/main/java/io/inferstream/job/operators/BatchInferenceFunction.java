package io.inferstream.job.operators;

import io.inferstream.job.metrics.InferenceMetrics;
import io.inferstream.job.records.Batch;
import io.inferstream.job.records.OutboundRecord;
import io.inferstream.job.records.Replies;
import io.inferstream.job.records.ServingRequest;
import io.inferstream.job.runtime.BatchModel;
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
import org.apache.flink.util.function.SerializableSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs batches on the task manager's inference executor (never on the task thread) and completes
 * with one record per request. A model that cannot load answers 503, a timed-out batch 504 per
 * request, anything else that goes wrong running a batch 500 per request; none restarts the job.
 */
public class BatchInferenceFunction extends RichAsyncFunction<Batch, OutboundRecord> {
  private static final long serialVersionUID = 1L;
  private static final Logger LOG = LoggerFactory.getLogger(BatchInferenceFunction.class);
  private static final SerializableSupplier<BatchModel> PASSTHROUGH = BatchRunner::passthrough;

  private final InferenceService.Settings serviceSettings;
  private final int maxReplyBytes;
  private final int maxModelLabels;

  /**
   * The model every batch runs on instead of its target's session, or null: the passthrough
   * baseline, or a test's model.
   */
  private final SerializableSupplier<BatchModel> fixedModel;

  private transient BatchModel fixed;
  private transient InferenceService service;
  private transient InferenceMetrics metrics;
  private transient boolean observingSessions;
  private transient BatchRunner runner;

  public BatchInferenceFunction(
      InferenceService.Settings serviceSettings,
      int maxReplyBytes,
      boolean passthrough,
      int maxModelLabels) {
    this(serviceSettings, maxReplyBytes, maxModelLabels, passthrough ? PASSTHROUGH : null);
  }

  BatchInferenceFunction(
      InferenceService.Settings serviceSettings,
      int maxReplyBytes,
      int maxModelLabels,
      SerializableSupplier<BatchModel> fixedModel) {
    this.serviceSettings = serviceSettings;
    this.maxReplyBytes = maxReplyBytes;
    this.maxModelLabels = maxModelLabels;
    this.fixedModel = fixedModel;
  }

  @Override
  public void open(OpenContext context) {
    service = InferenceService.acquire(serviceSettings, GpuResources.index(getRuntimeContext()));
    metrics = new InferenceMetrics(getRuntimeContext().getMetricGroup(), maxModelLabels);
    observingSessions = service.observeSessions(metrics);
    runner = new BatchRunner(maxReplyBytes, metrics);
    fixed = fixedModel != null ? fixedModel.get() : null;
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
      service.executor().execute(() -> resultFuture.complete(inferOrFail(batch)));
    } catch (RejectedExecutionException e) {
      resultFuture.complete(
          errors(batch, ErrorCode.UNAVAILABLE, "inference executor is shut down"));
    }
  }

  /**
   * The batch's replies, never a throw: whatever escapes {@link #infer} (a bug, a model throwing
   * something other than an {@code InferenceFailure}, reply encoding, an {@link Error}) answers
   * every request 500 at once, instead of leaving the future to {@link #timeout} (a misleading 504,
   * {@code inference.async.timeout} later) and the executor thread to die. The caller completes the
   * future exactly once with what this returns.
   */
  private List<OutboundRecord> inferOrFail(Batch batch) {
    try {
      return infer(batch);
    } catch (Throwable e) {
      String message =
          "model '"
              + batch.target.model
              + "' "
              + batch.target.version
              + " failed unexpectedly on this batch: "
              + RequestErrors.describe(e);
      List<String> ids = new ArrayList<>(batch.requests.length);
      for (ServingRequest request : batch.requests) {
        ids.add(request.requestId);
      }
      if (e instanceof Error) {
        LOG.error("{}; answered 500 to requests {}", message, ids, e);
      } else {
        LOG.warn("{}; answered 500 to requests {}", message, ids, e);
      }
      return errors(batch, ErrorCode.INTERNAL, message);
    }
  }

  private List<OutboundRecord> infer(Batch batch) {
    if (fixed != null) {
      return runner.run(batch, fixed);
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
