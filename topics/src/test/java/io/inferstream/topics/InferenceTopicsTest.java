package io.inferstream.topics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.config.TopicConfig;
import org.junit.jupiter.api.Test;

class InferenceTopicsTest {

  @Test
  void theDefaultsNameTheFiveTopicsWithTwoPartitionsAndOneReplica() {
    TopicSettings defaults = TopicSettings.defaults();
    List<String> names =
        List.of(
            defaults.requestsTopic(),
            defaults.repliesTopic(),
            defaults.deadLettersTopic(),
            defaults.statusTopic(),
            defaults.registryTopic());
    assertThat(names)
        .containsExactly(
            "inference-requests",
            "inference-replies",
            "inference-dead-letters",
            "model-status",
            "model-registry");
    assertThat(defaults.partitions()).isEqualTo(2);
    assertThat(defaults.replicationFactor()).isEqualTo((short) 1);
    assertThat(InferenceTopics.newTopics(defaults)).extracting(NewTopic::name).isEqualTo(names);
    assertThatThrownBy(() -> defaults.withPartitions(0))
        .isInstanceOf(IllegalArgumentException.class);
    assertThat(defaults.withReplicationFactor((short) 3).replicationFactor()).isEqualTo((short) 3);
  }

  @Test
  void everyTopicCarriesTheRecordLimit() {
    int eightFp32Images = 8 * 3 * 224 * 224 * Float.BYTES;
    assertThat(InferenceTopics.MAX_BODY_BYTES).isGreaterThan(eightFp32Images);
    assertThat(InferenceTopics.MAX_BODY_BYTES)
        .isEqualTo(InferenceTopics.MAX_RECORD_BYTES - InferenceTopics.RECORD_OVERHEAD_BYTES);
    assertThat(InferenceTopics.newTopics(TopicSettings.defaults()))
        .allSatisfy(
            topic ->
                assertThat(topic.configs())
                    .containsEntry(
                        TopicConfig.MAX_MESSAGE_BYTES_CONFIG,
                        String.valueOf(InferenceTopics.MAX_RECORD_BYTES)));
  }

  @Test
  void theRegistryTopicIsCompactedWithOnePartitionAndKeepsTombstonesLong() {
    TopicSettings settings =
        new TopicSettings("req", "rep", "dead", "my-registry", "my-status", 4, (short) 3);
    NewTopic registry =
        InferenceTopics.newTopics(settings).stream()
            .filter(t -> t.name().equals("my-registry"))
            .findFirst()
            .orElseThrow();
    assertThat(registry.numPartitions()).isEqualTo(1);
    assertThat(registry.replicationFactor()).isEqualTo((short) 3);
    assertThat(registry.configs())
        .isEqualTo(
            Map.of(
                TopicConfig.CLEANUP_POLICY_CONFIG,
                "compact",
                TopicConfig.DELETE_RETENTION_MS_CONFIG,
                String.valueOf(InferenceTopics.REGISTRY_DELETE_RETENTION.toMillis()),
                TopicConfig.MAX_MESSAGE_BYTES_CONFIG,
                String.valueOf(InferenceTopics.MAX_RECORD_BYTES)));
    assertThat(InferenceTopics.REGISTRY_DELETE_RETENTION.toDays()).isEqualTo(7);
    assertThat(InferenceTopics.newTopics(settings))
        .filteredOn(t -> !t.name().equals("my-registry"))
        .allSatisfy(
            t -> {
              assertThat(t.numPartitions()).isEqualTo(4);
              assertThat(t.replicationFactor()).isEqualTo((short) 3);
              assertThat(t.configs()).doesNotContainKey(TopicConfig.CLEANUP_POLICY_CONFIG);
            });
  }

  @Test
  void settingsRefuseBlankNamesAndNonPositiveCounts() {
    assertThatThrownBy(() -> new TopicSettings("a", "b", "c", " ", "e", 1, (short) 1))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("registryTopic");
    assertThatThrownBy(() -> new TopicSettings("a", "b", "c", "d", "e", 0, (short) 1))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("partitions");
    assertThatThrownBy(() -> new TopicSettings("a", "b", "c", "d", "e", 1, (short) 0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("replicationFactor");
  }
}
