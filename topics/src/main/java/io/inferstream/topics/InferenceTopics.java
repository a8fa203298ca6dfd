package io.inferstream.topics;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.CreateTopicsOptions;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.KafkaFuture;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The project's topics: their default names, partitions and configs, the one record-size limit, and
 * their creation. The broker never auto-creates a topic, so a typo in a name fails loudly, and
 * every topic that carries records of up to {@link #MAX_RECORD_BYTES} is made here: the topic's
 * {@code max.message.bytes} is what lets the broker accept them.
 */
public final class InferenceTopics {
  private static final Logger LOG = LoggerFactory.getLogger(InferenceTopics.class);

  public static final String REQUESTS = "inference-requests";
  public static final String REPLIES = "inference-replies";
  public static final String DEAD_LETTERS = "inference-dead-letters";
  public static final String MODEL_REGISTRY = "model-registry";
  public static final String MODEL_STATUS = "model-status";

  /** A request may only name a reply topic that matches this pattern. */
  public static final String DEFAULT_REPLY_TOPIC_PATTERN = "inference-replies.*";

  /**
   * The largest record, in bytes: every topic's {@code max.message.bytes}, and the limit producers
   * ({@code max.request.size}) and consumers ({@code max.partition.fetch.bytes}) are configured
   * for. 16 MiB, so eight 3x224x224 FP32 images (4.8 MB) fit in one binary request.
   */
  public static final int MAX_RECORD_BYTES = 16 * 1024 * 1024;

  /**
   * Room a record needs besides its body: its key, its headers (a reply's request id, status and
   * content type; a dead letter's original headers plus four of its own) and Kafka's record and
   * batch overhead. A request or reply body limit is at most {@link #MAX_RECORD_BYTES} less this,
   * and a topic's {@code max.message.bytes} must exceed the body limit by this much.
   */
  public static final int RECORD_OVERHEAD_BYTES = 64 * 1024;

  /** The largest request or reply body limit: {@link #MAX_RECORD_BYTES} less the overhead. */
  public static final int MAX_BODY_BYTES = MAX_RECORD_BYTES - RECORD_OVERHEAD_BYTES;

  /**
   * The registry topic's {@code delete.retention.ms}: long enough that a job restored from an old
   * checkpoint still reads the tombstones of models deleted since, instead of resurrecting them.
   */
  public static final Duration REGISTRY_DELETE_RETENTION = Duration.ofDays(7);

  /** Partitions of the request, reply, dead-letter and status topics. */
  public static final int DEFAULT_PARTITIONS = 2;

  private static final Duration KNOWN_RETRY = Duration.ofMillis(50);

  private InferenceTopics() {}

  /**
   * The request, reply, dead-letter, status and registry topics, as {@code settings} names them.
   */
  public static List<NewTopic> newTopics(TopicSettings settings) {
    List<NewTopic> topics = new ArrayList<>();
    for (String name :
        List.of(
            settings.requestsTopic(),
            settings.repliesTopic(),
            settings.deadLettersTopic(),
            settings.statusTopic())) {
      topics.add(topic(name, settings.partitions(), settings.replicationFactor()));
    }
    topics.add(registryTopic(settings.registryTopic(), settings.replicationFactor()));
    return topics;
  }

  /** A topic for records of up to {@link #MAX_RECORD_BYTES} (requests, replies, status, ...). */
  public static NewTopic topic(String name, int partitions, short replicationFactor) {
    return new NewTopic(name, partitions, replicationFactor)
        .configs(Map.of(TopicConfig.MAX_MESSAGE_BYTES_CONFIG, String.valueOf(MAX_RECORD_BYTES)));
  }

  /**
   * A registry topic: compacted, with {@link #REGISTRY_DELETE_RETENTION}, and one partition, as the
   * registry's revisions form one ordered log and a writer that reads its own record back follows
   * only that partition.
   */
  public static NewTopic registryTopic(String name, short replicationFactor) {
    return new NewTopic(name, 1, replicationFactor)
        .configs(
            Map.of(
                TopicConfig.CLEANUP_POLICY_CONFIG,
                TopicConfig.CLEANUP_POLICY_COMPACT,
                TopicConfig.DELETE_RETENTION_MS_CONFIG,
                String.valueOf(REGISTRY_DELETE_RETENTION.toMillis()),
                TopicConfig.MAX_MESSAGE_BYTES_CONFIG,
                String.valueOf(MAX_RECORD_BYTES)));
  }

  /**
   * Creates the topics {@link #newTopics} describes for {@code settings}; see {@link
   * #createIfAbsent(Admin, Collection, Duration)}.
   */
  public static void createIfAbsent(Admin admin, TopicSettings settings, Duration timeout) {
    createIfAbsent(admin, newTopics(settings), timeout);
  }

  /**
   * Creates the topics that do not exist yet; one that exists is left as it is, whatever its
   * configs.
   *
   * @throws IllegalStateException naming the topic, if one cannot be created for any other reason
   *     or its creation is not confirmed within {@code timeout}
   */
  public static void createIfAbsent(Admin admin, Collection<NewTopic> topics, Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    CreateTopicsOptions options =
        new CreateTopicsOptions().timeoutMs((int) Math.min(timeout.toMillis(), Integer.MAX_VALUE));
    for (Map.Entry<String, KafkaFuture<Void>> created :
        admin.createTopics(topics, options).values().entrySet()) {
      String topic = created.getKey();
      try {
        created.getValue().get(Math.max(deadline - System.nanoTime(), 0), TimeUnit.NANOSECONDS);
        LOG.info("Created topic {}", topic);
      } catch (ExecutionException e) {
        if (e.getCause() instanceof TopicExistsException) {
          LOG.debug("Topic {} already exists", topic);
          continue;
        }
        throw new IllegalStateException(
            "could not create topic '" + topic + "': " + e.getCause().getMessage(), e.getCause());
      } catch (TimeoutException e) {
        throw new IllegalStateException(
            "could not create topic '"
                + topic
                + "': Kafka did not confirm it within "
                + timeout.toMillis()
                + " ms",
            e);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted while creating topic '" + topic + "'", e);
      }
    }
    awaitKnown(admin, topics, deadline, timeout);
  }

  /**
   * A topic the controller has created reaches the brokers' metadata a moment later; until then a
   * describe (the job's topic check, a consumer) would call it missing.
   */
  private static void awaitKnown(
      Admin admin, Collection<NewTopic> topics, long deadline, Duration timeout) {
    List<String> names = topics.stream().map(NewTopic::name).toList();
    try {
      while (true) {
        try {
          admin
              .describeTopics(names)
              .allTopicNames()
              .get(Math.max(deadline - System.nanoTime(), 0), TimeUnit.NANOSECONDS);
          return;
        } catch (ExecutionException e) {
          if (!(e.getCause() instanceof UnknownTopicOrPartitionException)
              || System.nanoTime() > deadline) {
            throw new IllegalStateException(
                "created topics " + names + " are not known to Kafka: " + e.getCause().getMessage(),
                e.getCause());
          }
          Thread.sleep(KNOWN_RETRY.toMillis());
        }
      }
    } catch (TimeoutException e) {
      throw new IllegalStateException(
          "created topics " + names + " not known to Kafka within " + timeout.toMillis() + " ms",
          e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while waiting for topics " + names, e);
    }
  }
}
