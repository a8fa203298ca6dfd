package io.inferstream.registry;

import io.inferstream.client.InferenceTopics;
import io.inferstream.client.TopicSettings;
import io.inferstream.schemas.Topics;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.KafkaFuture;
import org.apache.kafka.common.errors.TopicExistsException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Kafka client properties and topic creation for the registry. */
final class KafkaSupport {
  private static final Logger LOG = LoggerFactory.getLogger(KafkaSupport.class);

  /** Same record limit as the inference topics: room for a spec with many versions. */
  static final int MAX_RECORD_BYTES = TopicSettings.DEFAULT_MAX_MESSAGE_BYTES;

  private KafkaSupport() {}

  /** The user's extra properties, then the bootstrap servers and {@code own} on top. */
  static Properties properties(RegistrySettings settings, Map<String, Object> own) {
    Properties props = new Properties();
    props.putAll(settings.kafkaProperties());
    props.put(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, settings.bootstrapServers());
    props.putAll(own);
    return props;
  }

  /**
   * Creates the registry topic (compacted, one partition, long {@code delete.retention.ms}) and the
   * status topic if they are missing, with the settings {@link InferenceTopics} gives them, under
   * the configured names; then checks that the registry topic has exactly one partition.
   */
  static void ensureTopics(RegistrySettings settings) {
    TopicSettings defaults =
        TopicSettings.defaults().withReplicationFactor(settings.topicReplicationFactor());
    Map<String, String> renames =
        Map.of(
            Topics.MODEL_REGISTRY, settings.registryTopic(),
            Topics.MODEL_STATUS, settings.statusTopic());
    List<NewTopic> wanted = new ArrayList<>();
    for (NewTopic topic : InferenceTopics.newTopics(defaults)) {
      String name = renames.get(topic.name());
      if (name != null) {
        wanted.add(
            new NewTopic(name, topic.numPartitions(), topic.replicationFactor())
                .configs(new HashMap<>(topic.configs())));
      }
    }
    long timeoutMs = settings.startupTimeout().toMillis();
    try (Admin admin =
        Admin.create(
            properties(
                settings,
                Map.of(
                    CommonClientConfigs.CLIENT_ID_CONFIG,
                    "inferstream-registry-admin",
                    CommonClientConfigs.DEFAULT_API_TIMEOUT_MS_CONFIG,
                    (int) Math.min(timeoutMs, Integer.MAX_VALUE))))) {
      for (Map.Entry<String, KafkaFuture<Void>> created :
          admin.createTopics(wanted).values().entrySet()) {
        try {
          created.getValue().get(timeoutMs, TimeUnit.MILLISECONDS);
          LOG.info("Created topic {}", created.getKey());
        } catch (ExecutionException e) {
          if (!(e.getCause() instanceof TopicExistsException)) {
            throw new IllegalStateException(
                "could not create topic '" + created.getKey() + "': " + e.getCause().getMessage(),
                e.getCause());
          }
        }
      }
      TopicDescription registry =
          admin
              .describeTopics(List.of(settings.registryTopic()))
              .allTopicNames()
              .get(timeoutMs, TimeUnit.MILLISECONDS)
              .get(settings.registryTopic());
      if (registry.partitions().size() != 1) {
        throw new IllegalStateException(
            "registry topic '"
                + settings.registryTopic()
                + "' has "
                + registry.partitions().size()
                + " partitions; the registry needs exactly one (its records form one ordered log)");
      }
    } catch (ExecutionException e) {
      throw new IllegalStateException(
          "cannot reach Kafka at " + settings.bootstrapServers() + ": " + e.getCause().getMessage(),
          e.getCause());
    } catch (TimeoutException e) {
      throw new IllegalStateException(
          "Kafka at "
              + settings.bootstrapServers()
              + " did not answer within "
              + settings.startupTimeout().toSeconds()
              + " s",
          e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while creating topics", e);
    }
  }

  /**
   * Stops a thread that polls {@code consumer}: wakes the consumer, waits up to 10 s for the
   * thread, then closes the consumer; {@code what} names it in the log.
   */
  static void stopFollower(KafkaConsumer<?, ?> consumer, Thread thread, String what) {
    if (consumer != null) {
      consumer.wakeup();
    }
    if (thread != null) {
      try {
        thread.join(TimeUnit.SECONDS.toMillis(10));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    if (consumer != null) {
      try {
        consumer.close(Duration.ofSeconds(5));
      } catch (RuntimeException e) {
        LOG.debug("Error closing the {} consumer", what, e);
      }
    }
  }
}
