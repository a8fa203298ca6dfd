package io.inferstream.job.operators;

import io.inferstream.job.model.ModelCatalog;
import io.inferstream.job.records.Batch;
import io.inferstream.job.records.OutboundRecord;
import io.inferstream.job.records.Replies;
import io.inferstream.job.records.ServingRequest;
import io.inferstream.job.runtime.BatchModel;
import io.inferstream.job.runtime.InferenceService;
import io.inferstream.job.runtime.ModelUnavailableException;
import io.inferstream.schemas.ErrorCode;
import io.inferstream.schemas.ModelSpec;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.RejectedExecutionException;
import org.apache.flink.api.common.externalresource.ExternalResourceInfo;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.streaming.api.functions.async.ResultFuture;
import org.apache.flink.streaming.api.functions.async.RichAsyncFunction;

/**
 * Runs batches on the task manager's inference executor (never on the task thread) and completes
 * with one reply per request. A model that cannot load answers 503, a timed-out batch 504 per
 * request; neither restarts the job.
 */
public class BatchInferenceFunction extends RichAsyncFunction<Batch, OutboundRecord> {
  private static final long serialVersionUID = 1L;

  /** Inference resources the function needs, per task manager. */
  public record Settings(int threads, int intraOpThreads, int maxReplyBytes, boolean passthrough)
      implements java.io.Serializable {}

  private final ModelCatalog catalog;
  private final Settings settings;
  private transient InferenceService service;
  private transient BatchRunner runner;

  public BatchInferenceFunction(ModelCatalog catalog, Settings settings) {
    this.catalog = catalog;
    this.settings = settings;
  }

  @Override
  public void open(OpenContext context) {
    service = InferenceService.acquire(settings.threads(), settings.intraOpThreads(), gpuIndex());
    runner = new BatchRunner(settings.maxReplyBytes());
  }

  /** The GPU Flink's {@code gpu} external resource assigned to this task manager, else 0. */
  private int gpuIndex() {
    for (ExternalResourceInfo info : getRuntimeContext().getExternalResourceInfos("gpu")) {
      return info.getProperty("index").map(Integer::parseInt).orElse(0);
    }
    return 0;
  }

  @Override
  public void close() {
    if (service != null) {
      InferenceService.release(service);
      service = null;
    }
  }

  @Override
  public void asyncInvoke(Batch batch, ResultFuture<OutboundRecord> resultFuture) {
    try {
      service.executor().execute(() -> resultFuture.complete(infer(batch)));
    } catch (RejectedExecutionException e) {
      resultFuture.complete(
          errors(batch, ErrorCode.UNAVAILABLE, "inference executor is shut down"));
    }
  }

  private List<OutboundRecord> infer(Batch batch) {
    ModelSpec spec = catalog.spec(batch.model);
    BatchModel model;
    try {
      model =
          settings.passthrough()
              ? BatchRunner.passthrough()
              : service.model(batch.model, spec.version(batch.version), spec.device());
    } catch (ModelUnavailableException e) {
      return errors(batch, ErrorCode.UNAVAILABLE, e.getMessage());
    }
    return runner.run(batch, model);
  }

  @Override
  public void timeout(Batch batch, ResultFuture<OutboundRecord> resultFuture) {
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
