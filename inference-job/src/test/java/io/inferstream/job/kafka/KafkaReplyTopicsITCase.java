package io.inferstream.job.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import io.inferstream.job.testing.PipelineTestStack;
import io.inferstream.kafka.embedded.EmbeddedKafkaBroker;
import io.inferstream.testing.Await;
import io.inferstream.topics.InferenceTopics;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Reply-topic partition counts from a real broker, never looked up on the caller's thread. */
class KafkaReplyTopicsITCase {
  private static final Duration TIMEOUT = Duration.ofSeconds(30);

  private static EmbeddedKafkaBroker sharedBroker;
  private EmbeddedKafkaBroker broker;
  private KafkaReplyTopics topics;

  @BeforeAll
  static void startBroker() throws Exception {
    sharedBroker = EmbeddedKafkaBroker.builder().build().start();
    try (Admin admin =
        Admin.create(PipelineTestStack.adminProps(sharedBroker.bootstrapServers()))) {
      InferenceTopics.createIfAbsent(
          admin,
          List.of(
              InferenceTopics.topic("inference-replies", 2, (short) 1),
              InferenceTopics.topic("inference-replies-x", 1, (short) 1),
              InferenceTopics.topic("payments", 3, (short) 1)),
          TIMEOUT);
    }
  }

  @AfterAll
  static void stopBroker() {
    if (sharedBroker != null) {
      sharedBroker.close();
    }
  }

  @BeforeEach
  void open() {
    broker = sharedBroker;
    topics = new KafkaReplyTopics(broker.bootstrapServers(), "inference-replies.*");
    topics.open();
  }

  @AfterEach
  void close() {
    topics.close();
  }

  private void createTopics(NewTopic... newTopics) throws Exception {
    try (Admin admin = Admin.create(PipelineTestStack.adminProps(broker.bootstrapServers()))) {
      InferenceTopics.createIfAbsent(admin, List.of(newTopics), TIMEOUT);
    }
  }

  @Test
  void answersTheReplyTopicsThatExistAndMinusOneForOthers() {
    assertThat(topics.partitions("inference-replies")).isEqualTo(2);
    assertThat(topics.partitions("inference-replies-x")).isEqualTo(1);
    assertThat(topics.partitions("inference-replies-" + UUID.randomUUID())).isEqualTo(-1);
    assertThat(topics.partitions("payments")).isEqualTo(-1); // exists, but is no reply topic
  }

  @Test
  void aReplyTopicCreatedAfterOpenIsSeenSoon() throws Exception {
    assertThat(topics.partitions("inference-replies-late")).isEqualTo(-1);
    createTopics(InferenceTopics.topic("inference-replies-late", 3, (short) 1));
    Await.until(
        "the new reply topic is known",
        Duration.ofSeconds(30),
        () -> topics.partitions("inference-replies-late") == 3);
  }

  @Test
  void lookupsNeverWaitForTheBrokerEvenWhenItIsGone() throws Exception {
    topics.close();
    broker = EmbeddedKafkaBroker.builder().build().start(); // one this test may stop
    try {
      createTopics(InferenceTopics.topic("inference-replies", 2, (short) 1));
      topics = new KafkaReplyTopics(broker.bootstrapServers(), "inference-replies.*");
      topics.open();
    } finally {
      broker.close();
    }
    // hostile requests naming random reply topics: answered at once from what is known
    assertTimeoutPreemptively(
        Duration.ofSeconds(3),
        () -> {
          for (int i = 0; i < 1000; i++) {
            assertThat(topics.partitions("inference-replies." + UUID.randomUUID())).isEqualTo(-1);
          }
          assertThat(topics.partitions("inference-replies")).isEqualTo(2);
        });
  }
}
