package io.inferstream.job.operators;

import io.inferstream.job.model.ModelSpecs;
import io.inferstream.job.model.RequestValidator;
import io.inferstream.job.model.ServedVersions;
import io.inferstream.job.records.OutboundRecord;
import io.inferstream.job.records.RegistryUpdate;
import io.inferstream.job.records.Replies;
import io.inferstream.job.records.ServingRequest;
import io.inferstream.job.runtime.ModelSessions;
import io.inferstream.schemas.ErrorCode;
import io.inferstream.schemas.InferenceException;
import io.inferstream.schemas.ModelSpec;
import io.inferstream.schemas.ModelVersionSpec;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.ListState;
import org.apache.flink.api.common.state.ListStateDescriptor;
import org.apache.flink.api.common.state.ReadOnlyBroadcastState;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.streaming.api.functions.co.KeyedBroadcastProcessFunction;
import org.apache.flink.util.Collector;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keyed by model replica, with the registry's specs as broadcast state: resolves each request's
 * version (its {@code model-version} header, else the model's weighted split, picked by request
 * id), validates it against that version's signature, and sends a copy to the shadow version when
 * the route has one. Traffic moves to a new version only once this task manager has it loaded
 * ({@link ServedVersions}). Invalid requests get a specific error reply ({@link RequestErrors});
 * nothing else is held up.
 *
 * <p>Right after a (re)start the registry topic may not have been read yet: a request for a model
 * the router does not know waits in keyed state (so a checkpoint keeps it) for up to {@code
 * unknownModelWaitMillis}, and runs as soon as the model's spec arrives.
 */
