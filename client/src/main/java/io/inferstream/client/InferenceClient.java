package io.inferstream.client;

import io.inferstream.schemas.InferenceCodec;
import io.inferstream.schemas.InferenceHeaders;
import io.inferstream.topics.InferenceTopics;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.kafka.clients.consumer.CloseOptions;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.RecordBatchTooLargeException;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends inference requests to Kafka and waits for their replies on one reply partition of its own.
 *
 * <p>Replies are matched to calls by request id; replies nobody waits for (late, duplicate, or
 * meant for a previous owner of the partition) are dropped and counted. The consumer is positioned
 * at the end of the reply partition before {@link Builder#build()} returns, so no reply to a call
 * made afterwards can be missed.
 *
 * <p>Futures complete on the client's reply thread (or, for send failures, on the producer's I/O
 * thread): dependent actions that block belong on an executor ({@code thenApplyAsync}).
 * Thread-safe.
 */
public final class InferenceClient implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(InferenceClient.class);

  public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(30);

  static final String REPLY_THREAD_NAME = "inferstream-client-replies";
  private static final String TIMER_THREAD_NAME = "inferstream-client-timeouts";
  private static final Duration CLOSE_TIMEOUT = Duration.ofSeconds(10);

  /** A sync caller waits this much past the deadline for the timer, which normally fires first. */
  private static final Duration SYNC_GRACE = Duration.ofSeconds(1);

  private final String requestTopic;
  private final String replyTopic;
  private final int replyPartition;
  private final Duration defaultTimeout;
  private final byte[] replyTopicHeader;
  private final byte[] replyPartitionHeader;

  private final KafkaProducer<byte[], byte[]> producer;
  private final PendingCalls pending;
  private final ReplyListener listener;
  private final Thread replyThread;
  private final AtomicBoolean closed = new AtomicBoolean();
  private volatile Throwable listenerFailure;

  private InferenceClient(
      Builder builder,
      KafkaProducer<byte[], byte[]> producer,
      KafkaConsumer<byte[], byte[]> positionedConsumer) {
    this.requestTopic = builder.requestTopic;
    this.replyTopic = builder.replyTopic;
    this.replyPartition = builder.replyPartition;
    this.defaultTimeout = builder.defaultTimeout;
    this.replyTopicHeader = utf8(replyTopic);
    this.replyPartitionHeader = utf8(String.valueOf(replyPartition));
    this.producer = producer;
    this.pending = new PendingCalls(TIMER_THREAD_NAME);
    this.listener = new ReplyListener(positionedConsumer, pending, this::listenerFailed);
    this.replyThread = new Thread(listener, REPLY_THREAD_NAME);
    replyThread.setDaemon(true);
    replyThread.start();
  }

  public static Builder builder() {
    return new Builder();
  }

  /**
   * Sends the call and returns a future for its reply. An error reply (status other than 200)
   * completes the future normally; the future fails with {@link InferenceTimeoutException} at the
   * call's deadline, {@link RequestTooLargeException} if Kafka refuses the record for its size, or
   * {@link InferenceClientException} if the request cannot be sent or the client closes.
   */
  public CompletableFuture<InferenceReply> sendAsync(InferenceCall call) {
    Objects.requireNonNull(call, "call");
    InferenceCodec.EncodedBody body = InferenceCodec.encodeRequest(call.request(), call.binary());
    Headers headers = new RecordHeaders();
    headers.add(InferenceHeaders.REQUEST_ID, utf8(call.requestId()));
    headers.add(InferenceHeaders.MODEL, utf8(call.model()));
    call.modelVersion().ifPresent(v -> headers.add(InferenceHeaders.MODEL_VERSION, utf8(v)));
    call.apiKey().ifPresent(key -> headers.add(InferenceHeaders.API_KEY, utf8(key)));
    headers.add(InferenceHeaders.REPLY_TOPIC, replyTopicHeader);
    headers.add(InferenceHeaders.REPLY_PARTITION, replyPartitionHeader);
    call.deadline()
        .ifPresent(
            d -> headers.add(InferenceHeaders.DEADLINE, utf8(String.valueOf(d.toEpochMilli()))));
    call.priority().ifPresent(p -> headers.add(InferenceHeaders.PRIORITY, utf8(p.wireName())));
    if (body.binary()) {
      headers.add(InferenceHeaders.CONTENT_TYPE, utf8(InferenceHeaders.CONTENT_TYPE_BINARY));
      headers.add(
          InferenceHeaders.INFERENCE_HEADER_CONTENT_LENGTH,
          utf8(String.valueOf(body.jsonLength())));
    } else {
      headers.add(InferenceHeaders.CONTENT_TYPE, utf8(InferenceHeaders.CONTENT_TYPE_JSON));
    }
    for (Map.Entry<String, byte[]> extra : call.headers().entrySet()) {
      headers.remove(extra.getKey());
      headers.add(extra.getKey(), extra.getValue());
    }
    return dispatch(call.requestId(), body.bytes(), headers, call.timeout().orElse(defaultTimeout));
  }

  /**
   * Sends the call and waits for its reply, at most until the call's timeout.
   *
   * @throws InferenceTimeoutException if no reply arrives in time
   * @throws RequestTooLargeException if Kafka refuses the record for its size
   * @throws InferenceClientException if the request cannot be sent or the client closes
   */
  public InferenceReply send(InferenceCall call) {
    Duration timeout = call.timeout().orElse(defaultTimeout);
    CompletableFuture<InferenceReply> reply = sendAsync(call);
    try {
      return reply.get(timeout.plus(SYNC_GRACE).toNanos(), TimeUnit.NANOSECONDS);
    } catch (TimeoutException e) {
      throw new InferenceTimeoutException(
          "no reply to request " + call.requestId() + " within " + timeout.toMillis() + " ms");
    } catch (ExecutionException e) {
      if (e.getCause() instanceof RuntimeException) {
        throw (RuntimeException) e.getCause();
      }
      throw new InferenceClientException("call " + call.requestId() + " failed", e.getCause());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new InferenceClientException(
          "interrupted while waiting for the reply to " + call.requestId(), e);
    }
  }

  /**
   * Sends an arbitrary body, even a malformed one, with the default timeout. See {@link
   * #sendRaw(String, byte[], Map, Duration)}.
   */
  public CompletableFuture<InferenceReply> sendRaw(
      String requestId, byte[] value, Map<String, byte[]> headers) {
    return sendRaw(requestId, value, headers, defaultTimeout);
  }

  /**
   * Sends an arbitrary body with the given headers as they are. Adds {@code request-id}, {@code
   * reply-topic} and {@code reply-partition} unless {@code headers} already has them; the reply is
   * matched by {@code requestId}, which is also the record key.
   */
  public CompletableFuture<InferenceReply> sendRaw(
      String requestId, byte[] value, Map<String, byte[]> headers, Duration timeout) {
    Objects.requireNonNull(requestId, "requestId");
    Objects.requireNonNull(headers, "headers");
    requirePositive(timeout, "timeout");
    Headers recordHeaders = new RecordHeaders();
    headers.forEach(recordHeaders::add);
    addIfAbsent(recordHeaders, InferenceHeaders.REQUEST_ID, utf8(requestId));
    addIfAbsent(recordHeaders, InferenceHeaders.REPLY_TOPIC, replyTopicHeader);
    addIfAbsent(recordHeaders, InferenceHeaders.REPLY_PARTITION, replyPartitionHeader);
    return dispatch(requestId, value, recordHeaders, timeout);
  }

  /** Replies that matched no pending call: late (after a timeout), duplicate, or strangers'. */
  public long droppedReplies() {
    return pending.droppedReplies();
  }

  /** Calls sent and not yet answered, expired or failed. */
  public int pendingCalls() {
    return pending.size();
  }

  public String requestTopic() {
    return requestTopic;
  }

  public String replyTopic() {
    return replyTopic;
  }

  public int replyPartition() {
    return replyPartition;
  }

  public Duration defaultTimeout() {
    return defaultTimeout;
  }

  /** Stops the reply thread, fails pending calls with "client closed", closes the Kafka clients. */
  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    listener.stop();
    // A reply callback may close the client; the reply thread then ends after that callback.
    if (Thread.currentThread() != replyThread) {
      try {
        replyThread.join(CLOSE_TIMEOUT.toMillis());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    pending.failAll(() -> new InferenceClientException("client closed"));
    pending.shutdown();
    producer.close(CLOSE_TIMEOUT);
    LOG.debug("Closed inference client on {}-{}", replyTopic, replyPartition);
  }

  private CompletableFuture<InferenceReply> dispatch(
      String requestId, byte[] value, Headers headers, Duration timeout) {
    PendingCalls.Call call;
    try {
      requireUsable();
      call = pending.register(requestId, timeout);
    } catch (InferenceClientException e) {
      return CompletableFuture.failedFuture(e);
    }
    // close() or a dying listener may have swept the map between the check and the register.
    if (closed.get() || listenerFailure != null) {
      pending.fail(call, unusable());
      return call.future;
    }
    ProducerRecord<byte[], byte[]> record =
        new ProducerRecord<>(requestTopic, null, utf8(requestId), value, headers);
    try {
      producer.send(
          record,
          (metadata, exception) -> {
            if (exception != null) {
              pending.fail(call, sendFailure(requestId, value, exception));
            }
          });
    } catch (RuntimeException e) {
      pending.fail(call, sendFailure(requestId, value, e));
    }
    return call.future;
  }

  private InferenceClientException sendFailure(String requestId, byte[] value, Throwable cause) {
    int size = value == null ? 0 : value.length;
    if (cause instanceof RecordTooLargeException || cause instanceof RecordBatchTooLargeException) {
      return new RequestTooLargeException(
          "request "
              + requestId
              + " ("
              + size
              + " bytes) is larger than Kafka accepts: "
              + cause.getMessage(),
          cause);
    }
    if (closed.get()) {
      return new InferenceClientException("client closed", cause);
    }
    return new InferenceClientException(
        "could not send request " + requestId + " to " + requestTopic + ": " + cause.getMessage(),
        cause);
  }

  private void requireUsable() {
    if (closed.get() || listenerFailure != null) {
      throw unusable();
    }
  }

  private InferenceClientException unusable() {
    Throwable failure = listenerFailure;
    if (closed.get() || failure == null) {
      return new InferenceClientException("client closed");
    }
    return new InferenceClientException("reply listener failed: " + failure, failure);
  }

  private void listenerFailed(Throwable failure) {
    listenerFailure = failure;
    pending.failAll(() -> new InferenceClientException("reply listener failed", failure));
  }

  private static void addIfAbsent(Headers headers, String key, byte[] value) {
    if (headers.lastHeader(key) == null) {
      headers.add(key, value);
    }
  }

  private static byte[] utf8(String value) {
    return value.getBytes(StandardCharsets.UTF_8);
  }

  private static void requirePositive(Duration duration, String what) {
    if (duration == null || duration.isZero() || duration.isNegative()) {
      throw new IllegalArgumentException(what + " must be positive, was " + duration);
    }
  }

  /**
   * Builds an {@link InferenceClient}. {@link #build()} checks the settings first, then connects,
   * checks that the reply partition exists and positions the reply consumer at its end.
   */
  public static final class Builder {
    /** Set by the client itself: byte-array (de)serializers, and the dedicated setters. */
    private static final Set<String> RESERVED_PRODUCER_KEYS =
        Set.of(
            ProducerConfig.BOOTSTRAP_SERVERS_CONFIG,
            ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG,
            ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG);

    private static final Set<String> RESERVED_CONSUMER_KEYS =
        Set.of(
            ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG,
            ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG,
            ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG,
            ConsumerConfig.ISOLATION_LEVEL_CONFIG);

    private String bootstrapServers;
    private String requestTopic = InferenceTopics.REQUESTS;
    private String replyTopic = InferenceTopics.REPLIES;
    private int replyPartition = 0;
    private Duration defaultTimeout = DEFAULT_TIMEOUT;
    private boolean readCommitted;
    private final Map<String, String> producerProperties = new LinkedHashMap<>();
    private final Map<String, String> consumerProperties = new LinkedHashMap<>();

    private Builder() {}

    /** Required: {@code host:port[,host:port...]}. */
    public Builder bootstrapServers(String bootstrapServers) {
      this.bootstrapServers = bootstrapServers;
      return this;
    }

    /** Default {@code inference-requests}. */
    public Builder requestTopic(String requestTopic) {
      this.requestTopic = requestTopic;
      return this;
    }

    /** Default {@code inference-replies}; the server only answers to names it allows. */
    public Builder replyTopic(String replyTopic) {
      this.replyTopic = replyTopic;
      return this;
    }

    /** Default 0. Every client instance needs a partition no other live client reads. */
    public Builder replyPartition(int replyPartition) {
      this.replyPartition = replyPartition;
      return this;
    }

    /** How long a call waits for its reply unless the call says otherwise; default 30 s. */
    public Builder defaultTimeout(Duration defaultTimeout) {
      this.defaultTimeout = defaultTimeout;
      return this;
    }

    /** Read replies with {@code isolation.level=read_committed} (for an exactly-once job). */
    public Builder readCommitted(boolean readCommitted) {
      this.readCommitted = readCommitted;
      return this;
    }

    public Builder producerProperty(String key, String value) {
      producerProperties.put(Objects.requireNonNull(key, "key"), value);
      return this;
    }

    public Builder consumerProperty(String key, String value) {
      consumerProperties.put(Objects.requireNonNull(key, "key"), value);
      return this;
    }

    /**
     * Checks the settings, connects and positions the reply consumer.
     *
     * @throws IllegalArgumentException naming the missing or wrong setting
     * @throws InferenceClientException if the reply partition does not exist or cannot be reached
     */
    public InferenceClient build() {
      sanityCheck();
      KafkaProducer<byte[], byte[]> producer =
          new KafkaProducer<>(
              producerConfig(), new ByteArraySerializer(), new ByteArraySerializer());
      KafkaConsumer<byte[], byte[]> consumer = null;
      try {
        consumer =
            new KafkaConsumer<>(
                consumerConfig(), new ByteArrayDeserializer(), new ByteArrayDeserializer());
        positionAtEnd(consumer);
        return new InferenceClient(this, producer, consumer);
      } catch (RuntimeException e) {
        if (consumer != null) {
          consumer.close(CloseOptions.timeout(Duration.ZERO));
        }
        producer.close(Duration.ZERO);
        throw e;
      }
    }

    void sanityCheck() {
      if (bootstrapServers == null || bootstrapServers.isBlank()) {
        throw new IllegalArgumentException(
            "bootstrapServers is required: call bootstrapServers(\"host:port\")");
      }
      requireTopic(requestTopic, "requestTopic");
      requireTopic(replyTopic, "replyTopic");
      if (replyPartition < 0) {
        throw new IllegalArgumentException("replyPartition must be >= 0, was " + replyPartition);
      }
      requirePositive(defaultTimeout, "defaultTimeout");
      requireNotReserved(producerProperties, RESERVED_PRODUCER_KEYS, "producerProperty");
      requireNotReserved(consumerProperties, RESERVED_CONSUMER_KEYS, "consumerProperty");
    }

    private Properties producerConfig() {
      Properties props = new Properties();
      // 4.x defaults linger.ms to 5; a request/reply hop should not wait for company.
      props.put(ProducerConfig.LINGER_MS_CONFIG, "0");
      props.put(
          ProducerConfig.MAX_REQUEST_SIZE_CONFIG, String.valueOf(InferenceTopics.MAX_RECORD_BYTES));
      props.put(ProducerConfig.ACKS_CONFIG, "all");
      props.putAll(producerProperties);
      props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
      return props;
    }

    private Properties consumerConfig() {
      Properties props = new Properties();
      // assign() without a group: the partition is this client's alone, no offsets to commit.
      props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
      props.put(ConsumerConfig.FETCH_MIN_BYTES_CONFIG, "1");
      props.put(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, "10");
      props.put(
          ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG,
          String.valueOf(InferenceTopics.MAX_RECORD_BYTES));
      props.putAll(consumerProperties);
      props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
      props.put(
          ConsumerConfig.ISOLATION_LEVEL_CONFIG,
          (readCommitted ? IsolationLevel.READ_COMMITTED : IsolationLevel.READ_UNCOMMITTED)
              .toString());
      return props;
    }

    /**
     * seekToEnd alone is lazy: the end offset would be looked up at the first poll, after which a
     * fast reply could already be behind it. position() resolves it now.
     */
    private void positionAtEnd(KafkaConsumer<byte[], byte[]> consumer) {
      List<PartitionInfo> partitions = consumer.partitionsFor(replyTopic);
      if (partitions == null || partitions.isEmpty()) {
        throw new InferenceClientException(
            "reply topic '"
                + replyTopic
                + "' does not exist at "
                + bootstrapServers
                + "; create it first (InferenceTopics.createIfAbsent)");
      }
      if (replyPartition >= partitions.size()) {
        throw new InferenceClientException(
            "reply topic '"
                + replyTopic
                + "' has "
                + partitions.size()
                + " partitions; replyPartition "
                + replyPartition
                + " does not exist");
      }
      TopicPartition partition = new TopicPartition(replyTopic, replyPartition);
      consumer.assign(List.of(partition));
      consumer.seekToEnd(List.of(partition));
      long position = consumer.position(partition);
      LOG.debug("Reply consumer positioned at {} offset {}", partition, position);
    }

    private static void requireTopic(String topic, String what) {
      if (topic == null || topic.isBlank()) {
        throw new IllegalArgumentException(what + " must be a topic name, was '" + topic + "'");
      }
    }

    private static void requireNotReserved(
        Map<String, String> properties, Set<String> reserved, String what) {
      for (String key : properties.keySet()) {
        if (reserved.contains(key)) {
          throw new IllegalArgumentException(
              what
                  + " '"
                  + key
                  + "' is set by the client itself (bootstrapServers(), readCommitted(), byte[]"
                  + " serialization); remove it");
        }
      }
    }
  }
}
