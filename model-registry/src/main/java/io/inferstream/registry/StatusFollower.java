package io.inferstream.registry;

import io.inferstream.schemas.ModelStatusEvent;
import io.inferstream.schemas.RegistryKeys;
import io.inferstream.topics.TopicFollower;
import java.io.IOException;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads the {@code model-status} topic from the beginning and keeps following it (a {@link
 * TopicFollower}), folding every event into a {@link StatusBoard}. Startup does not wait for it:
 * status is advisory.
 */
final class StatusFollower implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(StatusFollower.class);

  private static final AtomicInteger INSTANCES = new AtomicInteger();

  private final RegistrySettings settings;
  private final StatusBoard board;
  private TopicFollower<String, byte[]> follower;

  StatusFollower(RegistrySettings settings, StatusBoard board) {
    this.settings = settings;
    this.board = board;
  }

  void start() {
    Map<String, Object> own =
        Map.of(
            ConsumerConfig.CLIENT_ID_CONFIG,
            "inferstream-registry-status-" + INSTANCES.incrementAndGet(),
            ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG,
            false,
            ConsumerConfig.AUTO_OFFSET_RESET_CONFIG,
            "earliest");
    follower =
        TopicFollower.start(
            "inferstream-registry-status",
            new KafkaConsumer<>(
                KafkaSupport.properties(settings, own),
                new StringDeserializer(),
                new ByteArrayDeserializer()),
            settings.statusTopic(),
            this::apply);
  }

  /** Folds one event into the board; unreadable events are skipped, never retried. */
  private void apply(ConsumerRecord<String, byte[]> record) {
    if (record.value() == null) {
      return;
    }
    ModelStatusEvent event;
    try {
      event = Json.LENIENT.readValue(record.value(), ModelStatusEvent.class);
    } catch (IOException | RuntimeException e) {
      LOG.debug(
          "Skipping unreadable status event at offset {}: {}", record.offset(), e.getMessage());
      return;
    }
    String keyed = RegistryKeys.modelName(record.key());
    if (event.model() == null && keyed != null) {
      event =
          new ModelStatusEvent(
              keyed,
              event.version(),
              event.sha256(),
              event.state(),
              event.taskManager(),
              event.device(),
              event.cause(),
              event.loadMillis(),
              event.timestampMillis(),
              event.shadow());
    }
    board.apply(event);
  }

  @Override
  public void close() {
    if (follower != null) {
      follower.close();
    }
  }
}
