package io.inferstream.job.operators;

import io.inferstream.job.model.ModelSpecs;
import io.inferstream.job.model.ReplicaKeys;
import io.inferstream.job.records.RawRequest;
import io.inferstream.job.records.RegistryUpdate;
import io.inferstream.job.records.Replies;
import io.inferstream.job.records.ServingRequest;
import io.inferstream.job.records.TensorData;
import io.inferstream.schemas.ErrorCode;
import io.inferstream.schemas.InferenceCodec;
import io.inferstream.schemas.InferenceException;
import io.inferstream.schemas.InferenceHeaders;
import io.inferstream.schemas.InferenceRequest;
import io.inferstream.schemas.ModelSpec;
import io.inferstream.schemas.Priority;
import io.inferstream.schemas.RequestedOutput;
import java.io.Serializable;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import java.util.regex.Pattern;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.ReadOnlyBroadcastState;
import org.apache.flink.streaming.api.functions.co.BroadcastProcessFunction;
import org.apache.flink.util.Collector;

/**
 * Turns raw Kafka records into requests and never throws on what a record holds (the policy is
 * {@link RequestErrors}): a record that cannot be decoded gets an error reply where its reply
 * address can be read, and always a dead letter. A reply topic outside the allowed pattern, or one
 * that does not exist, is never written to.
 *
 * <p>It keys each request by one of its model's replica keys (chosen by request id, so a retried
 * request goes the same way), for which it reads the registry's specs as broadcast state. Unknown
 * models key by name; the router answers them.
 */