public class ModelRouter
    extends KeyedBroadcastProcessFunction<String, ServingRequest, RegistryUpdate, ServingRequest> {
  private static final long serialVersionUID = 1L;
  private static final Logger LOG = LoggerFactory.getLogger(ModelRouter.class);

  static final ListStateDescriptor<ServingRequest> AWAITING_SPEC =
      new ListStateDescriptor<>("awaiting-spec", TypeInformation.of(ServingRequest.class));

  private final ModelSessions.Factory sessionsFactory;
  private final long unknownModelWaitMillis;

  private transient ModelSpecs specs;
  private transient ServedVersions served;
  private transient ModelSessions sessions;
  private transient ListState<ServingRequest> awaiting;
  private transient long waitUntil;

  public ModelRouter(ModelSessions.Factory sessionsFactory, long unknownModelWaitMillis) {
    this.sessionsFactory = sessionsFactory;
    this.unknownModelWaitMillis = unknownModelWaitMillis;
  }

  @Override
  public void open(OpenContext context) {
    specs = new ModelSpecs();
    served = new ServedVersions();
    sessions = sessionsFactory.open(GpuResources.index(getRuntimeContext()));
    awaiting = getRuntimeContext().getListState(AWAITING_SPEC);
    waitUntil = -1;
  }

  /** The unknown-model window starts with the first record this subtask sees after (re)start. */
  private long waitUntil(long now) {
    if (waitUntil < 0) {
      waitUntil = now + unknownModelWaitMillis;
    }
    return waitUntil;
  }

  @Override
  public void close() {
    if (sessions != null) {
      sessions.close();
      sessions = null;
    }
  }

  @Override
  public void processElement(
      ServingRequest request, ReadOnlyContext ctx, Collector<ServingRequest> out) throws Exception {
    ReadOnlyBroadcastState<String, String> state = ctx.getBroadcastState(ModelSpecs.DESCRIPTOR);
    ModelSpec spec = specs.get(state, request.model);
    long now = ctx.timerService().currentProcessingTime();
    if (spec == null && now < waitUntil(now)) {
      awaiting.add(request);
      ctx.timerService().registerProcessingTimeTimer(waitUntil);
      return;
    }
    route(request, spec, state, now, reply -> ctx.output(OperatorOutputs.REJECTED, reply), out);
  }

  @Override
  public void onTimer(long timestamp, OnTimerContext ctx, Collector<ServingRequest> out)
      throws Exception {
    Iterable<ServingRequest> waiting = awaiting.get();
    if (waiting == null) {
      return;
    }
    ReadOnlyBroadcastState<String, String> state = ctx.getBroadcastState(ModelSpecs.DESCRIPTOR);
    for (ServingRequest request : waiting) {
      route(
          request,
          specs.get(state, request.model),
          state,
          timestamp,
          reply -> ctx.output(OperatorOutputs.REJECTED, reply),
          out);
    }
    awaiting.clear();
  }

  @Override
  public void processBroadcastElement(
      RegistryUpdate update, Context ctx, Collector<ServingRequest> out) throws Exception {
    waitUntil(ctx.currentProcessingTime());
    ModelSpecs.Change change = specs.apply(ctx.getBroadcastState(ModelSpecs.DESCRIPTOR), update);
    if (change == ModelSpecs.Change.IGNORED) {
      return;
    }
    LOG.info("Model '{}' {} (revision {})", update.model, change, update.revision);
    if (change == ModelSpecs.Change.DELETED) {
      served.forget(update.model);
      return;
    }
    ModelSpec spec = specs.get(ctx.getBroadcastState(ModelSpecs.DESCRIPTOR), update.model);
    served.preloadMoved(spec, sessions);
    long now = ctx.currentProcessingTime();
    ctx.applyToKeyedState(
        AWAITING_SPEC,
        (key, state) -> {
          List<ServingRequest> still = new ArrayList<>();
          for (ServingRequest request : state.get()) {
            if (request.model.equals(spec.name())) {
              route(
                  request,
                  spec,
                  ctx.getBroadcastState(ModelSpecs.DESCRIPTOR),
                  now,
                  reply -> ctx.output(OperatorOutputs.REJECTED, reply),
                  out);
            } else {
              still.add(request);
            }
          }
          state.update(still);
        });
  }

  private void route(
      ServingRequest request,
      ModelSpec spec,
      ReadOnlyBroadcastState<String, String> state,
      long now,
      Consumer<OutboundRecord> rejects,
      Collector<ServingRequest> out)
      throws Exception {
    String servedModels = spec == null ? names(state) : null;
    ServingRequest shadow;
    try {
      shadow = resolve(request, spec, servedModels, now);
    } catch (Throwable failure) {
      InferenceException error = RequestErrors.of(failure, "routing", request.requestId);
      rejects.accept(Replies.error(request, error.code(), error.getMessage()));
      return;
    }
    // emitted outside the guard: what fails downstream of here is not this request's doing
    out.collect(request);
    if (shadow != null) {
      out.collect(shadow);
    }
  }

  /**
   * Resolves and validates the request in place; returns its shadow copy, or null.
   *
   * @param servedModels the served models' names, for the message when {@code spec} is null
   */
  private ServingRequest resolve(
      ServingRequest request, ModelSpec spec, String servedModels, long now) {
    if (spec == null) {
      throw new InferenceException(
          ErrorCode.NOT_FOUND,
          "model '"
              + RequestErrors.quote(request.model)
              + "' is not served (models: "
              + servedModels
              + ")");
    }
    if (request.expired(now)) {
      throw new InferenceException(
          ErrorCode.DEADLINE_EXCEEDED, BatchRunner.deadlineMessage(request, now));
    }
    boolean defaultRoute = request.requestedVersion == null;
    String reference =
        defaultRoute ? spec.route().pick(request.requestId) : request.requestedVersion;
    ModelVersionSpec version =
        served.choose(spec, reference, RequestValidator.resolve(spec, reference), sessions);
    RequestValidator.validate(request, spec, version);
    ServingRequest shadow = defaultRoute ? shadowCopy(request, spec, version) : null;
    request.shadowed = shadow != null;
    return shadow;
  }

  /** The request's copy for the route's shadow, or null when there is none or it cannot run. */
  private ServingRequest shadowCopy(
      ServingRequest request, ModelSpec spec, ModelVersionSpec primary) {
    String reference = spec.route().shadow();
    if (reference == null) {
      return null;
    }
    ModelVersionSpec wanted = spec.resolve(reference);
    if (wanted == null) {
      return null;
    }
    ModelVersionSpec version = served.choose(spec, reference, wanted, sessions);
    if (version.sha256().equals(primary.sha256())) {
      return null;
    }
    ServingRequest copy = request.shadowCopy();
    try {
      RequestValidator.validate(copy, spec, version);
      return copy;
    } catch (InferenceException e) {
      LOG.debug("Shadow {} cannot take request {}: {}", version.version(), request.requestId, e);
      return null;
    }
  }

  private static String names(ReadOnlyBroadcastState<String, String> state) throws Exception {
    List<String> names = new ArrayList<>();
    state.immutableEntries().forEach(entry -> names.add(entry.getKey()));
    names.sort(null);
    return String.join(", ", names);
  }
}
