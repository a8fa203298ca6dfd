package io.inferstream.job.kafka;

import io.inferstream.job.InferenceJobConfig;
import io.inferstream.job.InferenceOptions;
import io.inferstream.topics.InferenceTopics;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.common.KafkaFuture;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;

/**
 * Checked when the job is built: the request, default reply and dead-letter topics exist, and the
 * topics the job writes take the largest records it may write there — a reply of {@code
 * inference.reply.max-bytes}, a dead letter carrying a request of {@code
 * inference.request.max-bytes}, each plus {@link InferenceTopics#RECORD_OVERHEAD_BYTES} for key and
 * headers. A topic that cannot would make the sink fail on such a record, and the job restart on it
 * forever; it is refused at submission instead, with the topic, its limit and the option named.
 */
public final class TopicLimitsCheck {
  private static final Duration TIMEOUT = Duration.ofSeconds(30);

  /**
   * A topic the job uses: {@code bodyOption} is the option that bounds the bodies it writes there
   * ({@code bodyBytes}; {@code why} explains, for the message), null when the job only reads it.
   */
  record Use(
      String role, String topicOption, String topic, String bodyOption, int bodyBytes, String why) {
    /** "the default reply topic 'inference-replies' (inference.topic.replies)" */
    String named() {
      return "the " + role + " '" + topic + "' (" + topicOption + ")";
    }
  }

  private TopicLimitsCheck() {}

  /**
   * Checks the config's topics on its broker.
   *
   * @throws IllegalStateException naming each missing topic and each topic too small, or when the
   *     broker cannot be asked
   */
  public static void check(InferenceJobConfig config) {
    Properties props = new Properties();
    props.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, config.bootstrapServers());
    props.put(AdminClientConfig.CLIENT_ID_CONFIG, "inferstream-topic-limits");
    Admin admin = Admin.create(props);
    try {
      check(admin, config.bootstrapServers(), uses(config));
    } finally {
      admin.close(Duration.ZERO);
    }
  }

  static List<Use> uses(InferenceJobConfig config) {
    return List.of(
        new Use(
            "request topic",
            InferenceOptions.REQUEST_TOPIC.key(),
            config.requestTopic(),
            null,
            0,
            null),
        new Use(
            "default reply topic",
            InferenceOptions.REPLY_TOPIC.key(),
            config.replyTopic(),
            InferenceOptions.REPLY_MAX_BYTES.key(),
            config.replyMaxBytes(),
            ""),
        new Use(
            "dead-letter topic",
            InferenceOptions.DEAD_LETTER_TOPIC.key(),
            config.deadLetterTopic(),
            InferenceOptions.REQUEST_MAX_BYTES.key(),
            config.requestMaxBytes(),
            ", since dead letters carry the raw request"));
  }

  static void check(Admin admin, String bootstrapServers, List<Use> uses) {
    Set<String> names = new LinkedHashSet<>();
    uses.forEach(use -> names.add(use.topic()));
    Map<String, ConfigResource> resources = new LinkedHashMap<>();
    names.forEach(name -> resources.put(name, new ConfigResource(ConfigResource.Type.TOPIC, name)));
    long deadline = System.nanoTime() + TIMEOUT.toNanos();
    Map<ConfigResource, KafkaFuture<Config>> described =
        admin.describeConfigs(resources.values()).values();
    Map<String, Long> maxMessageBytes = new LinkedHashMap<>();
    List<String> problems = new ArrayList<>();
    for (Use use : uses) {
      if (maxMessageBytes.containsKey(use.topic())) {
        continue;
      }
      Config config;
      try {
        config =
            described
                .get(resources.get(use.topic()))
                .get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
      } catch (ExecutionException e) {
        if (e.getCause() instanceof UnknownTopicOrPartitionException) {
          problems.add(use.named() + " does not exist");
          maxMessageBytes.put(use.topic(), -1L);
          continue;
        }
        throw new IllegalStateException(
            "cannot check the Kafka topics at " + bootstrapServers + ": " + e.getCause(), e);
      } catch (TimeoutException e) {
        throw new IllegalStateException(
            "cannot check the Kafka topics: the brokers at "
                + bootstrapServers
                + " did not answer within "
                + TIMEOUT.toSeconds()
                + " s",
            e);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted while checking the Kafka topics", e);
      }
      ConfigEntry entry = config.get(TopicConfig.MAX_MESSAGE_BYTES_CONFIG);
      maxMessageBytes.put(
          use.topic(), entry == null || entry.value() == null ? -1 : Long.parseLong(entry.value()));
    }
    for (Use use : uses) {
      long limit = maxMessageBytes.get(use.topic());
      if (use.bodyOption() == null || limit < 0) {
        continue;
      }
      long needed = (long) use.bodyBytes() + InferenceTopics.RECORD_OVERHEAD_BYTES;
      if (limit < needed) {
        problems.add(
            use.named()
                + " has max.message.bytes "
                + limit
                + ", less than the "
                + needed
                + " bytes the job may write to it: "
                + use.bodyOption()
                + " ("
                + use.bodyBytes()
                + " bytes)"
                + use.why()
                + ", plus "
                + InferenceTopics.RECORD_OVERHEAD_BYTES
                + " bytes for the record's key, headers and overhead; raise the topic's"
                + " max.message.bytes or lower "
                + use.bodyOption());
      }
    }
    if (!problems.isEmpty()) {
      throw new IllegalStateException(
          "The Kafka topics at "
              + bootstrapServers
              + " do not fit the inference job: "
              + String.join("; ", problems));
    }
  }
}
