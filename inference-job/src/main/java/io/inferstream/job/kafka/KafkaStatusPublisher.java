package io.inferstream.job.kafka;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.inferstream.job.runtime.StatusPublisher;
import io.inferstream.schemas.ModelStatusEvent;
import io.inferstream.schemas.RegistryKeys;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Properties;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Publishes status events as JSON to the {@code model-status} topic, keyed {@code model/<name>}.
 */
public final class KafkaStatusPublisher implements StatusPublisher {
  private static final Logger LOG = LoggerFactory.getLogger(KafkaStatusPublisher.class);
  private static final ObjectMapper MAPPER = new ObjectMapper();

  private final String topic;
  private final KafkaProducer<byte[], byte[]> producer;

  public KafkaStatusPublisher(String bootstrapServers, String topic) {
    this.topic = topic;
    Properties props = new Properties();
    props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
    props.put(ProducerConfig.LINGER_MS_CONFIG, "0");
    props.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, "5000");
    props.put(ProducerConfig.CLIENT_ID_CONFIG, "inferstream-model-status");
    this.producer =
        new KafkaProducer<>(props, new ByteArraySerializer(), new ByteArraySerializer());
  }

  @Override
  public void publish(ModelStatusEvent event) {
    try {
      producer.send(
          new ProducerRecord<>(
              topic,
              RegistryKeys.model(event.model()).getBytes(StandardCharsets.UTF_8),
              MAPPER.writeValueAsBytes(event)),
          (metadata, error) -> {
            if (error != null) {
              LOG.warn("Model status event for '{}' not sent: {}", event.model(), error.toString());
            }
          });
    } catch (Exception e) {
      LOG.warn("Model status event for '{}' not sent: {}", event.model(), e.toString());
    }
  }

  @Override
  public void close() {
    producer.close(Duration.ofSeconds(5));
  }
}
