package io.inferstream.client;

import io.inferstream.schemas.Topics;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.CreateTopicsResult;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.KafkaFuture;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.errors.TopicExistsException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Creates the project's topics explicitly, with their partitions and limits: the broker never
 * auto-creates them, so a typo in a topic name fails loudly instead of creating a 1 MiB topic.
 */
public final class InferenceTopics {
  private static final Logger LOG = LoggerFactory.getLogger(InferenceTopics.class);

  /**
   * Long enough that a job restored from an old checkpoint still reads the tombstones of models
   * deleted since, instead of resurrecting them.
   */
  public static final Duration REGISTRY_DELETE_RETENTION = Duration.ofDays(7);

  private InferenceTopics() {}

  /**
   * Creates the request, reply, dead-letter, model-status and model-registry topics; topics that
   * already exist are left as they are.
   *
   * @throws InferenceClientException if a topic cannot be created for any other reason
   */
  public static void create(Admin admin, TopicSettings settings) {
    List<NewTopic> topics = newTopics(settings);
    CreateTopicsResult result = admin.createTopics(topics);
    for (Map.Entry<String, KafkaFuture<Void>> entry : result.values().entrySet()) {
      awaitCreated(entry.getKey(), entry.getValue());
    }
  }

  /** The topics {@link #create} creates, for callers that want to inspect or adapt them. */
  public static List<NewTopic> newTopics(TopicSettings settings) {
    Map<String, String> limits =
        Map.of(TopicConfig.MAX_MESSAGE_BYTES_CONFIG, String.valueOf(settings.maxMessageBytes()));
    List<NewTopic> topics = new ArrayList<>();
    for (String name :
        List.of(
            settings.requestsTopic(),
            settings.repliesTopic(),
            settings.deadLettersTopic(),
            Topics.MODEL_STATUS)) {
      topics.add(
          new NewTopic(name, settings.partitions(), settings.replicationFactor()).configs(limits));
    }
    // One partition: the registry's revisions form one ordered log, and a writer that reads its
    // own record back needs to follow only that partition.
    topics.add(
        new NewTopic(Topics.MODEL_REGISTRY, 1, settings.replicationFactor())
            .configs(
                Map.of(
                    TopicConfig.CLEANUP_POLICY_CONFIG,
                    TopicConfig.CLEANUP_POLICY_COMPACT,
                    TopicConfig.DELETE_RETENTION_MS_CONFIG,
                    String.valueOf(REGISTRY_DELETE_RETENTION.toMillis()),
                    TopicConfig.MAX_MESSAGE_BYTES_CONFIG,
                    String.valueOf(settings.maxMessageBytes()))));
    return topics;
  }

  private static void awaitCreated(String topic, KafkaFuture<Void> created) {
    try {
      created.get();
      LOG.info("Created topic {}", topic);
    } catch (ExecutionException e) {
      if (e.getCause() instanceof TopicExistsException) {
        LOG.debug("Topic {} already exists", topic);
        return;
      }
      throw new InferenceClientException(
          "could not create topic '" + topic + "': " + e.getCause().getMessage(), e.getCause());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new InferenceClientException("interrupted while creating topic '" + topic + "'", e);
    }
  }
}
