package io.inferstream.job.kafka;

import io.inferstream.job.operators.ReplyTopics;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.regex.Pattern;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.KafkaFuture;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reply-topic partition counts from the Kafka Admin API, never looked up on the caller's (the
 * task's) thread: a background daemon thread keeps a snapshot of the topics that match the reply
 * topic pattern, refreshed every {@link #REFRESH_INTERVAL}, and early — at most once per {@link
 * #MIN_ON_DEMAND_INTERVAL}, however many lookups miss — when a name is asked for that the snapshot
 * does not hold. So a request naming a topic nobody created costs a map lookup, memory is bounded
 * by the topics that exist (at most {@link #MAX_TOPICS}), and a topic created after the job started
 * is seen about a second after the first request that names it (that request is dead-lettered).
 */
public class KafkaReplyTopics implements ReplyTopics {
  private static final long serialVersionUID = 1L;
  private static final Logger LOG = LoggerFactory.getLogger(KafkaReplyTopics.class);

  /**
   * At most this many matching topics are known (the first ones by name); requests for others are
   * dead-lettered as if the topics did not exist, with a warning on every refresh.
   */
  public static final int MAX_TOPICS = 10_000;

  static final Duration REFRESH_INTERVAL = Duration.ofSeconds(10);
  static final Duration MIN_ON_DEMAND_INTERVAL = Duration.ofSeconds(1);
  private static final Duration ADMIN_TIMEOUT = Duration.ofSeconds(10);

  private final String bootstrapServers;
  private final String replyTopicPattern;
  private transient Admin admin;
  private transient ReplyTopicSnapshot snapshot;

  public KafkaReplyTopics(String bootstrapServers, String replyTopicPattern) {
    this.bootstrapServers = bootstrapServers;
    this.replyTopicPattern = replyTopicPattern;
  }

  /**
   * Lists the reply topics once (a broker that cannot be reached throws: the task fails and
   * restarts), then starts the refresher.
   */
  @Override
  public void open() {
    Pattern pattern = Pattern.compile(replyTopicPattern);
    Properties props = new Properties();
    props.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
    props.put(AdminClientConfig.CLIENT_ID_CONFIG, "inferstream-reply-topics");
    admin = Admin.create(props);
    Admin client = admin;
    snapshot =
        new ReplyTopicSnapshot(
            () -> list(client, pattern, MAX_TOPICS),
            System::nanoTime,
            REFRESH_INTERVAL,
            MIN_ON_DEMAND_INTERVAL);
    try {
      snapshot.start("inferstream-reply-topics");
    } catch (RuntimeException e) {
      close();
      throw e;
    }
  }

  @Override
  public int partitions(String topic) {
    return snapshot.partitions(topic);
  }

  /**
   * The topics whose whole name matches {@code pattern}, with their partition counts; at most
   * {@code max} of them, the first by name. A topic deleted between listing and describing is left
   * out.
   */
  static Map<String, Integer> list(Admin admin, Pattern pattern, int max) {
    long deadline = System.nanoTime() + ADMIN_TIMEOUT.toNanos();
    try {
      List<String> matching =
          admin.listTopics().names().get(remaining(deadline), TimeUnit.NANOSECONDS).stream()
              .filter(name -> pattern.matcher(name).matches())
              .sorted()
              .toList();
      if (matching.size() > max) {
        LOG.warn(
            "{} topics match the reply topic pattern '{}'; only the first {} by name can be"
                + " replied to",
            matching.size(),
            pattern,
            max);
        matching = matching.subList(0, max);
      }
      Map<String, Integer> partitions = new HashMap<>();
      if (matching.isEmpty()) {
        return partitions;
      }
      Map<String, KafkaFuture<TopicDescription>> described =
          admin.describeTopics(matching).topicNameValues();
      for (Map.Entry<String, KafkaFuture<TopicDescription>> topic : described.entrySet()) {
        try {
          partitions.put(
              topic.getKey(),
              topic.getValue().get(remaining(deadline), TimeUnit.NANOSECONDS).partitions().size());
        } catch (ExecutionException e) {
          if (!(e.getCause() instanceof UnknownTopicOrPartitionException)) {
            throw e;
          }
        }
      }
      return partitions;
    } catch (ExecutionException e) {
      throw new IllegalStateException("cannot list the reply topics: " + e.getCause(), e);
    } catch (TimeoutException e) {
      throw new IllegalStateException(
          "listing the reply topics took longer than " + ADMIN_TIMEOUT.toSeconds() + " s", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while listing the reply topics", e);
    }
  }

  private static long remaining(long deadline) {
    return Math.max(0, deadline - System.nanoTime());
  }

  @Override
  public void close() {
    if (snapshot != null) {
      snapshot.close();
      snapshot = null;
    }
    if (admin != null) {
      admin.close(Duration.ZERO); // a listing still under way answers nobody now
      admin = null;
    }
  }
}
