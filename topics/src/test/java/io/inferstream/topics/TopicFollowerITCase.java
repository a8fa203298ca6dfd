package io.inferstream.topics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.inferstream.kafka.embedded.EmbeddedKafkaBroker;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;

/** {@link TopicFollower} on a real broker: read to end, follow, back off and retry, stop. */
class TopicFollowerITCase {
  private static final Duration AWAIT = Duration.ofSeconds(30);
  private static final TopicFollower.Backoff FAST =
      new TopicFollower.Backoff(Duration.ofMillis(200), Duration.ofSeconds(1));

  private static EmbeddedKafkaBroker broker;
  private static KafkaProducer<String, String> producer;

  private final List<AutoCloseable> followers = new ArrayList<>();
  private String topic;

  @BeforeAll
  static void startBroker() {
    broker = EmbeddedKafkaBroker.builder().build().start();
    producer =
        new KafkaProducer<>(
            Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG,
                broker.bootstrapServers(),
                ProducerConfig.LINGER_MS_CONFIG,
                0),
            new StringSerializer(),
            new StringSerializer());
  }

  @AfterAll
  static void stopBroker() {
    if (producer != null) {
      producer.close();
    }
    if (broker != null) {
      broker.close();
    }
  }

  @AfterEach
  void closeFollowers() throws Exception {
    for (AutoCloseable follower : followers) {
      follower.close();
    }
  }

  @Test
  void handlesEveryRecordWrittenBeforeStartBeforeItIsCaughtUpThenFollows(TestInfo test)
      throws Exception {
    createTopic(test, 2);
    for (int i = 0; i < 40; i++) {
      send(i % 2, "before-" + i);
    }
    List<ConsumerRecord<String, String>> handled = new CopyOnWriteArrayList<>();

    TopicFollower<String, String> follower = follow(handled::add, FAST);
    assertThat(follower.awaitCaughtUp(AWAIT)).isTrue();
    // caught up means handled, not merely fetched
    assertThat(values(handled)).hasSize(40).allMatch(v -> v.startsWith("before-"));
    for (int partition = 0; partition < 2; partition++) {
      int p = partition;
      List<Long> offsets =
          handled.stream().filter(r -> r.partition() == p).map(ConsumerRecord::offset).toList();
      assertThat(offsets).as("partition %d in offset order", p).isSorted().hasSize(20);
      assertThat(follower.position(new TopicPartition(topic, p))).isEqualTo(20);
    }

    RecordMetadata after = send(1, "after");
    assertThat(follower.awaitPosition(partition(after), after.offset() + 1, AWAIT)).isTrue();
    assertThat(values(handled)).hasSize(41).last().isEqualTo("after");
  }

  @Test
  void anEmptyTopicIsCaughtUpAtOnce(TestInfo test) throws Exception {
    createTopic(test, 3);
    TopicFollower<String, String> follower = follow(record -> {}, FAST);
    assertThat(follower.awaitCaughtUp(AWAIT)).isTrue();
  }

  @Test
  void aHandlerFailureIsRetriedAfterTheBackoffWithoutSkippingARecord(TestInfo test)
      throws Exception {
    createTopic(test, 1);
    for (int i = 0; i < 5; i++) {
      send(0, "r" + i);
    }
    List<String> handled = new CopyOnWriteArrayList<>();
    AtomicInteger failures = new AtomicInteger();
    AtomicLong failedAt = new AtomicLong();
    AtomicLong retriedAt = new AtomicLong();
    TopicFollower<String, String> follower =
        follow(
            record -> {
              if (record.value().equals("r2")) {
                if (failures.getAndIncrement() == 0) {
                  failedAt.set(System.nanoTime());
                  throw new IllegalStateException("first attempt at r2 fails");
                }
                retriedAt.set(System.nanoTime());
              }
              handled.add(record.value());
            },
            FAST);

    assertThat(follower.awaitCaughtUp(AWAIT)).isTrue();
    assertThat(handled).containsExactly("r0", "r1", "r2", "r3", "r4");
    assertThat(failures).hasValue(2);
    assertThat(Duration.ofNanos(retriedAt.get() - failedAt.get()))
        .as("retried after the backoff")
        .isGreaterThanOrEqualTo(FAST.initial());

    RecordMetadata later = send(0, "r5");
    assertThat(follower.awaitPosition(partition(later), later.offset() + 1, AWAIT)).isTrue();
    assertThat(handled).endsWith("r4", "r5");
  }

  @Test
  void aTopicCreatedLateIsFollowedOnceItExists(TestInfo test) throws Exception {
    topic = "late-" + test.getTestMethod().orElseThrow().getName();
    List<String> handled = new CopyOnWriteArrayList<>();
    TopicFollower<String, String> follower = follow(record -> handled.add(record.value()), FAST);
    // the follower keeps retrying (the topic does not exist) instead of dying
    assertThat(follower.awaitCaughtUp(Duration.ofMillis(500))).isFalse();

    createTopic(topic, 1);
    RecordMetadata first = send(0, "first");
    assertThat(follower.awaitCaughtUp(AWAIT)).isTrue();
    assertThat(follower.awaitPosition(partition(first), first.offset() + 1, AWAIT)).isTrue();
    assertThat(handled).containsExactly("first");
  }

  @Test
  void closeStopsTheThreadAndClosesTheConsumerPromptly(TestInfo test) throws Exception {
    createTopic(test, 2);
    send(0, "x");
    AtomicInteger calls = new AtomicInteger();
    KafkaConsumer<String, String> consumer = consumer();
    String threadName = "follower-" + topic;
    TopicFollower<String, String> follower =
        TopicFollower.start(threadName, consumer, topic, record -> calls.incrementAndGet(), FAST);
    assertThat(follower.awaitCaughtUp(AWAIT)).isTrue();

    long started = System.nanoTime();
    follower.close(); // the thread is in poll(1 s) now: the wakeup ends it at once
    assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(5));
    assertThat(Thread.getAllStackTraces().keySet())
        .noneMatch(t -> t.getName().equals(threadName) && t.isAlive());
    assertThatThrownBy(consumer::assignment)
        .as("the consumer is closed")
        .isInstanceOf(IllegalStateException.class);
    int callsAtClose = calls.get();
    assertThat(callsAtClose).isEqualTo(1);

    // nothing handles records written after close, and waiting on the stopped follower ends
    RecordMetadata after = send(0, "after close");
    assertThat(follower.awaitPosition(partition(after), after.offset() + 1, AWAIT)).isFalse();
    assertThat(calls).hasValue(callsAtClose);
    follower.close(); // idempotent
  }

  @Test
  void closeDuringABackoffEndsTheWait(TestInfo test) throws Exception {
    createTopic(test, 1);
    send(0, "always fails");
    AtomicInteger calls = new AtomicInteger();
    CountDownLatch failed = new CountDownLatch(1);
    TopicFollower<String, String> follower =
        follow(
            record -> {
              calls.incrementAndGet();
              failed.countDown();
              throw new IllegalStateException("never handled");
            },
            new TopicFollower.Backoff(Duration.ofMinutes(1), Duration.ofMinutes(1)));
    assertThat(failed.await(AWAIT.toSeconds(), TimeUnit.SECONDS)).isTrue();

    long started = System.nanoTime();
    follower.close();
    assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(5));
    assertThat(calls).hasValue(1);
    assertThat(follower.awaitCaughtUp(Duration.ZERO)).isFalse();
  }

  private TopicFollower<String, String> follow(
      TopicFollower.RecordHandler<String, String> handler, TopicFollower.Backoff backoff) {
    TopicFollower<String, String> follower =
        TopicFollower.start("follower-" + topic, consumer(), topic, handler, backoff);
    followers.add(follower);
    return follower;
  }

  private void createTopic(TestInfo test, int partitions) {
    createTopic(test.getTestMethod().orElseThrow().getName(), partitions);
  }

  private void createTopic(String name, int partitions) {
    topic = name;
    try (Admin admin =
        Admin.create(
            Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers()))) {
      InferenceTopics.createIfAbsent(
          admin, List.of(InferenceTopics.topic(name, partitions, (short) 1)), AWAIT);
    }
  }

  private RecordMetadata send(int partition, String value) throws Exception {
    return producer.send(new ProducerRecord<>(topic, partition, null, value)).get();
  }

  private TopicPartition partition(RecordMetadata written) {
    return new TopicPartition(written.topic(), written.partition());
  }

  private static KafkaConsumer<String, String> consumer() {
    return new KafkaConsumer<>(
        Map.of(
            ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG,
            broker.bootstrapServers(),
            ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG,
            false),
        new StringDeserializer(),
        new StringDeserializer());
  }

  private static List<String> values(List<ConsumerRecord<String, String>> records) {
    return records.stream().map(ConsumerRecord::value).toList();
  }
}
