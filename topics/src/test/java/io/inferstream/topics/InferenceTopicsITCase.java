package io.inferstream.topics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.inferstream.kafka.embedded.EmbeddedKafkaBroker;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.config.TopicConfig;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Creating the catalogue's topics on a real broker. */
class InferenceTopicsITCase {
  private static final Duration TIMEOUT = Duration.ofSeconds(30);

  private static EmbeddedKafkaBroker broker;

  @BeforeAll
  static void startBroker() {
    broker = EmbeddedKafkaBroker.builder().build().start();
  }

  @AfterAll
  static void stopBroker() {
    if (broker != null) {
      broker.close();
    }
  }

  @Test
  void topicsAreCreatedWithTheirConfigsAndCreatingThemAgainIsFine() throws Exception {
    try (Admin admin = admin(broker.bootstrapServers())) {
      InferenceTopics.createIfAbsent(admin, TopicSettings.defaults(), TIMEOUT);
      InferenceTopics.createIfAbsent(admin, TopicSettings.defaults(), TIMEOUT);

      assertThat(admin.listTopics().names().get(30, TimeUnit.SECONDS))
          .contains(
              InferenceTopics.REQUESTS,
              InferenceTopics.REPLIES,
              InferenceTopics.DEAD_LETTERS,
              InferenceTopics.MODEL_STATUS,
              InferenceTopics.MODEL_REGISTRY);
      assertThat(
              admin
                  .describeTopics(List.of(InferenceTopics.REQUESTS))
                  .allTopicNames()
                  .get(30, TimeUnit.SECONDS)
                  .get(InferenceTopics.REQUESTS)
                  .partitions())
          .hasSize(InferenceTopics.DEFAULT_PARTITIONS);
      assertThat(
              topicConfig(admin, InferenceTopics.REQUESTS)
                  .get(TopicConfig.MAX_MESSAGE_BYTES_CONFIG)
                  .value())
          .isEqualTo(String.valueOf(InferenceTopics.MAX_RECORD_BYTES));
      Config registry = topicConfig(admin, InferenceTopics.MODEL_REGISTRY);
      assertThat(registry.get(TopicConfig.CLEANUP_POLICY_CONFIG).value()).isEqualTo("compact");
      assertThat(registry.get(TopicConfig.DELETE_RETENTION_MS_CONFIG).value())
          .isEqualTo(String.valueOf(InferenceTopics.REGISTRY_DELETE_RETENTION.toMillis()));
    }
  }

  @Test
  void anExistingTopicIsLeftAsItIs() throws Exception {
    try (Admin admin = admin(broker.bootstrapServers())) {
      InferenceTopics.createIfAbsent(
          admin, List.of(InferenceTopics.topic("existing", 3, (short) 1)), TIMEOUT);
      InferenceTopics.createIfAbsent(
          admin, List.of(InferenceTopics.topic("existing", 1, (short) 1)), TIMEOUT);
      assertThat(
              admin
                  .describeTopics(List.of("existing"))
                  .allTopicNames()
                  .get(30, TimeUnit.SECONDS)
                  .get("existing")
                  .partitions())
          .hasSize(3);
    }
  }

  @Test
  void aTopicThatCannotBeCreatedIsNamed() {
    NewTopic bad =
        new NewTopic("badly-configured", 1, (short) 1)
            .configs(Map.of(TopicConfig.CLEANUP_POLICY_CONFIG, "shred"));
    try (Admin admin = admin(broker.bootstrapServers())) {
      assertThatThrownBy(
              () ->
                  InferenceTopics.createIfAbsent(
                      admin, List.of(InferenceTopics.topic("fine", 1, (short) 1), bad), TIMEOUT))
          .isInstanceOf(IllegalStateException.class)
          .hasMessageStartingWith("could not create topic 'badly-configured': ");
    }
  }

  @Test
  void anUnreachableBrokerFailsWithinTheTimeoutNamingTheTopic() {
    Duration timeout = Duration.ofSeconds(2);
    long started = System.nanoTime();
    // port 1 on loopback: nothing listens there
    try (Admin admin = admin("localhost:1")) {
      assertThatThrownBy(
              () ->
                  InferenceTopics.createIfAbsent(
                      admin, List.of(InferenceTopics.topic("nowhere", 1, (short) 1)), timeout))
          .isInstanceOf(IllegalStateException.class)
          .hasMessageStartingWith("could not create topic 'nowhere': ");
    }
    assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(15));
  }

  private static Config topicConfig(Admin admin, String topic) throws Exception {
    ConfigResource resource = new ConfigResource(ConfigResource.Type.TOPIC, topic);
    return admin.describeConfigs(List.of(resource)).all().get(30, TimeUnit.SECONDS).get(resource);
  }

  private static Admin admin(String bootstrap) {
    return Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap));
  }
}
