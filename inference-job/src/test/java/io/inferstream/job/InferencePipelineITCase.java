package io.inferstream.job;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.inferstream.client.InferenceCall;
import io.inferstream.client.InferenceClient;
import io.inferstream.client.InferenceReply;
import io.inferstream.job.testing.PipelineTestStack;
import io.inferstream.schemas.InferenceCodec;
import io.inferstream.schemas.InferenceHeaders;
import io.inferstream.schemas.InferenceRequest;
import io.inferstream.schemas.InferenceResponse;
import io.inferstream.schemas.Priority;
import io.inferstream.schemas.Tensor;
import io.inferstream.testing.Await;
import io.inferstream.topics.InferenceTopics;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.flink.api.common.JobID;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The whole pipeline on the real stack (KRaft broker, MiniCluster, ONNX Runtime on real files): one
 * job for the class, many kinds of traffic.
 */
class InferencePipelineITCase {
  private static final ObjectMapper MAPPER = new ObjectMapper();

  @TempDir static Path workDir;
  private static PipelineTestStack stack;
  private static JobID job;
  private static InferenceClient client;

  @BeforeAll
  static void startStack() throws Exception {
    stack = PipelineTestStack.start(workDir);
    job =
        stack.submit(
            stack.jobConfiguration(
                Map.of(
                    "execution.checkpointing.interval",
                    "2 s",
                    InferenceOptions.REQUEST_MAX_BYTES.key(),
                    "6mb")));
    client = stack.client(InferenceTopics.REPLIES, false);
  }

  @AfterAll
  static void stopStack() throws Exception {
    if (stack != null) {
      stack.close(); // also closes the client and cancels the job
    }
  }

  @Test
  void digitsTestSetGivesTheRecordedPredictionsInBatches() throws Exception {
    JsonNode testset =
        MAPPER.readTree(TestModels.REPOSITORY.resolve("digits-mlp/testset.json").toFile());
    JsonNode inputs = testset.get("inputs");
    List<CompletableFuture<InferenceReply>> replies = new ArrayList<>();
    for (int i = 0; i < inputs.size(); i++) {
      float[] pixels = new float[64];
      for (int j = 0; j < 64; j++) {
        pixels[j] = (float) inputs.get(i).get(j).asDouble();
      }
      replies.add(
          client.sendAsync(
              InferenceCall.builder()
                  .model("digits-mlp")
                  .requestId("digit-" + i)
                  .request(
                      InferenceRequest.of(
                          "digit-" + i, Tensor.ofFloats("input", new long[] {1, 64}, pixels)))
                  .build()));
    }
    int correct = 0;
    long largestBatch = 0;
    for (int i = 0; i < replies.size(); i++) {
      InferenceReply reply = replies.get(i).get(60, TimeUnit.SECONDS);
      assertThat(reply.ok()).as("reply %d: %s", i, reply).isTrue();
      InferenceResponse response = reply.response();
      int predicted = argmax(response.output("logits").asFloats());
      assertThat(predicted)
          .as("prediction for row %d", i)
          .isEqualTo(testset.get("torch_predictions").get(i).asInt());
      if (predicted == testset.get("labels").get(i).asInt()) {
        correct++;
      }
      largestBatch = Math.max(largestBatch, response.longParameter(InferenceResponse.BATCH_SIZE));
    }
    assertThat(correct / 200.0).isEqualTo(testset.get("heldout_accuracy").asDouble());
    assertThat(largestBatch).as("largest batch").isGreaterThanOrEqualTo(4);
  }

