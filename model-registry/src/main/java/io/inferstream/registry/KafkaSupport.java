package io.inferstream.registry;

import io.inferstream.topics.InferenceTopics;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.TopicDescription;

/** Kafka client properties and topic creation for the registry. */
final class KafkaSupport {
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
   * Creates the registry topic and the status topic if they are missing, as {@link InferenceTopics}
   * makes them, under the configured names; then checks that the registry topic has exactly one
   * partition (one made elsewhere may not).
   */
  static void ensureTopics(RegistrySettings settings) {
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
      short replicas = settings.topicReplicationFactor();
      InferenceTopics.createIfAbsent(
          admin,
          List.of(
              InferenceTopics.registryTopic(settings.registryTopic(), replicas),
              InferenceTopics.topic(
                  settings.statusTopic(), InferenceTopics.DEFAULT_PARTITIONS, replicas)),
          settings.startupTimeout());
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
}
