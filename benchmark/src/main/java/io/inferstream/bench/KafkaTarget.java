package io.inferstream.bench;

import io.inferstream.topics.InferenceTopics;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;

/**
 * Where the load goes: the in-process stack this run starts (only when a Kafka phase runs), or the
 * running stack at {@code --bootstrap}. {@link #stack()} is null unless this run started one.
 */
record KafkaTarget(
    BenchmarkStack stack, String bootstrapServers, String replyTopic, int replyPartitions)
    implements AutoCloseable {

  static KafkaTarget open(BenchmarkSettings settings, ConsoleReport report) throws Exception {
    if (settings.bootstrap() != null) {
      String replyTopic = InferenceTopics.REPLIES;
      int partitions = partitions(settings.bootstrap(), replyTopic);
      report.stackInUse(settings.bootstrap(), InferenceTopics.REQUESTS, partitions);
      return new KafkaTarget(null, settings.bootstrap(), replyTopic, partitions);
    }
    BenchmarkStack stack = null;
    String bootstrapServers = null;
    if (settings.runs(Phase.PIPELINE)
        || settings.runs(Phase.HOSTILE)
        || settings.runs(Phase.PASSTHROUGH)) {
      long started = System.nanoTime();
      stack =
          BenchmarkStack.start(
              settings.parallelism(), settings.replyPartitions(), settings.kafkaDir());
      bootstrapServers = stack.bootstrapServers();
      report.stackStarted(
          bootstrapServers, settings.parallelism(), (System.nanoTime() - started) / 1e9);
    }
    return new KafkaTarget(
        stack, bootstrapServers, BenchmarkStack.REPLY_TOPIC, settings.replyPartitions());
  }

  /** One reply partition per client. */
  void requireReplyPartitionsFor(int clients) {
    if (clients > replyPartitions) {
      throw new SetupException(
          "--clients "
              + clients
              + " needs as many reply partitions; "
              + replyTopic
              + " has "
              + replyPartitions);
    }
  }

  @Override
  public void close() throws Exception {
    if (stack != null) {
      stack.close();
    }
  }

  private static int partitions(String bootstrapServers, String topic) throws Exception {
    try (Admin admin =
        Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers))) {
      return admin
          .describeTopics(List.of(topic))
          .allTopicNames()
          .get(30, TimeUnit.SECONDS)
          .get(topic)
          .partitions()
          .size();
    }
  }
}
