package io.inferstream.job.kafka;

import io.inferstream.job.operators.ReplyTopics;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.errors.InvalidTopicException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;

/**
 * Reply-topic partition counts from the Kafka Admin API, cached: a minute for topics that exist, a
 * few seconds for ones that do not (so a topic created later is picked up soon).
 */
public class KafkaReplyTopics implements ReplyTopics {
  private static final long serialVersionUID = 1L;
  private static final long EXISTING_TTL_NANOS = TimeUnit.MINUTES.toNanos(1);
  private static final long MISSING_TTL_NANOS = TimeUnit.SECONDS.toNanos(5);

  private final String bootstrapServers;
  private transient Admin admin;
  private transient Map<String, long[]> cache;

  public KafkaReplyTopics(String bootstrapServers) {
    this.bootstrapServers = bootstrapServers;
  }

  @Override
  public void open() {
    Properties props = new Properties();
    props.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
    props.put(AdminClientConfig.CLIENT_ID_CONFIG, "inferstream-reply-topics");
    admin = Admin.create(props);
    cache = new ConcurrentHashMap<>();
  }

  @Override
  public int partitions(String topic) {
    long now = System.nanoTime();
    long[] cached = cache.get(topic);
    if (cached != null && now < cached[1]) {
      return (int) cached[0];
    }
    int partitions = describe(topic);
    cache.put(
        topic,
        new long[] {partitions, now + (partitions > 0 ? EXISTING_TTL_NANOS : MISSING_TTL_NANOS)});
    return partitions;
  }

  private int describe(String topic) {
    try {
      TopicDescription description =
          admin.describeTopics(List.of(topic)).allTopicNames().get(10, TimeUnit.SECONDS).get(topic);
      return description.partitions().size();
    } catch (ExecutionException e) {
      if (e.getCause() instanceof UnknownTopicOrPartitionException
          || e.getCause() instanceof InvalidTopicException) {
        return -1;
      }
      throw new IllegalStateException("cannot describe reply topic '" + topic + "'", e.getCause());
    } catch (TimeoutException e) {
      throw new IllegalStateException("describing reply topic '" + topic + "' timed out", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
  }

  @Override
  public void close() {
    if (admin != null) {
      admin.close();
    }
  }
}
