package io.inferstream.bench;

import io.inferstream.bench.HostileRecords.HostileRecord;
import io.inferstream.bench.HostileRecords.Kind;
import io.inferstream.schemas.ErrorBody;
import io.inferstream.schemas.InferenceCodec;
import io.inferstream.schemas.InferenceHeaders;
import io.inferstream.topics.InferenceTopics;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;
import org.apache.kafka.clients.consumer.CloseOptions;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.utils.Utils;

/**
 * Sends hostile records next to the valid load and follows what becomes of them.
 *
 * <ul>
 *   <li>A producer of its own, on a thread of its own, at an open-loop rate: hostile sends never
 *       wait for valid ones, nor the other way round.
 *   <li>Record {@code i} is {@code pool[i % pool.size()]} with id {@code <prefix><i>.<k>}, where
 *       {@code k} is the first suffix whose key hashes to the hostile reply partition: a reply the
 *       job addresses by key (an invalid {@code reply-partition}) lands there too, never on a valid
 *       client's partition. Every record also carries the header {@value #MARKER} {@code
 *       <prefix><i>}, which the job copies into its dead letters.
 *   <li>Two listeners: the hostile reply partition (status per record) and the dead-letter topic.
 *       Replayed records (after a job restart) are counted once.
 * </ul>
 */
final class HostileTraffic implements AutoCloseable {
  static final String MARKER = "bench-hostile";

  private static final Duration POLL = Duration.ofMillis(100);
  private static final long MAX_PARK_NANOS = TimeUnit.MILLISECONDS.toNanos(10);
  private static final String LONG_ID_TAIL = "~" + "i".repeat(HostileRecords.LONG_HEADER_CHARS);

  private final List<HostileRecord> pool;
  private final String idPrefix;
  private final String requestTopic;
  private final int replyPartition;
  private final int replyPartitions;
  private final KafkaProducer<byte[], byte[]> producer;
  private final Listener replies;
  private final Listener deadLetters;

  private volatile boolean sending;
  private Thread sender;
  private volatile long issued;
  private final Set<Long> sendFailed = ConcurrentHashMap.newKeySet();
  private final Map<Long, Integer> replyStatus = new ConcurrentHashMap<>();
  private final Set<Long> deadLettered = ConcurrentHashMap.newKeySet();
  private final Map<Kind, String> examples = new ConcurrentHashMap<>();
  private final LongAdder strayReplies = new LongAdder();
  private final LongAdder otherDeadLetters = new LongAdder();
  private final AtomicReference<String> firstSendFailure = new AtomicReference<>();