  @Test
  void affineGivesExactValuesOverJsonAndBinary() {
    float[] x = {1.5f, -2f, 0f, 1e6f, 3f, 4f, 5f, 6f};
    for (boolean binary : new boolean[] {false, true}) {
      InferenceRequest request =
          new InferenceRequest(
              "affine-" + binary,
              binary ? Map.of("binary_data_output", true) : Map.of(),
              List.of(Tensor.ofFloats("input", new long[] {2, 4}, x)),
              List.of());
      InferenceReply reply =
          client.send(
              InferenceCall.builder().model("affine").binary(binary).request(request).build());
      assertThat(reply.ok()).as(reply.toString()).isTrue();
      assertThat(reply.header(InferenceHeaders.CONTENT_TYPE))
          .isEqualTo(
              binary ? InferenceHeaders.CONTENT_TYPE_BINARY : InferenceHeaders.CONTENT_TYPE_JSON);
      InferenceResponse response = reply.response();
      assertThat(response.modelName()).isEqualTo("affine");
      assertThat(response.modelVersion()).isEqualTo("1.0.0");
      assertThat(response.id()).isEqualTo("affine-" + binary);
      Tensor output = response.output("output");
      assertThat(output.shape()).containsExactly(2, 4);
      float[] expected = new float[x.length];
      for (int i = 0; i < x.length; i++) {
        expected[i] = 2 * x[i] + 1;
      }
      assertThat(output.asFloats()).containsExactly(expected);
    }
  }

  @Test
  void largeImageTensorsGoThroughAsBinaryAndJson() {
    int pixels = 3 * 224 * 224;
    float[] eight = new float[8 * pixels];
    for (int i = 0; i < eight.length; i++) {
      eight[i] = (i / (224 * 224)) % 3 + (i / pixels); // image n, channel c -> c + n
    }
    InferenceReply binary =
        client.send(
            InferenceCall.builder()
                .model("image-mean")
                .binary(true)
                .request(
                    InferenceRequest.of(
                        "eight", Tensor.ofFloats("input", new long[] {8, 3, 224, 224}, eight)))
                .build());
    assertThat(binary.ok()).as(binary.toString()).isTrue();
    float[] means = binary.response().output("mean").asFloats();
    assertThat(means).hasSize(24);
    assertThat(means[7 * 3 + 2]).isEqualTo(9f);

    float[] one = new float[pixels];
    for (int i = 0; i < one.length; i++) {
      one[i] = 0.123456789f * (i % 7);
    }
    InferenceRequest jsonRequest =
        InferenceRequest.of("one", Tensor.ofFloats("input", new long[] {1, 3, 224, 224}, one));
    assertThat(InferenceCodec.encodeRequest(jsonRequest, false).bytes().length)
        .isGreaterThan(1_048_576);
    InferenceReply json =
        client.send(InferenceCall.builder().model("image-mean").request(jsonRequest).build());
    assertThat(json.ok()).as(json.toString()).isTrue();
    assertThat(json.response().output("mean").asFloats()).hasSize(3);
  }

  @Test
  void onePoisonRequestInABurstIsTheOnlyOneThatFails() throws Exception {
    List<CompletableFuture<InferenceReply>> replies = new ArrayList<>();
    for (int i = 0; i < 16; i++) {
      long index = i == 11 ? 99 : i % 10;
      replies.add(
          client.sendAsync(
              InferenceCall.builder()
                  .model("lookup")
                  .requestId("lookup-" + i)
                  .request(
                      InferenceRequest.of(null, Tensor.ofLongs("index", new long[] {1, 1}, index)))
                  .build()));
    }
    for (int i = 0; i < 16; i++) {
      InferenceReply reply = replies.get(i).get(60, TimeUnit.SECONDS);
      if (i == 11) {
        assertThat(reply.status()).isEqualTo(500);
        assertThat(reply.error().error()).contains("failed on this request", "out of data bounds");
      } else {
        assertThat(reply.ok()).as(reply.toString()).isTrue();
        assertThat(reply.response().output("value").asFloats()).containsExactly((i % 10) * 10f);
      }
    }
    assertThat(stack.rest().numRestarts(job)).isZero();
  }

  @Test
  void aModelPinnedToAnUnusableDeviceAnswers503AndTheJobKeepsServing() {
    InferenceRequest request =
        InferenceRequest.of(null, Tensor.ofFloats("input", new long[] {1, 4}, 1, 2, 3, 4));
    InferenceReply cuda =
        client.send(InferenceCall.builder().model("affine-cuda").request(request).build());
    assertThat(cuda.status()).isEqualTo(503);
    assertThat(cuda.error().error()).contains("requires device cuda");
    InferenceReply cpu =
        client.send(InferenceCall.builder().model("affine").request(request).build());
    assertThat(cpu.ok()).isTrue();
    assertThat(stack.rest().numRestarts(job)).isZero();
  }

