package io.inferstream.job.operators;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import io.inferstream.job.TestModels;
import io.inferstream.job.model.ModelSpecs;
import io.inferstream.job.records.OutboundRecord;
import io.inferstream.job.records.RawRequest;
import io.inferstream.job.records.RegistryUpdate;
import io.inferstream.job.records.ServingRequest;
import io.inferstream.job.records.TensorData;
import io.inferstream.schemas.BatchingConfig;
import io.inferstream.schemas.DataType;
import io.inferstream.schemas.ErrorBody;
import io.inferstream.schemas.InferenceCodec;
import io.inferstream.schemas.InferenceException;
import io.inferstream.schemas.InferenceHeaders;
import io.inferstream.schemas.ModelSpec;
import io.inferstream.schemas.ModelVersionSpec;
import io.inferstream.schemas.TensorSpec;
import io.inferstream.schemas.fuzz.Choices;
import io.inferstream.schemas.fuzz.Framed;
import io.inferstream.schemas.fuzz.Invariants;
import io.inferstream.schemas.fuzz.StructuredRequest;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.BroadcastOperatorTestHarness;
import org.apache.flink.streaming.util.ProcessFunctionTestHarnesses;
import org.junit.jupiter.api.AfterAll;

/**
 * Coverage-guided fuzzing of the decoder operator (docs/fuzzing.md): a raw Kafka record with a
 * fuzzed key, headers (known names with hostile values, duplicates, arbitrary bytes) and body
 * (arbitrary bytes, a mostly-valid request, or none) goes through {@link RequestDecoder} on Flink's
 * test harness, with the registry's specs of affine and digits-mlp in broadcast state.
 *
 * <p>Invariant: {@code processElement} throws nothing, and the record leaves exactly one trace:
 * either exactly one well-formed {@link ServingRequest}, or on {@link OperatorOutputs#REJECTED} at
 * most one decodable error reply to an allowed, existing reply topic followed by exactly one dead
 * letter carrying the record's body, never both, never nothing.
 */
class RequestDecoderFuzzTest {
  static final String DEFAULT_REPLY_TOPIC = "inference-replies";
  static final String REPLY_TOPIC_PATTERN = "inference-replies.*";
  static final String DEAD_LETTERS = "dead-letters";
  static final Map<String, Integer> TOPICS =
      Map.of("inference-replies", 2, "inference-replies-x", 1, "inference-replies-empty", 0);

  /** The header names a record may carry, and values worth trying for each (same order). */
  static final String[] HEADER_NAMES = {
    InferenceHeaders.REQUEST_ID,
    InferenceHeaders.MODEL,
    InferenceHeaders.MODEL_VERSION,
    InferenceHeaders.API_KEY,
    InferenceHeaders.REPLY_TOPIC,
    InferenceHeaders.REPLY_PARTITION,
    InferenceHeaders.DEADLINE,
    InferenceHeaders.PRIORITY,
    InferenceHeaders.CONTENT_TYPE,
    InferenceHeaders.INFERENCE_HEADER_CONTENT_LENGTH,
    "Model",
    "",
  };

  static final String[][] HEADER_VALUES = {
    {"r1", "r2", "", "\u0000", "\u00fc", "r".repeat(300)},
    {"affine", "digits-mlp", "unknown", "", "AFFINE", "affine\u0000"},
    {"1.0.0", "2.0.0", "prod", "canary", "latest", "9.9.9", ""},
    {"key-1", ""},
    {
      "inference-replies",
      "inference-replies-x",
      "inference-replies-gone",
      "inference-replies-empty",
      "payments",
      "",
      "inference-replies\n",
      DEAD_LETTERS
    },
    {"0", "1", "2", "-1", "99", "2147483648", " 1 ", "x", ""},
    {
      "0", "-1", "1", "99999999999999", "9223372036854775807", "9223372036854775808", "x", "", " 5 "
    },
    {"high", "low", "normal", "HIGH", "urgent", ""},
    {
      "application/json",
      "application/octet-stream",
      "application/json; charset=utf-8",
      "text/plain",
      "",
      "application/octet-streamx"
    },
    {"0", "-1", "-5", "x", "", "2147483647", "2147483648", " 10 ", "1e3", "4", "100"},
    {"affine"},
    {"x"},
  };

  /** How the body is made: arbitrary bytes, a mostly-valid request, none (a tombstone). */
  static final int RAW_BODY = 0;

  static final int STRUCTURED_BODY = 1;
  static final int NO_BODY = 2;

  static final int NO_KEY = 0;
  static final int EMPTY_KEY = 1;
  static final int KEY = 2;

