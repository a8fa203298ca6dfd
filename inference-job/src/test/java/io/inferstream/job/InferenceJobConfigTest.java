package io.inferstream.job;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.inferstream.topics.InferenceTopics;
import java.util.Map;
import org.apache.flink.configuration.Configuration;
import org.junit.jupiter.api.Test;

class InferenceJobConfigTest {

  private static InferenceJobConfig config(Map<String, String> options) {
    Configuration conf = new Configuration();
    options.forEach(conf::setString);
    return InferenceJobConfig.from(conf);
  }

  @Test
  void theDefaultsFit() {
    InferenceJobConfig config = config(Map.of());
    assertThat(config.requestMaxBytes()).isEqualTo(8 << 20);
    assertThat(config.replyMaxBytes()).isEqualTo(8 << 20);
  }

  @Test
  void aRequestLimitOfGigabytesIsRefusedByNameNotCastToZero() {
    for (String huge : new String[] {"4gb", "3gb", "8tb"}) {
      assertThatThrownBy(
              () -> config(Map.of(InferenceOptions.REQUEST_MAX_BYTES.key(), huge)), "%s", huge)
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("inference.request.max-bytes (")
          .hasMessageContaining(
              "exceeds the Kafka record limit of " + InferenceTopics.MAX_RECORD_BYTES + " bytes");
    }
    assertThatThrownBy(() -> config(Map.of(InferenceOptions.REQUEST_MAX_BYTES.key(), "4gb")))
        .hasMessageStartingWith("inference.request.max-bytes (4 gb) exceeds");
  }

  @Test
  void limitsAboveTheKafkaRecordLimitAreRefused() {
    assertThatThrownBy(() -> config(Map.of(InferenceOptions.REQUEST_MAX_BYTES.key(), "17mb")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("inference.request.max-bytes (17 mb)");
    assertThatThrownBy(() -> config(Map.of(InferenceOptions.REPLY_MAX_BYTES.key(), "1gb")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("inference.reply.max-bytes (1 gb)");
  }

  @Test
  void theReplyLimitLeavesRoomForHeadersAndRecordOverhead() {
    assertThatThrownBy(() -> config(Map.of(InferenceOptions.REPLY_MAX_BYTES.key(), "16mb")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("inference.reply.max-bytes (16 mb)")
        .hasMessageContaining("65536 bytes");
    int largest = InferenceTopics.MAX_RECORD_BYTES - InferenceTopics.RECORD_OVERHEAD_BYTES;
    assertThat(
            config(Map.of(InferenceOptions.REPLY_MAX_BYTES.key(), largest + "b")).replyMaxBytes())
        .isEqualTo(largest);
    assertThatThrownBy(
            () -> config(Map.of(InferenceOptions.REPLY_MAX_BYTES.key(), (largest + 1) + "b")))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void zeroIsRefused() {
    assertThatThrownBy(() -> config(Map.of(InferenceOptions.REQUEST_MAX_BYTES.key(), "0")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("inference.request.max-bytes must be > 0");
  }
}
