package io.inferstream.job.operators;

import io.inferstream.job.model.ModelCatalog;
import io.inferstream.job.model.RequestValidator;
import io.inferstream.job.records.Replies;
import io.inferstream.job.records.ServingRequest;
import io.inferstream.schemas.ErrorCode;
import io.inferstream.schemas.InferenceException;
import io.inferstream.schemas.ModelSpec;
import java.util.stream.Collectors;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.util.Collector;

/**
 * Keyed by model replica: resolves each request's model version and validates it against the
 * version's signature. Invalid requests get a specific error reply; nothing else is held up.
 */
public class ModelRouter extends KeyedProcessFunction<String, ServingRequest, ServingRequest> {
  private static final long serialVersionUID = 1L;

  private final ModelCatalog catalog;

  public ModelRouter(ModelCatalog catalog) {
    this.catalog = catalog;
  }

  @Override
  public void processElement(ServingRequest request, Context ctx, Collector<ServingRequest> out) {
    try {
      ModelSpec spec = catalog.spec(request.model);
      if (spec == null) {
        throw new InferenceException(
            ErrorCode.NOT_FOUND,
            "model '"
                + request.model
                + "' is not served (models: "
                + catalog.specs().stream().map(ModelSpec::name).collect(Collectors.joining(", "))
                + ")");
      }
      RequestValidator.validate(request, spec);
      long now = ctx.timerService().currentProcessingTime();
      if (request.expired(now)) {
        throw new InferenceException(
            ErrorCode.DEADLINE_EXCEEDED, BatchRunner.deadlineMessage(request, now));
      }
      out.collect(request);
    } catch (InferenceException e) {
      ctx.output(OperatorOutputs.REJECTED, Replies.error(request, e.code(), e.getMessage()));
    }
  }
}