  /** A hostile request and what it must get back. */
  private record BadCase(
      String name, byte[] body, Map<String, String> headers, int status, String message) {}

  @Test
  void everyBadInputGetsOneSpecificErrorAndGoodRequestsAroundThemSucceed() throws Exception {
    String affineJson =
        "{\"inputs\":[{\"name\":\"input\",\"datatype\":\"FP32\",\"shape\":[1,4],\"data\":[1,2,3,4]}]}";
    byte[] binaryHeader =
        "{\"inputs\":[{\"name\":\"input\",\"datatype\":\"FP32\",\"shape\":[1,4],\"parameters\":{\"binary_data_size\":16}}]}"
            .getBytes(StandardCharsets.UTF_8);
    byte[] wrongSizeHeader =
        "{\"inputs\":[{\"name\":\"input\",\"datatype\":\"FP32\",\"shape\":[1,4],\"parameters\":{\"binary_data_size\":12}}]}"
            .getBytes(StandardCharsets.UTF_8);
    Map<String, String> affine = Map.of(InferenceHeaders.MODEL, "affine");
    Map<String, String> binary =
        Map.of(
            InferenceHeaders.MODEL,
            "affine",
            InferenceHeaders.CONTENT_TYPE,
            InferenceHeaders.CONTENT_TYPE_BINARY,
            InferenceHeaders.INFERENCE_HEADER_CONTENT_LENGTH,
            Integer.toString(binaryHeader.length));
    Map<String, String> wrongSize = new HashMap<>(binary);
    wrongSize.put(
        InferenceHeaders.INFERENCE_HEADER_CONTENT_LENGTH, Integer.toString(wrongSizeHeader.length));
    StringBuilder rows = new StringBuilder();
    for (int i = 0; i < 257 * 4; i++) {
      rows.append(i == 0 ? "" : ",").append(i % 10);
    }
    List<BadCase> cases =
        List.of(
            new BadCase("not json", utf8("this is not json"), affine, 400, "malformed JSON"),
            new BadCase(
                "truncated binary",
                concat(binaryHeader, new byte[8]),
                binary,
                400,
                "only 8 binary bytes remain"),
            new BadCase(
                "wrong binary size",
                concat(wrongSizeHeader, new byte[12]),
                wrongSize,
                400,
                "binary_data_size 12 but shape [1,4] of FP32 needs 16 bytes"),
            new BadCase(
                "missing model header", utf8(affineJson), Map.of(), 400, "missing header 'model'"),
            new BadCase(
                "unknown model",
                utf8(affineJson),
                Map.of(InferenceHeaders.MODEL, "resnet-9000"),
                404,
                "model 'resnet-9000' is not served"),
            new BadCase(
                "unknown version",
                utf8(affineJson),
                with(affine, InferenceHeaders.MODEL_VERSION, "9.9.9"),
                404,
                "no version or alias '9.9.9'"),
            new BadCase(
                "wrong input name",
                utf8(affineJson.replace("\"input\"", "\"pixels\"")),
                affine,
                400,
                "unknown input 'pixels'"),
            new BadCase(
                "wrong shape",
                utf8(affineJson.replace("[1,4]", "[1,5]").replace("4]}", "4,5]}")),
                affine,
                400,
                "has shape [1,5] but model 'affine' 1.0.0 expects [-1,4]"),
            new BadCase(
                "wrong datatype",
                utf8(affineJson.replace("FP32", "INT64")),
                affine,
                400,
                "'input' is INT64 but model 'affine' 1.0.0 expects FP32"),
            new BadCase(
                "data length not matching shape",
                utf8(affineJson.replace("[1,2,3,4]", "[1,2,3]")),
                affine,
                400,
                "has 3 data elements but shape [1,4] needs 4"),
            new BadCase(
                "more rows than max_batch_size",
                utf8(affineJson.replace("[1,4]", "[257,4]").replace("[1,2,3,4]", "[" + rows + "]")),
                affine,
                400,
                "request has 257 rows but model 'affine' 1.0.0 accepts at most max_batch_size 256"),
            new BadCase(
                "over the size limit",
                new byte[7 * 1024 * 1024],
                affine,
                413,
                "exceeds inference.request.max-bytes"),
            new BadCase(
                "expired deadline",
                utf8(affineJson),
                with(
                    affine,
                    InferenceHeaders.DEADLINE,
                    Long.toString(System.currentTimeMillis() - 1000)),
                504,
                "deadline"),
            new BadCase(
                "bad priority",
                utf8(affineJson),
                with(affine, InferenceHeaders.PRIORITY, "urgent"),
                400,
                "invalid priority 'urgent'"),
            new BadCase(
                "unsupported content type",
                utf8(affineJson),
                with(affine, InferenceHeaders.CONTENT_TYPE, "text/csv"),
                415,
                "unsupported content-type 'text/csv'"));

    Map<String, CompletableFuture<InferenceReply>> bad = new LinkedHashMap<>();
    List<CompletableFuture<InferenceReply>> good = new ArrayList<>();
    for (BadCase c : cases) {
      bad.put(c.name(), client.sendRaw("bad-" + UUID.randomUUID(), c.body(), bytes(c.headers())));
      good.add(
          client.sendAsync(
              InferenceCall.builder()
                  .model("affine")
                  .priority(Priority.LOW)
                  .request(
                      InferenceRequest.of(
                          null, Tensor.ofFloats("input", new long[] {1, 4}, 1, 2, 3, 4)))
                  .build()));
    }
    for (BadCase c : cases) {
      InferenceReply reply = bad.get(c.name()).get(60, TimeUnit.SECONDS);
      assertThat(reply.status()).as(c.name() + ": " + reply).isEqualTo(c.status());
      assertThat(reply.error().error()).as(c.name()).contains(c.message());
    }
    for (CompletableFuture<InferenceReply> future : good) {
      InferenceReply reply = future.get(60, TimeUnit.SECONDS);
      assertThat(reply.ok()).as(reply.toString()).isTrue();
      assertThat(reply.response().output("output").asFloats()).containsExactly(3, 5, 7, 9);
    }
    assertThat(stack.rest().numRestarts(job)).isZero();
  }

