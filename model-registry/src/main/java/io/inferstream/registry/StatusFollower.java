package io.inferstream.registry;

import io.inferstream.schemas.ModelStatusEvent;
import io.inferstream.schemas.RegistryKeys;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads the {@code model-status} topic from the beginning and keeps following it, folding every
 * event into a {@link StatusBoard}. Startup does not wait for it: status is advisory.
 */
final class StatusFollower implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(StatusFollower.class);

  private static final AtomicInteger INSTANCES = new AtomicInteger();

  private final RegistrySettings settings;
  private final StatusBoard board;
  private KafkaConsumer<String, byte[]> consumer;
  private Thread thread;
  private volatile boolean running;

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
    consumer =
        new KafkaConsumer<>(
            KafkaSupport.properties(settings, own),
            new StringDeserializer(),
            new ByteArrayDeserializer());
    List<PartitionInfo> partitions =
        consumer.partitionsFor(settings.statusTopic(), settings.startupTimeout());
    List<TopicPartition> assigned =
        partitions.stream().map(p -> new TopicPartition(p.topic(), p.partition())).toList();
    consumer.assign(assigned);
    consumer.seekToBeginning(assigned);
    running = true;
    thread = new Thread(this::follow, "inferstream-registry-status");
    thread.setDaemon(true);
    thread.start();
  }

  private void follow() {
    while (running) {
      try {
        for (ConsumerRecord<String, byte[]> record : consumer.poll(Duration.ofSeconds(1))) {
          apply(record);
        }
      } catch (WakeupException e) {
        // close() wakes us up
      } catch (RuntimeException e) {
        if (running) {
          LOG.error("Error while following status topic '{}'", settings.statusTopic(), e);
        }
      }
    }
  }

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
    running = false;
    KafkaSupport.stopFollower(consumer, thread, "status");
  }
}
