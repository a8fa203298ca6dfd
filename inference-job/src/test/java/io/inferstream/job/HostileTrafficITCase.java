package io.inferstream.job;

import static org.assertj.core.api.Assertions.assertThat;

import io.inferstream.client.InferenceReply;
import io.inferstream.job.testing.PipelineTestStack;
import io.inferstream.schemas.InferenceHeaders;
import io.inferstream.testing.Await;
import io.inferstream.topics.InferenceTopics;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import org.apache.flink.api.common.JobID;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Hostile records interleaved with valid ones on the real stack: every valid request is answered
 * correctly, every hostile one gets its specific error (and a dead letter where the decoder refused
 * it), and the job never restarts.
 */
class HostileTrafficITCase {
  private static final String CASE = "test-case";
  private static final String AFFINE_WRAP =
      "{\"inputs\":[{\"name\":\"input\",\"shape\":[4611686018427387904],\"datatype\":\"FP32\","
          + "\"data\":[1]}]}";

  @TempDir static Path workDir;
  private static PipelineTestStack stack;
  private static JobID job;

  /** A hostile record and what must come of it: a reply status (0 for none), a dead letter. */
  private record Hostile(
      String name,
      byte[] body,
      Map<String, String> headers,
      boolean withRequestId,
      int status,
      boolean deadLetter) {}

  @BeforeAll
  static void startStack() throws Exception {
    stack = PipelineTestStack.start(workDir);
    job = stack.submit(stack.jobConfiguration(Map.of()));
  }

  @AfterAll
  static void stopStack() throws Exception {
    if (stack != null) {
      stack.close();
    }
  }

  private static List<Hostile> hostileRecords() {
    List<Hostile> cases = new ArrayList<>();
    Map<String, String> affine = Map.of("model", "affine");
    cases.add(new Hostile("wrapping-shape", utf8(AFFINE_WRAP), affine, true, 400, true));
    cases.add(
        new Hostile(
            "allocation-bomb",
            utf8(
                "{\"inputs\":[{\"name\":\"input\",\"shape\":[300000000,4],\"datatype\":\"FP32\","
                    + "\"data\":[1,2,3,4]}]}"),
            affine,
            true,
            400,
            true));
    String binaryJson =
        "{\"inputs\":[{\"name\":\"input\",\"shape\":[4611686018427387904],\"datatype\":\"FP32\","
            + "\"parameters\":{\"binary_data_size\":0}}]}";
    cases.add(
        new Hostile(
            "binary-wrap",
            utf8(binaryJson),
            Map.of(
                "model",
                "affine",
                InferenceHeaders.CONTENT_TYPE,
                InferenceHeaders.CONTENT_TYPE_BINARY,
                InferenceHeaders.INFERENCE_HEADER_CONTENT_LENGTH,
                Integer.toString(utf8(binaryJson).length)),
            true,
            400,
            true));
    String bytesJson =
        "{\"inputs\":[{\"name\":\"input\",\"shape\":[1],\"datatype\":\"BYTES\","
            + "\"parameters\":{\"binary_data_size\":8}}]}";
    byte[] bytesBody =
        ByteBuffer.allocate(utf8(bytesJson).length + 8)
            .order(ByteOrder.LITTLE_ENDIAN)
            .put(utf8(bytesJson))
            .putInt(Integer.MAX_VALUE)
            .putInt(0)
            .array();
    cases.add(
        new Hostile(
            "bytes-past-the-end",
            bytesBody,
            Map.of(
                "model",
                "affine",
                InferenceHeaders.CONTENT_TYPE,
                InferenceHeaders.CONTENT_TYPE_BINARY,
                InferenceHeaders.INFERENCE_HEADER_CONTENT_LENGTH,
                Integer.toString(utf8(bytesJson).length)),
            true,
            400,
            true));
    cases.add(
        new Hostile(
            "deep-nesting",
            utf8(
                "{\"inputs\":[{\"name\":\"input\",\"shape\":[1,4],\"datatype\":\"FP32\",\"data\":"
                    + "[".repeat(5000)
                    + "]".repeat(5000)
                    + "}]}"),
            affine,
            true,
            400,
            true));
    byte[] garbage = new byte[200];
    new java.util.Random(7).nextBytes(garbage);
    cases.add(new Hostile("garbage", garbage, affine, true, 400, true));
    cases.add(
        new Hostile(
            "header-length-beyond-body",
            utf8("{}"),
            Map.of(
                "model",
                "affine",
                InferenceHeaders.CONTENT_TYPE,
                InferenceHeaders.CONTENT_TYPE_BINARY,
                InferenceHeaders.INFERENCE_HEADER_CONTENT_LENGTH,
                "99999999999"),
            true,
            400,
            true));
    cases.add(
        new Hostile(
            "content-type",
            utf8(valid(1)),
            Map.of("model", "affine", InferenceHeaders.CONTENT_TYPE, "text/x-evil"),
            true,
            415,
            true));
    cases.add(
        new Hostile(
            "deadline",
            utf8(valid(1)),
            Map.of("model", "affine", InferenceHeaders.DEADLINE, "x".repeat(10_000)),
            true,
            400,
            true));
    cases.add(new Hostile("no-model-header", utf8(valid(1)), Map.of(), true, 400, true));
    cases.add(new Hostile("no-request-id", utf8(valid(1)), affine, false, 0, true));
    cases.add(
        new Hostile(
            "foreign-reply-topic",
            utf8(valid(1)),
            Map.of("model", "affine", InferenceHeaders.REPLY_TOPIC, "not-a-reply-topic"),
            true,
            0,
            true));
    cases.add(
        new Hostile(
            "unknown-reply-topic",
            utf8(valid(1)),
            Map.of(
                "model",
                "affine",
                InferenceHeaders.REPLY_TOPIC,
                "inference-replies." + UUID.randomUUID()),
            true,
            0,
            true));
    // past the decoder: refused by the router, answered, not dead-lettered
    cases.add(
        new Hostile(
            "unknown-model", utf8(valid(1)), Map.of("model", "no-such-model"), true, 404, false));
    cases.add(
        new Hostile(
            "wrong-datatype",
            utf8(
                "{\"inputs\":[{\"name\":\"input\",\"shape\":[1,4],\"datatype\":\"INT64\","
                    + "\"data\":[1,2,3,4]}]}"),
            affine,
            true,
            400,
            false));
    cases.add(
        new Hostile(
            "wrong-shape",
            utf8(
                "{\"inputs\":[{\"name\":\"input\",\"shape\":[1,5],\"datatype\":\"FP32\","
                    + "\"data\":[1,2,3,4,5]}]}"),
            affine,
            true,
            400,
            false));
    return cases;
  }

