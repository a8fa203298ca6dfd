package io.inferstream.job.kafka;

import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.inferstream.job.InferenceJob;
import io.inferstream.job.InferenceJobConfig;
import io.inferstream.job.InferenceOptions;
import io.inferstream.job.testing.PipelineTestStack;
import io.inferstream.kafka.embedded.EmbeddedKafkaBroker;
import io.inferstream.topics.InferenceTopics;
import io.inferstream.topics.TopicSettings;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The job refuses to start on topics that cannot take what it may write to them. */
class TopicLimitsCheckITCase {
  private static final Duration TIMEOUT = Duration.ofSeconds(30);

  private static EmbeddedKafkaBroker broker;

  @BeforeAll
  static void startBroker() throws Exception {
    broker = EmbeddedKafkaBroker.builder().build().start();
    try (Admin admin = Admin.create(PipelineTestStack.adminProps(broker.bootstrapServers()))) {
      InferenceTopics.createIfAbsent(admin, TopicSettings.defaults(), TIMEOUT);
      // deliberately smaller than the catalogue's limit
      InferenceTopics.createIfAbsent(
          admin,
          List.of(
              new NewTopic("inference-replies-small", 1, (short) 1)
                  .configs(Map.of("max.message.bytes", "1048576")),
              new NewTopic("dead-letters-small", 1, (short) 1)
                  .configs(Map.of("max.message.bytes", "4194304"))),
          TIMEOUT);
    }
  }

  @AfterAll
  static void stopBroker() {
    if (broker != null) {
      broker.close();
    }
  }

  private static void build(Map<String, String> options) {
    Configuration conf = new Configuration();
    conf.set(InferenceOptions.BOOTSTRAP_SERVERS, broker.bootstrapServers());
    options.forEach(conf::setString);
    InferenceJob.buildWithKafka(
        StreamExecutionEnvironment.getExecutionEnvironment(), InferenceJobConfig.from(conf));
  }

  @Test
  void theProjectsTopicsTakeTheDefaultLimits() {
    assertThatCode(() -> build(Map.of())).doesNotThrowAnyException();
  }

  @Test
  void aReplyTopicSmallerThanTheReplyLimitFailsTheSubmission() {
    assertThatThrownBy(
            () -> build(Map.of(InferenceOptions.REPLY_TOPIC.key(), "inference-replies-small")))
        .hasMessageContaining("'inference-replies-small'")
        .hasMessageContaining("max.message.bytes 1048576")
        .hasMessageContaining("inference.reply.max-bytes (8388608 bytes)");
    // a reply limit the topic takes, with room for the reply's headers, is fine
    assertThatCode(
            () ->
                build(
                    Map.of(
                        InferenceOptions.REPLY_TOPIC.key(),
                        "inference-replies-small",
                        InferenceOptions.REPLY_MAX_BYTES.key(),
                        "960kb")))
        .doesNotThrowAnyException();
  }

  @Test
  void aDeadLetterTopicSmallerThanTheRequestLimitFailsTheSubmission() {
    assertThatThrownBy(
            () -> build(Map.of(InferenceOptions.DEAD_LETTER_TOPIC.key(), "dead-letters-small")))
        .hasMessageContaining("'dead-letters-small'")
        .hasMessageContaining("max.message.bytes 4194304")
        .hasMessageContaining("inference.request.max-bytes (8388608 bytes)");
  }

  @Test
  void aMissingTopicIsNamed() {
    assertThatThrownBy(
            () ->
                build(
                    Map.of(
                        InferenceOptions.REQUEST_TOPIC.key(),
                        "no-such-requests",
                        InferenceOptions.DEAD_LETTER_TOPIC.key(),
                        "no-such-dead-letters")))
        .hasMessageContaining(
            "the request topic 'no-such-requests' (inference.topic.requests) does not exist")
        .hasMessageContaining(
            "the dead-letter topic 'no-such-dead-letters' (inference.topic.dead-letters) does not"
                + " exist");
  }
}
