package io.inferstream.kafka.embedded;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.inferstream.testing.Await;
import io.inferstream.testing.FreePorts;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EmbeddedKafkaBrokerITCase {
  private static final String TOPIC = "embedded-broker-check";
  private static final int FIVE_MB = 5 * 1024 * 1024;

  /** A topic's own record limit, above the broker's default, as the project's topics set one. */
  private static final int TOPIC_LIMIT = 8 * 1024 * 1024;

  @Test
  void keepsALargeRecordAcrossARestartOnTheSameDataDir(@TempDir Path dataDir) throws Exception {
    byte[] value = new byte[FIVE_MB];
    new Random(42).nextBytes(value);
    TopicPartition partition = new TopicPartition(TOPIC, 0);

    long offset;
    try (EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.builder().dataDir(dataDir).build()) {
      broker.start();
      assertThat(broker.bootstrapServers()).isEqualTo("localhost:" + broker.port());
      try (Admin admin = admin(broker)) {
        admin
            .createTopics(
                List.of(
                    new NewTopic(TOPIC, 1, (short) 1)
                        .configs(Map.of("max.message.bytes", String.valueOf(TOPIC_LIMIT)))))
            .all()
            .get(30, TimeUnit.SECONDS);
      }
      try (KafkaProducer<byte[], byte[]> producer = producer(broker)) {
        RecordMetadata written =
            producer.send(new ProducerRecord<>(TOPIC, "key".getBytes(), value)).get();
        offset = written.offset();
      }
      assertThat(readOne(broker, partition, offset)).isEqualTo(value);
    }
    assertThat(dataDir.resolve("meta.properties")).exists();

    // A new broker (and new free ports) on the same directory must skip formatting and still
    // hold the record.
    try (EmbeddedKafkaBroker restarted = EmbeddedKafkaBroker.builder().dataDir(dataDir).build()) {
      restarted.start();
      assertThat(readOne(restarted, partition, offset)).isEqualTo(value);
    }
  }

  @Test
  void aTopicWithoutItsOwnLimitRefusesALargeRecord() throws Exception {
    try (EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.builder().build().start()) {
      try (Admin admin = admin(broker)) {
        admin
            .createTopics(List.of(new NewTopic(TOPIC, 1, (short) 1)))
            .all()
            .get(30, TimeUnit.SECONDS);
      }
      try (KafkaProducer<byte[], byte[]> producer = producer(broker)) {
        assertThatThrownBy(
                () -> producer.send(new ProducerRecord<>(TOPIC, new byte[FIVE_MB])).get())
            .hasCauseInstanceOf(RecordTooLargeException.class);
      }
    }
  }

  @Test
  void deletesItsOwnTemporaryDataDirOnClose() throws Exception {
    Path before;
    try (EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.builder().build().start()) {
      before = ownedDataDir(broker);
      assertThat(before).exists();
    }
    assertThat(before).doesNotExist();
  }

  @Test
  void aTakenPortGetsAClearMessage() {
    try (EmbeddedKafkaBroker first = EmbeddedKafkaBroker.builder().build().start();
        EmbeddedKafkaBroker second = EmbeddedKafkaBroker.builder().port(first.port()).build()) {
      assertThatThrownBy(second::start)
          .isInstanceOf(IllegalStateException.class)
          .hasMessage(
              "port "
                  + first.port()
                  + " is already in use (is another Kafka or inferstream running?)");
    }
  }

  @Test
  void startsOnAFixedPortWithTheControllerOnTheNext() throws Exception {
    int port = new FreePorts().nextWithSuccessor();
    try (EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.builder().port(port).build().start();
        Admin admin = admin(broker)) {
      assertThat(broker.port()).isEqualTo(port);
      assertThat(admin.describeCluster().nodes().get(30, TimeUnit.SECONDS))
          .singleElement()
          .satisfies(node -> assertThat(node.port()).isEqualTo(port));
    }
  }

  @Test
  void closeIsIdempotent() {
    EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.builder().build().start();
    broker.close();
    broker.close();
    assertThatThrownBy(broker::start).isInstanceOf(IllegalStateException.class);
  }

  private static byte[] readOne(EmbeddedKafkaBroker broker, TopicPartition partition, long offset) {
    Properties props = new Properties();
    props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers());
    props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
    props.put(ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, String.valueOf(TOPIC_LIMIT));
    try (KafkaConsumer<byte[], byte[]> consumer =
        new KafkaConsumer<>(props, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
      consumer.assign(List.of(partition));
      consumer.seek(partition, offset);
      return Await.until(
              "the record at offset " + offset,
              Duration.ofSeconds(60),
              () -> consumer.poll(Duration.ofMillis(200)),
              records -> !records.isEmpty())
          .iterator()
          .next()
          .value();
    }
  }

  private static KafkaProducer<byte[], byte[]> producer(EmbeddedKafkaBroker broker) {
    Properties props = new Properties();
    props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers());
    props.put(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, String.valueOf(TOPIC_LIMIT));
    props.put(ProducerConfig.LINGER_MS_CONFIG, "0");
    return new KafkaProducer<>(props, new ByteArraySerializer(), new ByteArraySerializer());
  }

  private static Admin admin(EmbeddedKafkaBroker broker) {
    return Admin.create(
        Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers()));
  }

  private static Path ownedDataDir(EmbeddedKafkaBroker broker) throws Exception {
    try (Admin admin = admin(broker)) {
      String logDirs =
          admin
              .describeLogDirs(List.of(1))
              .allDescriptions()
              .get(30, TimeUnit.SECONDS)
              .get(1)
              .keySet()
              .iterator()
              .next();
      Path dir = Path.of(logDirs);
      assertThat(Files.isDirectory(dir)).isTrue();
      return dir;
    }
  }
}