public class RequestDecoder
    extends BroadcastProcessFunction<RawRequest, RegistryUpdate, ServingRequest> {
  private static final long serialVersionUID = 1L;

  /** What the decoder needs to know about where replies may go. */
  public record Settings(
      String defaultReplyTopic,
      String replyTopicPattern,
      String deadLetterTopic,
      int maxRequestBytes,
      int routerParallelism,
      int maxParallelism)
      implements Serializable {}

  /** Longer ids are refused: they travel in every reply's key and header. */
  static final int MAX_REQUEST_ID_LENGTH = 256;

  private final Settings settings;
  private final ReplyTopics replyTopics;
  private transient Pattern replyPattern;
  private transient ModelSpecs specs;

  /** model → its spec's replica keys, recomputed when the spec changes. */
  private transient Map<String, Replicas> replicas;

  private record Replicas(ModelSpec spec, String[] keys) {}

  public RequestDecoder(Settings settings, ReplyTopics replyTopics) {
    this.settings = settings;
    this.replyTopics = replyTopics;
  }

  @Override
  public void open(OpenContext context) {
    replyPattern = Pattern.compile(settings.replyTopicPattern());
    specs = new ModelSpecs();
    replicas = new HashMap<>();
    replyTopics.open();
  }

  @Override
  public void processBroadcastElement(
      RegistryUpdate update, Context ctx, Collector<ServingRequest> out) throws Exception {
    specs.apply(ctx.getBroadcastState(ModelSpecs.DESCRIPTOR), update);
  }

  @Override
  public void close() {
    replyTopics.close();
  }

  /**
   * A record that is not served: always dead-lettered; {@code replyTopic == null} means no reply
   * may be sent.
   */
  private static final class Rejection extends Exception {
    final ErrorCode code;
    final String requestId;
    final String replyTopic;
    final int replyPartition;

    Rejection(
        ErrorCode code, String message, String requestId, String replyTopic, int replyPartition) {
      super(message, null, false, false);
      this.code = code;
      this.requestId = requestId;
      this.replyTopic = replyTopic;
      this.replyPartition = replyPartition;
    }
  }

  @Override
  public void processElement(RawRequest raw, ReadOnlyContext ctx, Collector<ServingRequest> out)
      throws Exception {
    ServingRequest request;
    try {
      request = decode(raw, ctx.getBroadcastState(ModelSpecs.DESCRIPTOR));
    } catch (Rejection rejection) {
      reject(raw, rejection, ctx);
      return;
    }
    out.collect(request); // outside the guard: a failure to emit is the infrastructure's
  }

  private void reject(RawRequest raw, Rejection rejection, ReadOnlyContext ctx) {
    if (rejection.replyTopic != null) {
      ctx.output(
          OperatorOutputs.REJECTED,
          Replies.error(
              rejection.requestId,
              rejection.replyTopic,
              rejection.replyPartition,
              rejection.code,
              rejection.getMessage()));
    }
    ctx.output(
        OperatorOutputs.REJECTED,
        Replies.deadLetter(
            raw,
            settings.deadLetterTopic(),
            rejection.code.status() + " " + rejection.getMessage()));
  }

  /**
   * The request a record carries, or a {@link Rejection}, whatever the record holds: the reply
   * address first (without one, no reply can be sent), then routing from the headers, then the
   * body. Every failure is classified by {@link RequestErrors}.
   */
  ServingRequest decode(RawRequest raw, ReadOnlyBroadcastState<String, String> specState)
      throws Rejection {
    ReplyAddress address;
    try {
      address = address(raw);
    } catch (Rejection rejection) {
      throw rejection;
    } catch (Throwable failure) {
      InferenceException error = RequestErrors.of(failure, "reading the reply address", null);
      throw new Rejection(error.code(), error.getMessage(), null, null, -1);
    }
    try {
      return request(raw, address, specState);
    } catch (Throwable failure) {
      InferenceException error = RequestErrors.of(failure, "decoding", address.requestId);
      throw new Rejection(
          error.code(),
          error.getMessage(),
          address.requestId,
          address.replyTopic,
          address.replyPartition);
    }
  }

  /** Where a request's reply goes: an allowed, existing topic and a partition it has. */
  private record ReplyAddress(String requestId, String replyTopic, int replyPartition) {}

  private ReplyAddress address(RawRequest raw) throws Rejection {
    String requestId = raw.header(InferenceHeaders.REQUEST_ID);
    if (requestId == null && raw.key != null && raw.key.length > 0) {
      requestId = new String(raw.key, StandardCharsets.UTF_8);
    }
    String replyTopic = raw.header(InferenceHeaders.REPLY_TOPIC);
    if (replyTopic == null || replyTopic.isEmpty()) {
      replyTopic = settings.defaultReplyTopic();
    }
    if (!replyPattern.matcher(replyTopic).matches()) {
      throw noReply(
          "reply-topic '"
              + RequestErrors.quote(replyTopic)
              + "' does not match the allowed pattern '"
              + settings.replyTopicPattern()
              + "'");
    }
    int partitions = replyTopics.partitions(replyTopic);
    if (partitions < 1) {
      throw noReply(
          "reply-topic '"
              + RequestErrors.quote(replyTopic)
              + "' does not exist (a reply topic created while the job runs is known about a"
              + " second after the first request that names it)");
    }
    if (requestId == null || requestId.isEmpty()) {
      throw noReply(
          "record has neither a request-id header nor a key, so no reply can be addressed");
    }
    if (requestId.length() > MAX_REQUEST_ID_LENGTH) {
      throw noReply(
          "request-id of "
              + requestId.length()
              + " characters is longer than the "
              + MAX_REQUEST_ID_LENGTH
              + " allowed");
    }
    int replyPartition = -1;
    String partitionHeader = raw.header(InferenceHeaders.REPLY_PARTITION);
    if (partitionHeader != null) {
      replyPartition = parsePartition(partitionHeader, partitions);
      if (replyPartition < 0) {
        throw new Rejection(
            ErrorCode.BAD_REQUEST,
            "invalid reply-partition '"
                + RequestErrors.quote(partitionHeader)
                + "': reply-topic '"
                + replyTopic
                + "' has partitions 0.."
                + (partitions - 1),
            requestId,
            replyTopic,
            -1);
      }
    }
    return new ReplyAddress(requestId, replyTopic, replyPartition);
  }

  /** Headers first (routing needs no body), then the body. */
  private ServingRequest request(
      RawRequest raw, ReplyAddress address, ReadOnlyBroadcastState<String, String> specState)
      throws Exception {
    String model = raw.header(InferenceHeaders.MODEL);
    if (model == null || model.isEmpty()) {
      throw InferenceException.badRequest("missing header 'model'");
    }
    if (raw.valueSize() > settings.maxRequestBytes()) {
      throw new InferenceException(
          ErrorCode.PAYLOAD_TOO_LARGE,
          "request body of "
              + raw.valueSize()
              + " bytes exceeds inference.request.max-bytes ("
              + settings.maxRequestBytes()
              + " bytes)");
    }
    ServingRequest request = new ServingRequest();
    request.requestId = address.requestId;
    request.model = model;
    request.requestedVersion = emptyToNull(raw.header(InferenceHeaders.MODEL_VERSION));
    request.replyTopic = address.replyTopic;
    request.replyPartition = address.replyPartition;
    request.deadline = parseDeadline(raw.header(InferenceHeaders.DEADLINE));
    request.priority = Priority.parse(raw.header(InferenceHeaders.PRIORITY));
    request.routingKey = routingKey(specs.get(specState, model), model, address.requestId);
    int jsonLength = jsonLength(raw);
    request.receivedMicros = Clock.nowMicros();
    InferenceRequest body = InferenceCodec.decodeRequest(raw.value, jsonLength);
    request.inputs = body.inputs().stream().map(TensorData::of).toArray(TensorData[]::new);
    request.outputs = body.outputs().stream().map(RequestedOutput::name).toArray(String[]::new);
    request.binaryOutputs =
        body.outputs().stream()
            .filter(RequestedOutput::binaryData)
            .map(RequestedOutput::name)
            .toArray(String[]::new);
    request.binaryOutputAll = body.binaryDataOutput();
    request.clientRequestId = body.id() != null ? body.id() : address.requestId;
    return request;
  }

  /**
   * One of the model's replica keys, chosen by request id so that a retried request goes the same
   * way. Unknown models key by name (the router answers them).
   */
  private String routingKey(ModelSpec spec, String model, String requestId) {
    if (spec == null) {
      replicas.remove(model);
      return model;
    }
    Replicas known = replicas.get(model);
    if (known == null || known.spec != spec) {
      known =
          new Replicas(
              spec,
              ReplicaKeys.choose(
                  model, spec.replicas(), settings.routerParallelism(), settings.maxParallelism()));
      replicas.put(model, known);
    }
    String[] keys = known.keys;
    return keys.length == 1 ? keys[0] : keys[Math.floorMod(requestId.hashCode(), keys.length)];
  }

  private static int jsonLength(RawRequest raw) {
    String contentType = raw.header(InferenceHeaders.CONTENT_TYPE);
    String length = raw.header(InferenceHeaders.INFERENCE_HEADER_CONTENT_LENGTH);
    boolean binaryType =
        contentType != null && contentType.startsWith(InferenceHeaders.CONTENT_TYPE_BINARY);
    boolean jsonType =
        contentType == null
            || contentType.isEmpty()
            || contentType.startsWith(InferenceHeaders.CONTENT_TYPE_JSON);
    if (!binaryType && !jsonType) {
      throw new InferenceException(
          ErrorCode.UNSUPPORTED_MEDIA_TYPE,
          "unsupported content-type '"
              + RequestErrors.quote(contentType)
              + "': use application/json or application/octet-stream");
    }
    if (length == null) {
      if (binaryType) {
        throw InferenceException.badRequest(
            "content-type application/octet-stream needs header inference-header-content-length");
      }
      return -1;
    }
    try {
      int value = Integer.parseInt(length.trim());
      if (value < 0) {
        throw new NumberFormatException();
      }
      return value;
    } catch (NumberFormatException e) {
      throw InferenceException.badRequest(
          "invalid inference-header-content-length '" + RequestErrors.quote(length) + "'");
    }
  }

  private static long parseDeadline(String value) {
    if (value == null || value.isEmpty()) {
      return 0;
    }
    try {
      long deadline = Long.parseLong(value.trim());
      if (deadline <= 0) {
        throw new NumberFormatException();
      }
      return deadline;
    } catch (NumberFormatException e) {
      throw InferenceException.badRequest(
          "invalid deadline '" + RequestErrors.quote(value) + "': expected epoch milliseconds");
    }
  }

  private static int parsePartition(String value, int partitions) {
    try {
      int partition = Integer.parseInt(value.trim());
      return partition >= 0 && partition < partitions ? partition : -1;
    } catch (NumberFormatException e) {
      return -1;
    }
  }

  private static String emptyToNull(String value) {
    return value == null || value.isEmpty() ? null : value;
  }

  private static Rejection noReply(String message) {
    return new Rejection(ErrorCode.BAD_REQUEST, message, null, null, -1);
  }
}