  /**
   * Connects and positions both listeners at the end of their partitions.
   *
   * @param deadLetterTopic the job's dead-letter topic; if it does not exist, dead letters are not
   *     followed
   */
  HostileTraffic(
      String bootstrapServers,
      String requestTopic,
      HostileRecords.ReplyAddress reply,
      String deadLetterTopic,
      Map<String, String> producerOptions,
      List<HostileRecord> pool,
      String idPrefix) {
    if (pool.isEmpty()) {
      throw new IllegalArgumentException("no hostile records");
    }
    this.pool = List.copyOf(pool);
    this.idPrefix = idPrefix;
    this.requestTopic = requestTopic;
    this.replyPartition = reply.partition();
    this.replyPartitions = reply.partitions();
    Properties props = new Properties();
    props.put(ProducerConfig.LINGER_MS_CONFIG, "0");
    props.put(ProducerConfig.ACKS_CONFIG, "all");
    props.put(
        ProducerConfig.MAX_REQUEST_SIZE_CONFIG, String.valueOf(InferenceTopics.MAX_RECORD_BYTES));
    props.putAll(producerOptions);
    // A stuck broker must not hold the sender (and the phase) for a minute per record.
    props.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, "5000");
    props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
    this.producer =
        new KafkaProducer<>(props, new ByteArraySerializer(), new ByteArraySerializer());
    Listener replyListener = null;
    Listener deadLetterListener = null;
    try {
      replyListener =
          new Listener(
              bootstrapServers,
              List.of(new TopicPartition(reply.topic(), reply.partition())),
              this::onReply,
              "benchmark-hostile-replies");
      List<TopicPartition> letters = partitions(bootstrapServers, deadLetterTopic);
      if (!letters.isEmpty()) {
        deadLetterListener =
            new Listener(
                bootstrapServers, letters, this::onDeadLetter, "benchmark-hostile-dead-letters");
      }
    } catch (RuntimeException e) {
      if (replyListener != null) {
        replyListener.close();
      }
      producer.close(Duration.ZERO);
      throw e;
    }
    this.replies = replyListener;
    this.deadLetters = deadLetterListener;
  }

  /** Starts sending at {@code ratePerSecond} until {@link #stopSending()}. */
  void start(double ratePerSecond) {
    if (sender != null) {
      throw new IllegalStateException("already started");
    }
    OpenLoopSchedule schedule = new OpenLoopSchedule(System.nanoTime(), ratePerSecond);
    sending = true;
    sender = new Thread(() -> sendLoop(schedule), "benchmark-hostile-sender");
    sender.setDaemon(true);
    sender.start();
  }

  /** Stops sending soon, without waiting (the measured window's end). */
  void halt() {
    sending = false;
  }

  /** Stops sending and waits for the sender; safe to call more than once, or before start. */
  void stopSending() {
    sending = false;
    Thread thread = sender;
    if (thread != null && thread != Thread.currentThread()) {
      try {
        thread.join(TimeUnit.SECONDS.toMillis(10));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  /**
   * Waits until every record sent has a reply, a dead letter or a failed send, or {@code max} has
   * passed, and counts what happened to them.
   */
  Tally awaitOutcome(Duration max) {
    stopSending();
    producer.flush();
    long deadline = System.nanoTime() + max.toNanos();
    while (unaccounted() > 0 && System.nanoTime() < deadline) {
      LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(20));
    }
    // A dead letter may come before the reply of the same record (two topics, one sink).
    LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(500));
    return tally();
  }

  private long unaccounted() {
    long open = 0;
    long n = issued;
    for (long seq = 0; seq < n; seq++) {
      if (!sendFailed.contains(seq)
          && !replyStatus.containsKey(seq)
          && (deadLetters == null || !deadLettered.contains(seq))) {
        open++;
      }
    }
    return open;
  }

  /** What became of the hostile records, per kind and in total. */
  record Tally(
      long sent,
      long sendFailed,
      Map<Integer, Long> replies,
      long deadLettered,
      long deadLetteredOnly,
      long unaccounted,
      long strayReplies,
      long otherDeadLetters,
      boolean deadLettersFollowed,
      List<KindTally> kinds,
      String firstSendFailure) {
    long replied() {
      return replies.values().stream().mapToLong(Long::longValue).sum();
    }
  }

  /**
   * @param example an error message or dead-letter reason one of these records got, or null
   */
  record KindTally(
      Kind kind,
      long sent,
      Map<Integer, Long> replies,
      long deadLetteredOnly,
      long unaccounted,
      String example) {}

  private Tally tally() {
    long n = issued;
    Map<Integer, Long> replies = new TreeMap<>();
    long failed = 0;
    long lettered = 0;
    long letteredOnly = 0;
    long open = 0;
    Map<Kind, long[]> counts = new EnumMap<>(Kind.class);
    Map<Kind, Map<Integer, Long>> kindReplies = new EnumMap<>(Kind.class);
    for (long seq = 0; seq < n; seq++) {
      Kind kind = pool.get((int) (seq % pool.size())).kind();
      long[] c = counts.computeIfAbsent(kind, k -> new long[3]);
      c[0]++;
      boolean letter = deadLettered.contains(seq);
      if (letter) {
        lettered++;
      }
      Integer status = replyStatus.get(seq);
      if (status != null) {
        replies.merge(status, 1L, Long::sum);
        kindReplies.computeIfAbsent(kind, k -> new TreeMap<>()).merge(status, 1L, Long::sum);
      } else if (letter) {
        letteredOnly++;
        c[1]++;
      } else if (sendFailed.contains(seq)) {
        failed++;
      } else {
        open++;
        c[2]++;
      }
    }
    List<KindTally> kinds = new ArrayList<>();
    counts.forEach(
        (kind, c) ->
            kinds.add(
                new KindTally(
                    kind,
                    c[0],
                    kindReplies.getOrDefault(kind, Map.of()),
                    c[1],
                    c[2],
                    examples.get(kind))));
    return new Tally(
        n,
        failed,
        replies,
        lettered,
        letteredOnly,
        open,
        strayReplies.sum(),
        otherDeadLetters.sum(),
        deadLetters != null,
        kinds,
        firstSendFailure.get());
  }

  private void sendLoop(OpenLoopSchedule schedule) {
    long next = 0;
    while (sending) {
      long due = schedule.dueCount(System.nanoTime());
      for (; next < due && sending; next++) {
        send(next);
        issued = next + 1;
      }
      long wait = schedule.intendedNanos(next) - System.nanoTime();
      if (wait > 0) {
        LockSupport.parkNanos(Math.min(wait, MAX_PARK_NANOS));
      }
    }
  }

  private void send(long seq) {
    HostileRecord record = pool.get((int) (seq % pool.size()));
    String base = idPrefix + seq;
    RecordHeaders headers = new RecordHeaders();
    byte[] key = null;
    switch (record.identity()) {
      case REQUEST_ID -> {
        key = idHashingToReplyPartition(base, "");
        headers.add(InferenceHeaders.REQUEST_ID, key);
      }
      case LONG_REQUEST_ID -> {
        key = idHashingToReplyPartition(base, LONG_ID_TAIL);
        headers.add(InferenceHeaders.REQUEST_ID, key);
      }
      case DUPLICATED_REQUEST_ID -> {
        key = idHashingToReplyPartition(base, "");
        headers.add(InferenceHeaders.REQUEST_ID, utf8("not-" + base));
        headers.add(InferenceHeaders.REQUEST_ID, key);
      }
      case NONE -> {}
    }
    for (HostileRecords.Header h : record.headers()) {
      headers.add(h.name(), h.value());
    }
    headers.add(MARKER, utf8(base));
    try {
      producer.send(
          new ProducerRecord<>(requestTopic, null, key, record.body(), headers),
          (metadata, exception) -> {
            if (exception != null) {
              failed(seq, exception);
            }
          });
    } catch (RuntimeException e) {
      failed(seq, e);
    }
  }

  private void failed(long seq, Exception e) {
    sendFailed.add(seq);
    firstSendFailure.compareAndSet(null, e.toString());
  }

  /** {@code <base>.<k><tail>} for the first {@code k} whose key hashes to the reply partition. */
  private byte[] idHashingToReplyPartition(String base, String tail) {
    for (int k = 0; ; k++) {
      byte[] id = utf8(base + "." + k + tail);
      if (Utils.toPositive(Utils.murmur2(id)) % replyPartitions == replyPartition) {
        return id;
      }
    }
  }

  private void onReply(ConsumerRecord<byte[], byte[]> record) {
    long seq = seqOf(lastHeader(record, InferenceHeaders.REQUEST_ID));
    if (seq < 0) {
      strayReplies.increment();
      return;
    }
    String statusText = lastHeader(record, InferenceHeaders.STATUS);
    int status;
    try {
      status = statusText == null ? -1 : Integer.parseInt(statusText.trim());
    } catch (NumberFormatException e) {
      status = -1;
    }
    if (replyStatus.putIfAbsent(seq, status) == null && status != 200) {
      Kind kind = kindOf(seq);
      if (kind != null && !examples.containsKey(kind)) {
        examples.putIfAbsent(kind, status + " " + errorMessage(record.value()));
      }
    }
  }

  private void onDeadLetter(ConsumerRecord<byte[], byte[]> record) {
    long seq = seqOf(lastHeader(record, MARKER));
    if (seq < 0) {
      otherDeadLetters.increment();
      return;
    }
    if (deadLettered.add(seq)) {
      Kind kind = kindOf(seq);
      String reason = lastHeader(record, InferenceHeaders.DEAD_LETTER_REASON);
      if (kind != null && reason != null && !examples.containsKey(kind)) {
        examples.putIfAbsent(kind, "dead letter: " + reason);
      }
    }
  }

  private Kind kindOf(long seq) {
    return seq < issued ? pool.get((int) (seq % pool.size())).kind() : null;
  }

  /** The sequence number in {@code <prefix><seq>[.<k>...]}, or -1 if it is not ours. */
  private long seqOf(String id) {
    if (id == null || !id.startsWith(idPrefix)) {
      return -1;
    }
    long seq = 0;
    int digits = 0;
    for (int i = idPrefix.length(); i < id.length() && digits < 18; i++, digits++) {
      char c = id.charAt(i);
      if (c < '0' || c > '9') {
        break;
      }
      seq = seq * 10 + (c - '0');
    }
    return digits == 0 ? -1 : seq;
  }

  private static String errorMessage(byte[] body) {
    try {
      ErrorBody error = InferenceCodec.decodeError(body);
      return error.error();
    } catch (RuntimeException e) {
      return "(undecodable error body)";
    }
  }

  private static String lastHeader(ConsumerRecord<byte[], byte[]> record, String name) {
    Header header = record.headers().lastHeader(name);
    return header == null || header.value() == null
        ? null
        : new String(header.value(), StandardCharsets.UTF_8);
  }

  private static byte[] utf8(String value) {
    return value.getBytes(StandardCharsets.UTF_8);
  }

  private static List<TopicPartition> partitions(String bootstrapServers, String topic) {
    try (KafkaConsumer<byte[], byte[]> consumer = consumer(bootstrapServers)) {
      List<PartitionInfo> infos = consumer.partitionsFor(topic, Duration.ofSeconds(10));
      List<TopicPartition> partitions = new ArrayList<>();
      if (infos != null) {
        for (PartitionInfo info : infos) {
          partitions.add(new TopicPartition(topic, info.partition()));
        }
      }
      return partitions;
    } catch (RuntimeException e) {
      return List.of();
    }
  }

  private static KafkaConsumer<byte[], byte[]> consumer(String bootstrapServers) {
    Properties props = new Properties();
    props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
    props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
    props.put(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, "50");
    props.put(
        ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG,
        String.valueOf(InferenceTopics.MAX_RECORD_BYTES));
    return new KafkaConsumer<>(props, new ByteArrayDeserializer(), new ByteArrayDeserializer());
  }

  @Override
  public void close() {
    stopSending();
    producer.close(Duration.ofSeconds(10));
    replies.close();
    if (deadLetters != null) {
      deadLetters.close();
    }
  }

  /** A consumer of some partitions, from their end, on a thread of its own. */
  private static final class Listener implements AutoCloseable {
    interface Handler {
      void handle(ConsumerRecord<byte[], byte[]> record);
    }

    private final KafkaConsumer<byte[], byte[]> consumer;
    private final Thread thread;
    private volatile boolean running = true;

    Listener(
        String bootstrapServers, List<TopicPartition> partitions, Handler handler, String name) {
      consumer = consumer(bootstrapServers);
      try {
        consumer.assign(partitions);
        consumer.seekToEnd(partitions);
        for (TopicPartition partition : partitions) {
          consumer.position(partition); // resolved now: nothing sent after this is missed
        }
      } catch (RuntimeException e) {
        consumer.close(CloseOptions.timeout(Duration.ZERO));
        throw e;
      }
      thread =
          new Thread(
              () -> {
                try {
                  while (running) {
                    for (ConsumerRecord<byte[], byte[]> record : consumer.poll(POLL)) {
                      handler.handle(record);
                    }
                  }
                } catch (WakeupException e) {
                  // closing
                } finally {
                  consumer.close(CloseOptions.timeout(Duration.ZERO));
                }
              },
              name);
      thread.setDaemon(true);
      thread.start();
    }

    @Override
    public void close() {
      running = false;
      consumer.wakeup();
      try {
        thread.join(TimeUnit.SECONDS.toMillis(10));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }
}
