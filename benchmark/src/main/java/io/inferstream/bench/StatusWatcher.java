package io.inferstream.bench;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.inferstream.schemas.ModelStatusEvent;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * Follows the {@code model-status} topic from its beginning on a background thread and keeps every
 * event, so a caller can wait for a model version's READY (and its {@code load_millis}).
 */
final class StatusWatcher implements AutoCloseable {
  private static final ObjectMapper MAPPER =
      new ObjectMapper().configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);

  private final KafkaConsumer<byte[], byte[]> consumer;
  private final Thread thread;
  private final List<ModelStatusEvent> events = new ArrayList<>();
  private volatile boolean closed;
  private volatile Exception failure;

  StatusWatcher(String bootstrapServers, String topic) {
    consumer =
        new KafkaConsumer<>(
            Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG,
                bootstrapServers,
                ConsumerConfig.CLIENT_ID_CONFIG,
                "inferstream-bench-status"),
            new ByteArrayDeserializer(),
            new ByteArrayDeserializer());
    List<TopicPartition> partitions;
    try {
      partitions =
          consumer.partitionsFor(topic, Duration.ofSeconds(30)).stream()
              .map(p -> new TopicPartition(p.topic(), p.partition()))
              .toList();
    } catch (RuntimeException e) {
      consumer.close();
      throw e;
    }
    if (partitions.isEmpty()) {
      consumer.close();
      throw new IllegalStateException("topic " + topic + " does not exist");
    }
    consumer.assign(partitions);
    consumer.seekToBeginning(partitions);
    thread = new Thread(this::follow, "inferstream-bench-status");
    thread.setDaemon(true);
    thread.start();
  }

  private void follow() {
    try {
      while (!closed) {
        for (ConsumerRecord<byte[], byte[]> record : consumer.poll(Duration.ofMillis(200))) {
          ModelStatusEvent event;
          try {
            event = MAPPER.readValue(record.value(), ModelStatusEvent.class);
          } catch (IOException e) {
            continue; // not ours to judge; the watcher only looks for load events
          }
          synchronized (this) {
            events.add(event);
            notifyAll();
          }
        }
      }
    } catch (WakeupException e) {
      // closing
    } catch (Exception e) {
      failure = e;
      synchronized (this) {
        notifyAll();
      }
    } finally {
      consumer.close(Duration.ofSeconds(5));
    }
  }

  /** Every event seen so far. */
  synchronized List<ModelStatusEvent> events() {
    return List.copyOf(events);
  }

  /**
   * The first event matching {@code wanted}, waiting for it up to {@code timeout}; null if none
   * came.
   */
  synchronized ModelStatusEvent await(Predicate<ModelStatusEvent> wanted, Duration timeout)
      throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (true) {
      for (ModelStatusEvent event : events) {
        if (wanted.test(event)) {
          return event;
        }
      }
      if (failure != null) {
        throw new IllegalStateException("reading the model-status topic failed", failure);
      }
      long left = deadline - System.nanoTime();
      if (left <= 0) {
        return null;
      }
      wait(Math.max(1, left / 1_000_000));
    }
  }

  @Override
  public void close() throws InterruptedException {
    closed = true;
    consumer.wakeup();
    thread.join(10_000);
  }
}
