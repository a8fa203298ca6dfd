package io.inferstream.local;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.inferstream.onnx.ModelRepository;
import io.inferstream.onnx.OnnxSignatureReader;
import io.inferstream.schemas.ModelSpec;
import io.inferstream.schemas.RegistryKeys;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * Reads a model repository directory (signatures with ONNX Runtime, so a bad model fails here) and
 * writes each model's spec to the registry topic with {@code file://} artifact URIs, as the
 * registry would publish it: how one machine's stack and the benchmark seed the job's models.
 */
public final class RepositoryPublisher {
  private static final ObjectMapper MAPPER = new ObjectMapper();

  private RepositoryPublisher() {}

  /** The repository's specs; batching defaults to the registry's (32 rows, 2 ms). */
  public static List<ModelSpec> read(Path repository) {
    return new ModelRepository(
            repository.toAbsolutePath().normalize(),
            new OnnxSignatureReader(),
            32,
            Duration.ofMillis(2))
        .load();
  }

  /** Writes the specs to the topic and waits for the broker to acknowledge each. */
  public static void publish(String bootstrapServers, String topic, List<ModelSpec> specs)
      throws Exception {
    Properties props = new Properties();
    props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
    try (KafkaProducer<String, String> producer =
        new KafkaProducer<>(props, new StringSerializer(), new StringSerializer())) {
      for (ModelSpec spec : specs) {
        producer
            .send(
                new ProducerRecord<>(
                    topic, RegistryKeys.model(spec.name()), MAPPER.writeValueAsString(spec)))
            .get(30, TimeUnit.SECONDS);
      }
    }
  }
}