  @Test
  void requestsThatMayNotBeAnsweredAreDeadLetteredAndNothingReachesOtherTopics() throws Exception {
    byte[] body =
        utf8(
            "{\"inputs\":[{\"name\":\"input\",\"datatype\":\"FP32\",\"shape\":[1,4],\"data\":[1,2,3,4]}]}");
    String evilId = "evil-" + UUID.randomUUID();
    String anonymous = "anon-" + UUID.randomUUID();
    String missingTopic = "missing-" + UUID.randomUUID();
    try (KafkaProducer<byte[], byte[]> producer = producer()) {
      ProducerRecord<byte[], byte[]> evil =
          new ProducerRecord<>(InferenceTopics.REQUESTS, utf8(evilId), body);
      evil.headers()
          .add(InferenceHeaders.REQUEST_ID, utf8(evilId))
          .add(InferenceHeaders.MODEL, utf8("affine"))
          .add(InferenceHeaders.REPLY_TOPIC, utf8("not-a-reply-topic"));
      ProducerRecord<byte[], byte[]> noId =
          new ProducerRecord<>(InferenceTopics.REQUESTS, null, body);
      noId.headers().add(InferenceHeaders.MODEL, utf8("affine")).add("trace", utf8(anonymous));
      ProducerRecord<byte[], byte[]> noTopic =
          new ProducerRecord<>(InferenceTopics.REQUESTS, utf8(missingTopic), body);
      noTopic
          .headers()
          .add(InferenceHeaders.REQUEST_ID, utf8(missingTopic))
          .add(InferenceHeaders.MODEL, utf8("affine"))
          .add(InferenceHeaders.REPLY_TOPIC, utf8("inference-replies-nobody-created-this"));
      producer.send(evil).get();
      producer.send(noId).get();
      producer.send(noTopic).get();
    }
    // a good request sent after them is answered, so they have been processed
    InferenceReply after =
        client.send(
            InferenceCall.builder()
                .model("affine")
                .request(
                    InferenceRequest.of(
                        null, Tensor.ofFloats("input", new long[] {1, 4}, 0, 0, 0, 0)))
                .build());
    assertThat(after.ok()).isTrue();

    Map<String, String> reasons = new HashMap<>();
    try (KafkaConsumer<byte[], byte[]> consumer = consumer()) {
      List<TopicPartition> partitions =
          consumer.partitionsFor(InferenceTopics.DEAD_LETTERS).stream()
              .map(p -> new TopicPartition(p.topic(), p.partition()))
              .toList();
      consumer.assign(partitions);
      consumer.seekToBeginning(partitions);
      Await.until(
          "three dead letters",
          Duration.ofSeconds(30),
          () -> {
            for (ConsumerRecord<byte[], byte[]> record : consumer.poll(Duration.ofMillis(200))) {
              String id =
                  record.key() != null
                      ? new String(record.key(), StandardCharsets.UTF_8)
                      : String.valueOf(header(record, "trace"));
              if (List.of(evilId, anonymous, missingTopic).contains(id)) {
                reasons.put(id, header(record, InferenceHeaders.DEAD_LETTER_REASON));
                assertThat(record.value()).as("dead letter of %s", id).isEqualTo(body);
                assertThat(header(record, InferenceHeaders.DEAD_LETTER_TOPIC))
                    .isEqualTo(InferenceTopics.REQUESTS);
              }
            }
            return reasons.containsKey(evilId)
                && reasons.containsKey(anonymous)
                && reasons.containsKey(missingTopic);
          });
      assertThat(reasons.get(evilId))
          .contains("reply-topic 'not-a-reply-topic' does not match the allowed pattern");
      assertThat(reasons.get(anonymous)).contains("neither a request-id header nor a key");
      assertThat(reasons.get(missingTopic)).contains("does not exist");

      TopicPartition evilTopic = new TopicPartition("not-a-reply-topic", 0);
      assertThat(consumer.endOffsets(List.of(evilTopic)).get(evilTopic)).isZero();
    }
  }