  @Test
  void hostileRecordsGetTheirOwnErrorsAndValidOnesTheirResults() throws Exception {
    String run = UUID.randomUUID().toString().substring(0, 8);
    List<Hostile> hostile = hostileRecords();
    Map<String, Integer> validIds = new HashMap<>(); // id -> first input value
    Map<String, Hostile> hostileIds = new HashMap<>();
    try (KafkaProducer<byte[], byte[]> producer = producer()) {
      for (int i = 0; i < 3 * hostile.size(); i++) {
        String id = run + "-valid-" + i;
        validIds.put(id, i);
        producer.send(record(id, utf8(valid(i)), Map.of("model", "affine"), null, run));
        Hostile h = hostile.get(i % hostile.size());
        String hostileId = run + "-" + h.name() + "-" + i;
        hostileIds.put(hostileId, h);
        producer.send(record(h.withRequestId() ? hostileId : null, h.body(), h.headers(), h, run));
      }
      // non-finite values are valid input, and come back as standard JSON strings
      producer.send(
          record(
              run + "-non-finite",
              utf8(
                  "{\"inputs\":[{\"name\":\"input\",\"shape\":[1,4],\"datatype\":\"FP32\","
                      + "\"data\":[\"NaN\",\"Infinity\",\"-Infinity\",1]}]}"),
              Map.of("model", "affine"),
              null,
              run));
      producer.flush();
    }

    Map<String, ConsumerRecord<byte[], byte[]>> replies = new HashMap<>();
    Map<String, List<ConsumerRecord<byte[], byte[]>>> deadLetters = new HashMap<>();
    long expectedReplies =
        validIds.size() + 1 + hostileIds.values().stream().filter(h -> h.status() > 0).count();
    long expectedLetters = hostileIds.values().stream().filter(Hostile::deadLetter).count();
    try (KafkaConsumer<byte[], byte[]> consumer = consumer()) {
      List<TopicPartition> partitions = new ArrayList<>();
      for (String topic : List.of(InferenceTopics.REPLIES, InferenceTopics.DEAD_LETTERS)) {
        consumer
            .partitionsFor(topic)
            .forEach(p -> partitions.add(new TopicPartition(topic, p.partition())));
      }
      consumer.assign(partitions);
      consumer.seekToBeginning(partitions);
      Await.until(
          "every reply and dead letter",
          Duration.ofSeconds(90),
          () -> {
            for (ConsumerRecord<byte[], byte[]> record : consumer.poll(Duration.ofMillis(200))) {
              if (record.topic().equals(InferenceTopics.REPLIES)) {
                String id = new String(record.key(), StandardCharsets.UTF_8);
                if (id.startsWith(run)) {
                  assertThat(replies.put(id, record)).as("second reply to %s", id).isNull();
                }
              } else if (header(record, CASE) != null && run.equals(header(record, "run"))) {
                deadLetters
                    .computeIfAbsent(header(record, CASE), c -> new ArrayList<>())
                    .add(record);
              }
            }
            return replies.size() >= expectedReplies
                && deadLetters.values().stream().mapToInt(List::size).sum() >= expectedLetters;
          });
    }

    for (Map.Entry<String, Integer> valid : validIds.entrySet()) {
      InferenceReply reply = InferenceReply.fromRecord(replies.get(valid.getKey()));
      assertThat(reply.ok()).as("%s: %s", valid.getKey(), new String(reply.body())).isTrue();
      float x = valid.getValue();
      assertThat(reply.response().output("output").asFloats())
          .containsExactly(2 * x + 1, 2 * x + 3, 2 * x + 5, 2 * x + 7);
    }
    InferenceReply nonFinite = InferenceReply.fromRecord(replies.get(run + "-non-finite"));
    assertThat(new String(nonFinite.body(), StandardCharsets.UTF_8))
        .contains("\"data\":[\"NaN\",\"Infinity\",\"-Infinity\",3.0]");
    assertThat(nonFinite.response().output("output").asFloats())
        .containsExactly(Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, 3f);

    for (Map.Entry<String, Hostile> entry : hostileIds.entrySet()) {
      Hostile h = entry.getValue();
      ConsumerRecord<byte[], byte[]> reply = replies.get(entry.getKey());
      if (h.status() == 0) {
        assertThat(reply).as("%s must not be answered", h.name()).isNull();
      } else {
        assertThat(reply).as("reply to %s", h.name()).isNotNull();
        InferenceReply answered = InferenceReply.fromRecord(reply);
        assertThat(answered.status())
            .as("%s: %s", h.name(), answered.error())
            .isEqualTo(h.status());
        assertThat(answered.error().error()).isNotBlank();
      }
      assertThat(deadLetters.containsKey(h.name()))
          .as("dead letter of %s", h.name())
          .isEqualTo(h.deadLetter());
    }
    assertThat(stack.rest().numRestarts(job)).isZero();
    assertThat(stack.rest().exceptionHistory(job)).isEmpty();
  }

