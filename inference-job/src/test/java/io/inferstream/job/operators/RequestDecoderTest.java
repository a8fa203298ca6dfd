package io.inferstream.job.operators;

import static org.assertj.core.api.Assertions.assertThat;

import io.inferstream.job.TestModels;
import io.inferstream.job.model.ModelSpecs;
import io.inferstream.job.records.OutboundRecord;
import io.inferstream.job.records.RawRequest;
import io.inferstream.job.records.RegistryUpdate;
import io.inferstream.job.records.ServingRequest;
import io.inferstream.schemas.BatchingConfig;
import io.inferstream.schemas.InferenceCodec;
import io.inferstream.schemas.InferenceHeaders;
import io.inferstream.schemas.ModelSpec;
import io.inferstream.schemas.Priority;
import io.inferstream.topics.InferenceTopics;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.BroadcastOperatorTestHarness;
import org.apache.flink.streaming.util.ProcessFunctionTestHarnesses;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class RequestDecoderTest {
  private static final String JSON =
      "{\"id\":\"client-1\",\"inputs\":[{\"name\":\"input\",\"datatype\":\"FP32\",\"shape\":[1,4],\"data\":[1,2,3,4]}],"
          + "\"outputs\":[{\"name\":\"output\",\"parameters\":{\"binary_data\":true}}]}";
  private static final Map<String, Integer> TOPICS =
      Map.of("inference-replies", 2, "inference-replies-x", 1);

  private BroadcastOperatorTestHarness<RawRequest, RegistryUpdate, ServingRequest> harness;

  @BeforeEach
  void open() throws Exception {
    RequestDecoder decoder =
        new RequestDecoder(
            new RequestDecoder.Settings(
                "inference-replies", "inference-replies.*", "dead", 1024, 1, 128),
            topic -> TOPICS.getOrDefault(topic, -1));
    harness =
        ProcessFunctionTestHarnesses.forBroadcastProcessFunction(decoder, ModelSpecs.DESCRIPTOR);
    ModelSpec affine = TestModels.affine(new BatchingConfig(8, List.of(), 1000));
    harness.processBroadcastElement(new RegistryUpdate("affine", 1, ModelSpecs.toJson(affine)), 0);
  }

  @Test
  void keysByReplicaKeysOfTheSpecInBroadcastStateAndUnknownModelsByName() throws Exception {
    ModelSpec base = TestModels.affine(new BatchingConfig(8, List.of(), 1000));
    ModelSpec three =
        new ModelSpec(
            base.name(),
            2,
            base.versions(),
            base.aliases(),
            base.route(),
            base.batching(),
            3, // replicas
            base.device(),
            1,
            0);
    harness.close();
    RequestDecoder decoder =
        new RequestDecoder(
            new RequestDecoder.Settings(
                "inference-replies", "inference-replies.*", "dead", 1024, 4, 128),
            topic -> TOPICS.getOrDefault(topic, -1));
    harness =
        ProcessFunctionTestHarnesses.forBroadcastProcessFunction(decoder, ModelSpecs.DESCRIPTOR);
    harness.processBroadcastElement(new RegistryUpdate("affine", 2, ModelSpecs.toJson(three)), 0);
    java.util.Set<String> keys = new java.util.HashSet<>();
    for (int i = 0; i < 60; i++) {
      harness.processElement(raw(JSON, "request-id", "r" + i, "model", "affine"), 0);
      harness.processElement(raw(JSON, "request-id", "r" + i, "model", "affine"), 0);
    }
    harness.processElement(raw(JSON, "request-id", "u", "model", "unknown"), 0);
    List<ServingRequest> out = harness.extractOutputValues();
    for (int i = 0; i < 120; i += 2) {
      keys.add(out.get(i).routingKey);
      assertThat(out.get(i + 1).routingKey).isEqualTo(out.get(i).routingKey); // same id, same key
    }
    assertThat(keys).hasSize(3).allMatch(k -> k.startsWith("affine#"));
    assertThat(out.get(120).routingKey).isEqualTo("unknown");
    // a tombstone forgets the model: it keys by name again
    harness.processBroadcastElement(new RegistryUpdate("affine", Long.MAX_VALUE, null), 0);
    harness.processElement(raw(JSON, "request-id", "r0", "model", "affine"), 0);
    assertThat(harness.extractOutputValues().get(121).routingKey).isEqualTo("affine");
  }

  @AfterEach
  void close() throws Exception {
    harness.close();
  }

  @Test
  void decodesHeadersAndBody() throws Exception {
    harness.processElement(
        raw(
            JSON,
            "request-id",
            "r1",
            "model",
            "affine",
            "model-version",
            "prod",
            "priority",
            "high",
            "deadline",
            "99999999999999",
            "reply-topic",
            "inference-replies-x",
            "reply-partition",
            "0"),
        0);
    ServingRequest request = harness.extractOutputValues().get(0);
    assertThat(request.requestId).isEqualTo("r1");
    assertThat(request.clientRequestId).isEqualTo("client-1");
    assertThat(request.requestedVersion).isEqualTo("prod");
    assertThat(request.priority).isEqualTo(Priority.HIGH);
    assertThat(request.replyTopic).isEqualTo("inference-replies-x");
    assertThat(request.replyPartition).isZero();
    assertThat(request.routingKey).isEqualTo("affine#0");
    assertThat(request.rows()).isEqualTo(1);
    assertThat(request.wantsBinary("output")).isTrue();
    assertThat(rejected()).isEmpty();
  }

  @Test
  void aRecordWithoutAnAllowedReplyAddressIsOnlyDeadLettered() throws Exception {
    harness.processElement(
        raw(JSON, "request-id", "r1", "model", "affine", "reply-topic", "payments"), 0);
    harness.processElement(
        raw(JSON, "request-id", "r2", "model", "affine", "reply-topic", "inference-replies-gone"),
        0);
    assertThat(harness.extractOutputValues()).isEmpty();
    assertThat(rejected()).extracting(r -> r.topic).containsExactly("dead", "dead");
    assertThat(rejected().get(0).header(InferenceHeaders.DEAD_LETTER_REASON))
        .contains("'payments' does not match");
    assertThat(rejected().get(1).header(InferenceHeaders.DEAD_LETTER_REASON))
        .contains("does not exist");
  }

  @Test
  void anUndecodableRecordGetsAnErrorReplyAndADeadLetter() throws Exception {
    harness.processElement(raw("{oops", "request-id", "r1", "model", "affine"), 0);
    assertThat(rejected()).extracting(r -> r.topic).containsExactly("inference-replies", "dead");
    assertThat(rejected().get(0).status).isEqualTo(400);
    assertThat(rejected().get(1).value).isEqualTo("{oops".getBytes(StandardCharsets.UTF_8));
  }

  @Test
  void theShapeThatWrapsToZeroBytesIsA400ForThatRecordOnly() throws Exception {
    // once a restart loop: count × 4 wrapped to 0 and the buffer overflowed on the task thread
    String bomb =
        "{\"inputs\":[{\"name\":\"input\",\"shape\":[4611686018427387904],"
            + "\"datatype\":\"FP32\",\"data\":[1]}]}";
    harness.processElement(raw(bomb, "request-id", "r1", "model", "affine"), 0);
    harness.processElement(raw(JSON, "request-id", "r2", "model", "affine"), 0);
    assertThat(rejected()).extracting(r -> r.topic).containsExactly("inference-replies", "dead");
    assertThat(rejected().get(0).status).isEqualTo(400);
    assertThat(InferenceCodec.decodeError(rejected().get(0).value).error())
        .contains("input 'input' shape [4611686018427387904] has 4611686018427387904 elements");
    assertThat(harness.extractOutputValues()).extracting(r -> r.requestId).containsExactly("r2");
  }

  @Test
  void anUnexpectedFailureIsThatRecordsError() throws Exception {
    harness.close();
    RequestDecoder decoder =
        new RequestDecoder(
            new RequestDecoder.Settings(
                "inference-replies", "inference-replies.*", "dead", 1024, 1, 128),
            topic -> {
              if (topic.equals("inference-replies-broken")) {
                throw new IllegalStateException("lookup broke");
              }
              return TOPICS.getOrDefault(topic, -1);
            });
    harness =
        ProcessFunctionTestHarnesses.forBroadcastProcessFunction(decoder, ModelSpecs.DESCRIPTOR);
    harness.processElement(
        raw(JSON, "request-id", "r1", "model", "affine", "reply-topic", "inference-replies-broken"),
        0);
    harness.processElement(raw(JSON, "request-id", "r2", "model", "affine"), 0);
    assertThat(rejected()).extracting(r -> r.topic).containsExactly("dead");
    assertThat(rejected().get(0).header(InferenceHeaders.DEAD_LETTER_REASON))
        .startsWith("500 reading the reply address failed on this request:")
        .contains("IllegalStateException: lookup broke");
    assertThat(harness.extractOutputValues()).extracting(r -> r.requestId).containsExactly("r2");
  }

  @Test
  void hostileHeadersAreQuotedBoundedAndOverlongIdsRefused() throws Exception {
    String longValue = "x".repeat(100_000);
    harness.processElement(
        raw(JSON, "request-id", "r1", "model", "affine", "deadline", longValue), 0);
    harness.processElement(raw(JSON, "request-id", longValue, "model", "affine"), 0);
    List<OutboundRecord> out = rejected();
    assertThat(out).extracting(r -> r.topic).containsExactly("inference-replies", "dead", "dead");
    assertThat(out.get(0).value.length).isLessThan(1024);
    assertThat(out.get(1).header(InferenceHeaders.DEAD_LETTER_REASON).length()).isLessThan(1024);
    assertThat(out.get(2).header(InferenceHeaders.DEAD_LETTER_REASON))
        .contains("request-id of 100000 characters is longer than the 256 allowed");
  }

  @Test
  void aDeadLetterTooLargeForTheRecordLimitDropsItsValue() throws Exception {
    RawRequest huge = raw("", "request-id", "r1", "model", "affine");
    huge.value = new byte[InferenceTopics.MAX_RECORD_BYTES - 100];
    harness.processElement(huge, 0);
    OutboundRecord letter = rejected().get(rejected().size() - 1);
    assertThat(letter.topic).isEqualTo("dead");
    assertThat(letter.value).isNull();
    assertThat(letter.header(InferenceHeaders.DEAD_LETTER_VALUE_DROPPED))
        .isEqualTo(Integer.toString(InferenceTopics.MAX_RECORD_BYTES - 100));
    assertThat(letter.header(InferenceHeaders.DEAD_LETTER_REASON)).startsWith("413 ");
  }

  @Test
  void randomHostileRecordsNeverThrowAndEachLeavesExactlyOneTrace() throws Exception {
    Random random = new Random(42);
    String[] names = {
      "request-id",
      "model",
      "model-version",
      "reply-topic",
      "reply-partition",
      "deadline",
      "priority",
      "content-type",
      "inference-header-content-length"
    };
    String[] values = {
      "",
      "affine",
      "-1",
      "99",
      "inference-replies",
      "inference-replies-x",
      "x",
      "\u0000",
      "application/octet-stream",
      "application/json",
      "2",
      "high",
      "1.0.0",
      "latest"
    };
    for (int i = 0; i < 2000; i++) {
      byte[] body = new byte[random.nextInt(64)];
      random.nextBytes(body);
      if (random.nextBoolean()) {
        body = JSON.substring(0, random.nextInt(JSON.length())).getBytes(StandardCharsets.UTF_8);
      }
      List<String> headers = new ArrayList<>();
      for (int h = random.nextInt(6); h > 0; h--) {
        headers.add(names[random.nextInt(names.length)]);
        headers.add(values[random.nextInt(values.length)]);
      }
      RawRequest raw =
          raw(new String(body, StandardCharsets.ISO_8859_1), headers.toArray(new String[0]));
      raw.value = body;
      harness.processElement(raw, i);
    }
    long deadLetters = rejected().stream().filter(r -> r.topic.equals("dead")).count();
    assertThat(harness.extractOutputValues().size() + deadLetters).isEqualTo(2000);
  }

  private List<OutboundRecord> rejected() {
    var side = harness.getSideOutput(OperatorOutputs.REJECTED);
    return side == null ? List.of() : side.stream().map(StreamRecord::getValue).toList();
  }

  private static RawRequest raw(String body, String... headers) {
    RawRequest raw = new RawRequest();
    raw.topic = "inference-requests";
    raw.value = body.getBytes(StandardCharsets.UTF_8);
    raw.headerNames = new String[headers.length / 2];
    raw.headerValues = new byte[headers.length / 2][];
    for (int i = 0; i < headers.length; i += 2) {
      raw.headerNames[i / 2] = headers[i];
      raw.headerValues[i / 2] = headers[i + 1].getBytes(StandardCharsets.UTF_8);
    }
    return raw;
  }
}