  static final int PICKED_VALUE = 0;
  static final int BYTES_VALUE = 1;

  private static BroadcastOperatorTestHarness<RawRequest, RegistryUpdate, ServingRequest> harness;
  private static final Pattern ALLOWED_REPLY_TOPIC = Pattern.compile(REPLY_TOPIC_PATTERN);

  @FuzzTest(maxDuration = "2m")
  void decodeRecord(FuzzedDataProvider data) throws Exception {
    check(record(Choices.of(data)));
  }

  /**
   * The record the decisions describe. Order: body kind (and the structured request, whose framing
   * headers come first so that fuzzed headers can override them), key, headers, then the raw body.
   */
  static RawRequest record(Choices c) {
    RawRequest raw = new RawRequest();
    raw.topic = "inference-requests";
    raw.partition = 3;
    raw.offset = 42;
    List<String> names = new ArrayList<>();
    List<byte[]> values = new ArrayList<>();
    int bodyKind = c.intIn(RAW_BODY, NO_BODY);
    if (bodyKind == STRUCTURED_BODY) {
      Framed framed = StructuredRequest.build(c);
      raw.value = framed.body();
      if (framed.jsonLength() != -1) {
        names.add(InferenceHeaders.CONTENT_TYPE);
        values.add(utf8(InferenceHeaders.CONTENT_TYPE_BINARY));
        names.add(InferenceHeaders.INFERENCE_HEADER_CONTENT_LENGTH);
        values.add(utf8(Integer.toString(framed.jsonLength())));
      }
    }
    raw.key =
        switch (c.intIn(NO_KEY, KEY)) {
          case NO_KEY -> null;
          case EMPTY_KEY -> new byte[0];
          default -> c.bytes(c.intIn(0, 32));
        };
    int headers = c.intIn(0, 12);
    for (int i = 0; i < headers; i++) {
      int name = c.intIn(0, HEADER_NAMES.length - 1);
      names.add(HEADER_NAMES[name]);
      values.add(
          c.intIn(PICKED_VALUE, BYTES_VALUE) == PICKED_VALUE
              ? utf8(c.pick(HEADER_VALUES[name]))
              : c.bytes(c.intIn(0, 64)));
    }
    raw.headerNames = names.toArray(new String[0]);
    raw.headerValues = values.toArray(new byte[0][]);
    if (bodyKind == RAW_BODY) {
      raw.value = c.rest();
    }
    return raw;
  }

  /** The record, comparably: key, headers and body. */
  static String fingerprint(RawRequest raw) {
    StringBuilder out = new StringBuilder();
    out.append(raw.key == null ? "-" : b64(raw.key)).append('|');
    for (int i = 0; i < raw.headerNames.length; i++) {
      out.append(raw.headerNames[i]).append('=').append(b64(raw.headerValues[i])).append(';');
    }
    return out.append('|').append(raw.value == null ? "-" : b64(raw.value)).toString();
  }

  static void check(RawRequest raw) throws Exception {
    BroadcastOperatorTestHarness<RawRequest, RegistryUpdate, ServingRequest> h = harness();
    h.getOutput().clear();
    var side = h.getSideOutput(OperatorOutputs.REJECTED);
    if (side != null) {
      side.clear();
    }
    h.processElement(raw, 0); // throws nothing: a throwable here is a finding
    List<ServingRequest> served = h.extractOutputValues();
    side = h.getSideOutput(OperatorOutputs.REJECTED);
    List<OutboundRecord> rejected =
        side == null ? List.of() : side.stream().map(StreamRecord::getValue).toList();
    if (served.size() == 1 && rejected.isEmpty()) {
      checkServed(served.get(0));
    } else if (served.isEmpty() && !rejected.isEmpty()) {
      checkRejected(raw, rejected);
    } else {
      throw new AssertionError(
          "the record left "
              + served.size()
              + " requests and "
              + rejected.size()
              + " rejection records: exactly one trace expected");
    }
  }