  private static String valid(int i) {
    return "{\"inputs\":[{\"name\":\"input\",\"shape\":[1,4],\"datatype\":\"FP32\",\"data\":["
        + i
        + ","
        + (i + 1)
        + ","
        + (i + 2)
        + ","
        + (i + 3)
        + "]}]}";
  }

  private static ProducerRecord<byte[], byte[]> record(
      String requestId, byte[] body, Map<String, String> headers, Hostile hostile, String run) {
    ProducerRecord<byte[], byte[]> record =
        new ProducerRecord<>(
            InferenceTopics.REQUESTS, requestId == null ? null : utf8(requestId), body);
    if (requestId != null) {
      record.headers().add(InferenceHeaders.REQUEST_ID, utf8(requestId));
    }
    headers.forEach((name, value) -> record.headers().add(name, utf8(value)));
    if (hostile != null) {
      record.headers().add(CASE, utf8(hostile.name()));
      record.headers().add("run", utf8(run));
    }
    return record;
  }

  private KafkaProducer<byte[], byte[]> producer() {
    Properties props = new Properties();
    props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, stack.bootstrapServers());
    props.put(ProducerConfig.LINGER_MS_CONFIG, "0");
    return new KafkaProducer<>(props, new ByteArraySerializer(), new ByteArraySerializer());
  }

  private KafkaConsumer<byte[], byte[]> consumer() {
    Properties props = new Properties();
    props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, stack.bootstrapServers());
    return new KafkaConsumer<>(props, new ByteArrayDeserializer(), new ByteArrayDeserializer());
  }

  private static String header(ConsumerRecord<byte[], byte[]> record, String name) {
    Header header = record.headers().lastHeader(name);
    return header == null ? null : new String(header.value(), StandardCharsets.UTF_8);
  }

  private static byte[] utf8(String value) {
    return value.getBytes(StandardCharsets.UTF_8);
  }
}
