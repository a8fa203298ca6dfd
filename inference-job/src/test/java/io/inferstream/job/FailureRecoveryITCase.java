package io.inferstream.job;

import static org.assertj.core.api.Assertions.assertThat;

import io.inferstream.client.InferenceCall;
import io.inferstream.client.InferenceClient;
import io.inferstream.client.InferenceReply;
import io.inferstream.job.InferenceOptions.DeliveryGuarantee;
import io.inferstream.job.testing.PipelineTestStack;
import io.inferstream.schemas.InferenceRequest;
import io.inferstream.schemas.Tensor;
import io.inferstream.testing.Await;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.flink.api.common.JobID;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A task manager dies mid-stream after a completed checkpoint: the job restarts from it and every
 * request still gets an answer — duplicates counted under at-least-once, none under exactly-once.
 */
class FailureRecoveryITCase {
  private static final Logger LOG = LoggerFactory.getLogger(FailureRecoveryITCase.class);
  private static final int REQUESTS = 300;

  @TempDir static Path workDir;
  private static PipelineTestStack stack;

  @BeforeAll
  static void startStack() throws Exception {
    stack = PipelineTestStack.start(workDir);
  }

  @AfterAll
  static void stopStack() throws Exception {
    if (stack != null) {
      stack.close();
    }
  }

  @ParameterizedTest
  @EnumSource(DeliveryGuarantee.class)
  void everyRequestIsAnsweredAcrossARestartFromACheckpoint(DeliveryGuarantee guarantee)
      throws Exception {
    String suffix = guarantee.name().toLowerCase().replace('_', '-');
    String requestTopic = "requests-" + suffix;
    String replyTopic = "inference-replies-" + suffix;
    stack.createTopics(requestTopic, replyTopic);
    boolean exactlyOnce = guarantee == DeliveryGuarantee.EXACTLY_ONCE;
    JobID jobId =
        stack.submit(
            stack.jobConfiguration(
                Map.of(
                    "execution.checkpointing.interval",
                    "1 s",
                    InferenceOptions.DELIVERY_GUARANTEE.key(),
                    guarantee.name(),
                    InferenceOptions.REQUEST_TOPIC.key(),
                    requestTopic,
                    InferenceOptions.GROUP_ID.key(),
                    "recovery-" + suffix,
                    InferenceOptions.TRANSACTIONAL_ID_PREFIX.key(),
                    "recovery-" + suffix)));
    try (InferenceClient client = stack.client(requestTopic, replyTopic, exactlyOnce)) {
      List<CompletableFuture<InferenceReply>> replies = new ArrayList<>();
      // a third answered and checkpointed, a third in flight when the task manager dies,
      // a third sent while the job restarts
      for (int i = 0; i < REQUESTS / 3; i++) {
        replies.add(client.sendAsync(call("r-" + i, i)));
      }
      CompletableFuture.allOf(replies.toArray(new CompletableFuture[0])).get(120, TimeUnit.SECONDS);
      long checkpointsBefore = stack.rest().completedCheckpoints(jobId);
      Await.until(
          "a checkpoint after the first third",
          Duration.ofSeconds(60),
          () -> stack.rest().completedCheckpoints(jobId) > checkpointsBefore);
      for (int i = REQUESTS / 3; i < 2 * REQUESTS / 3; i++) {
        replies.add(client.sendAsync(call("r-" + i, i)));
      }
      LOG.info("Killing the task manager with requests in flight");
      stack.replaceTaskManager();
      for (int i = 2 * REQUESTS / 3; i < REQUESTS; i++) {
        replies.add(client.sendAsync(call("r-" + i, i)));
      }
      for (int i = 0; i < REQUESTS; i++) {
        InferenceReply reply = replies.get(i).get(120, TimeUnit.SECONDS);
        assertThat(reply.ok()).as(reply.toString()).isTrue();
        assertThat(reply.response().output("output").asFloats())
            .containsExactly(2 * i + 1, 1, 1, 1);
      }
      // the metric reaches the REST API through the metric fetcher, a moment later
      Await.until(
          "numRestarts >= 1", Duration.ofSeconds(30), () -> stack.rest().numRestarts(jobId) >= 1);
      Await.until(
          "a restore in the checkpoint statistics",
          Duration.ofSeconds(30),
          () -> stack.rest().restoredCheckpoints(jobId) >= 1);
      assertThat(stack.rest().checkpoints(jobId).path("latest").path("restored").isObject())
          .isTrue();

      Map<String, Integer> counts = replyCounts(replyTopic, exactlyOnce);
      assertThat(counts).hasSize(REQUESTS);
      int duplicates = counts.values().stream().mapToInt(c -> c - 1).sum();
      LOG.info(
          "{}: {} requests, {} duplicate replies after the restart",
          guarantee,
          REQUESTS,
          duplicates);
      if (exactlyOnce) {
        assertThat(duplicates).isZero();
      }
    } finally {
      stack.cancel(jobId);
    }
  }

  private static InferenceCall call(String id, int i) {
    return InferenceCall.builder()
        .model("affine")
        .requestId(id)
        .request(InferenceRequest.of(id, Tensor.ofFloats("input", new long[] {1, 4}, i, 0, 0, 0)))
        .timeout(Duration.ofSeconds(120))
        .build();
  }

  /** Replies per request id on the reply topic, read as a consumer of that guarantee would. */
  private static Map<String, Integer> replyCounts(String topic, boolean readCommitted) {
    Properties props = new Properties();
    props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, stack.bootstrapServers());
    props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
    props.put(
        ConsumerConfig.ISOLATION_LEVEL_CONFIG,
        readCommitted ? "read_committed" : "read_uncommitted");
    Map<String, Integer> counts = new HashMap<>();
    try (KafkaConsumer<byte[], byte[]> consumer =
        new KafkaConsumer<>(props, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
      TopicPartition partition = new TopicPartition(topic, 0);
      consumer.assign(List.of(partition));
      consumer.seekToBeginning(List.of(partition));
      long end = consumer.endOffsets(List.of(partition)).get(partition);
      Await.until(
          "the reply topic read to its end",
          Duration.ofSeconds(30),
          () -> {
            for (ConsumerRecord<byte[], byte[]> record : consumer.poll(Duration.ofMillis(200))) {
              counts.merge(new String(record.key(), StandardCharsets.UTF_8), 1, Integer::sum);
            }
            return consumer.position(partition) >= end;
          });
    }
    return counts;
  }
}