  private static void checkServed(ServingRequest request) {
    require(request.requestId != null && !request.requestId.isEmpty(), "served without request id");
    require(request.model != null && !request.model.isEmpty(), "served without model");
    require(request.replyTopic != null, "served without reply topic");
    require(
        ALLOWED_REPLY_TOPIC.matcher(request.replyTopic).matches()
            && TOPICS.getOrDefault(request.replyTopic, -1) > 0,
        "served with reply topic '" + request.replyTopic + "'");
    require(
        request.replyPartition >= -1 && request.replyPartition < TOPICS.get(request.replyTopic),
        "served with reply partition " + request.replyPartition);
    require(request.deadline >= 0, "served with deadline " + request.deadline);
    require(request.priority != null, "served without priority");
    require(request.routingKey != null, "served without routing key");
    boolean known = request.model.equals("affine") || request.model.equals("digits-mlp");
    require(
        known
            ? request.routingKey.startsWith(request.model + "#")
            : request.routingKey.equals(request.model),
        "model '" + request.model + "' routed by key '" + request.routingKey + "'");
    require(request.clientRequestId != null, "served without client request id");
    require(
        request.outputs != null && request.binaryOutputs != null, "served without output lists");
    require(request.inputs != null && request.inputs.length > 0, "served without inputs");
    for (TensorData input : request.inputs) {
      Invariants.checkTensor(input.name, input.datatype, input.shape, input.data);
    }
  }

  private static void checkRejected(RawRequest raw, List<OutboundRecord> rejected) {
    OutboundRecord letter = rejected.get(rejected.size() - 1);
    require(
        DEAD_LETTERS.equals(letter.topic),
        "a rejection ends with a record to '" + letter.topic + "', not a dead letter");
    require(
        Arrays.equals(letter.value, raw.value), "the dead letter does not carry the record's body");
    require(
        letter.header(InferenceHeaders.DEAD_LETTER_REASON) != null, "dead letter without reason");
    require(rejected.size() <= 2, rejected.size() + " rejection records for one record");
    if (rejected.size() == 2) {
      OutboundRecord reply = rejected.get(0);
      require(
          reply.topic != null
              && ALLOWED_REPLY_TOPIC.matcher(reply.topic).matches()
              && TOPICS.getOrDefault(reply.topic, -1) > 0,
          "error reply to '" + reply.topic + "'");
      require(
          reply.partition >= -1 && reply.partition < TOPICS.get(reply.topic),
          "error reply to partition " + reply.partition);
      require(reply.status >= 400, "error reply with status " + reply.status);
      ErrorBody body;
      try {
        body = InferenceCodec.decodeError(reply.value);
      } catch (InferenceException e) {
        throw new AssertionError("the error reply does not decode: " + e.getMessage(), e);
      }
      require(body.code() == reply.status, "error reply body code " + body.code());
    }
  }

  private static BroadcastOperatorTestHarness<RawRequest, RegistryUpdate, ServingRequest> harness()
      throws Exception {
    if (harness == null) {
      RequestDecoder decoder =
          new RequestDecoder(
              new RequestDecoder.Settings(
                  DEFAULT_REPLY_TOPIC, REPLY_TOPIC_PATTERN, DEAD_LETTERS, 1 << 20, 4, 128),
              topic -> TOPICS.getOrDefault(topic, -1));
      harness =
          ProcessFunctionTestHarnesses.forBroadcastProcessFunction(decoder, ModelSpecs.DESCRIPTOR);
      ModelSpec affine = TestModels.affine(new BatchingConfig(8, List.of(), 1000));
      harness.processBroadcastElement(
          new RegistryUpdate("affine", 1, ModelSpecs.toJson(affine)), 0);
      harness.processBroadcastElement(
          new RegistryUpdate("digits-mlp", 1, ModelSpecs.toJson(digits(affine))), 0);
    }
    return harness;
  }

  @AfterAll
  static void closeHarness() throws Exception {
    if (harness != null) {
      harness.close();
      harness = null;
    }
  }

  /** digits-mlp as the registry has it: FP32 [N,64] in, [N,10] logits out, two replicas. */
  private static ModelSpec digits(ModelSpec affine) {
    ModelVersionSpec v1 =
        new ModelVersionSpec(
            "1.0.0",
            "file:///nonexistent/digits-mlp/1/model.onnx",
            "0".repeat(64),
            List.of(new TensorSpec("input", DataType.FP32, new long[] {-1, 64})),
            List.of(new TensorSpec("logits", DataType.FP32, new long[] {-1, 10})),
            0L);
    return new ModelSpec(
        "digits-mlp",
        1,
        List.of(v1),
        Map.of(),
        affine.route(),
        affine.batching(),
        2,
        affine.device(),
        1,
        0);
  }

  private static void require(boolean condition, String message) {
    if (!condition) {
      throw new AssertionError(message);
    }
  }

  static byte[] utf8(String value) {
    return value.getBytes(StandardCharsets.UTF_8);
  }

  private static String b64(byte[] bytes) {
    return Base64.getEncoder().encodeToString(bytes);
  }

  static int headerIndex(String name) {
    int index = Arrays.asList(HEADER_NAMES).indexOf(name);
    if (index < 0) {
      throw new IllegalArgumentException("no header " + name);
    }
    return index;
  }
}