  @Test
  void anInvalidReplyPartitionIsAnsweredOnAValidOne() throws Exception {
    try (InferenceClient single = stack.client(PipelineTestStack.SINGLE_PARTITION_REPLIES, false)) {
      InferenceReply reply =
          single
              .sendRaw(
                  "bad-partition",
                  utf8(
                      "{\"inputs\":[{\"name\":\"input\",\"datatype\":\"FP32\",\"shape\":[1,4],\"data\":[1,2,3,4]}]}"),
                  bytes(
                      Map.of(
                          InferenceHeaders.MODEL, "affine", InferenceHeaders.REPLY_PARTITION, "7")))
              .get(60, TimeUnit.SECONDS);
      assertThat(reply.status()).isEqualTo(400);
      assertThat(reply.error().error()).contains("invalid reply-partition '7'");
    }
  }

  // ---------------------------------------------------------------- helpers

  private static int argmax(float[] values) {
    int best = 0;
    for (int i = 1; i < values.length; i++) {
      if (values[i] > values[best]) {
        best = i;
      }
    }
    return best;
  }

  private static Map<String, String> with(Map<String, String> base, String key, String value) {
    Map<String, String> copy = new HashMap<>(base);
    copy.put(key, value);
    return copy;
  }

  private static Map<String, byte[]> bytes(Map<String, String> headers) {
    Map<String, byte[]> out = new HashMap<>();
    headers.forEach((k, v) -> out.put(k, utf8(v)));
    return out;
  }

  private static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  private static byte[] concat(byte[] a, byte[] b) {
    return ByteBuffer.allocate(a.length + b.length).put(a).put(b).array();
  }

  private static String header(ConsumerRecord<byte[], byte[]> record, String name) {
    var header = record.headers().lastHeader(name);
    return header == null ? null : new String(header.value(), StandardCharsets.UTF_8);
  }

  private static KafkaProducer<byte[], byte[]> producer() {
    Properties props = new Properties();
    props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, stack.bootstrapServers());
    return new KafkaProducer<>(props, new ByteArraySerializer(), new ByteArraySerializer());
  }

  private static KafkaConsumer<byte[], byte[]> consumer() {
    Properties props = new Properties();
    props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, stack.bootstrapServers());
    props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
    return new KafkaConsumer<>(props, new ByteArrayDeserializer(), new ByteArrayDeserializer());
  }
}
