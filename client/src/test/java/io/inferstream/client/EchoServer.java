package io.inferstream.client;

import io.inferstream.schemas.ErrorBody;
import io.inferstream.schemas.ErrorCode;
import io.inferstream.schemas.InferenceCodec;
import io.inferstream.schemas.InferenceException;
import io.inferstream.schemas.InferenceHeaders;
import io.inferstream.schemas.InferenceRequest;
import io.inferstream.schemas.InferenceResponse;
import io.inferstream.topics.InferenceTopics;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Stands in for the inference job: answers each request on the reply topic and partition its
 * headers name, with its inputs echoed as outputs (binary when the request was binary). The model
 * name picks the behaviour: {@link #SILENT} never answers, {@link #TWICE} answers twice; an
 * undecodable body gets a 400 error reply.
 */
final class EchoServer implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(EchoServer.class);

  static final String ECHO = "echo";
  static final String SILENT = "silent";
  static final String TWICE = "twice";

  private final KafkaConsumer<byte[], byte[]> consumer;
  private final KafkaProducer<byte[], byte[]> producer;
  private final Thread thread;
  private final Map<String, Map<String, String>> requestHeaders = new ConcurrentHashMap<>();
  private volatile boolean running = true;

  EchoServer(String bootstrapServers, String requestTopic) {
    Properties consumerProps = new Properties();
    consumerProps.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
    consumerProps.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
    consumerProps.put(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, "10");
    consumerProps.put(
        ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG,
        String.valueOf(InferenceTopics.MAX_RECORD_BYTES));
    consumer =
        new KafkaConsumer<>(
            consumerProps, new ByteArrayDeserializer(), new ByteArrayDeserializer());
    List<TopicPartition> partitions =
        consumer.partitionsFor(requestTopic).stream()
            .map(info -> new TopicPartition(requestTopic, info.partition()))
            .collect(Collectors.toList());
    consumer.assign(partitions);
    consumer.seekToEnd(partitions);
    partitions.forEach(consumer::position); // so no request sent after this constructor is missed

    Properties producerProps = new Properties();
    producerProps.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
    producerProps.put(ProducerConfig.LINGER_MS_CONFIG, "0");
    producerProps.put(
        ProducerConfig.MAX_REQUEST_SIZE_CONFIG, String.valueOf(InferenceTopics.MAX_RECORD_BYTES));
    producer =
        new KafkaProducer<>(producerProps, new ByteArraySerializer(), new ByteArraySerializer());

    thread = new Thread(this::serve, "echo-server");
    thread.setDaemon(true);
    thread.start();
  }

  /** The headers of a request this server has seen, as UTF-8 strings, or null. */
  Map<String, String> headersOf(String requestId) {
    return requestHeaders.get(requestId);
  }

  /** Writes a reply record as the job would, e.g. one nobody asked for. */
  void reply(String topic, int partition, String requestId, int status, byte[] body)
      throws ExecutionException, InterruptedException, java.util.concurrent.TimeoutException {
    Headers headers = new RecordHeaders();
    headers.add(InferenceHeaders.REQUEST_ID, utf8(requestId));
    headers.add(InferenceHeaders.STATUS, utf8(String.valueOf(status)));
    producer
        .send(new ProducerRecord<>(topic, partition, utf8(requestId), body, headers))
        .get(30, TimeUnit.SECONDS);
  }

  private void serve() {
    try {
      while (running) {
        for (ConsumerRecord<byte[], byte[]> request : consumer.poll(Duration.ofMillis(500))) {
          answer(request);
        }
      }
    } catch (WakeupException e) {
      // closing
    } finally {
      consumer.close();
    }
  }

  private void answer(ConsumerRecord<byte[], byte[]> request) {
    Map<String, String> headers = new LinkedHashMap<>();
    for (Header header : request.headers()) {
      headers.put(
          header.key(),
          header.value() == null ? null : new String(header.value(), StandardCharsets.UTF_8));
    }
    String requestId = headers.get(InferenceHeaders.REQUEST_ID);
    requestHeaders.put(requestId, headers);
    String model = headers.getOrDefault(InferenceHeaders.MODEL, ECHO);
    if (SILENT.equals(model)) {
      return;
    }
    ProducerRecord<byte[], byte[]> reply = replyTo(request, headers, model);
    int copies = TWICE.equals(model) ? 2 : 1;
    for (int i = 0; i < copies; i++) {
      producer.send(
          reply,
          (metadata, e) -> {
            if (e != null) {
              LOG.error("Echo reply to {} failed", requestId, e);
            }
          });
    }
  }

  private static ProducerRecord<byte[], byte[]> replyTo(
      ConsumerRecord<byte[], byte[]> request, Map<String, String> headers, String model) {
    String requestId = headers.get(InferenceHeaders.REQUEST_ID);
    String lengthHeader = headers.get(InferenceHeaders.INFERENCE_HEADER_CONTENT_LENGTH);
    Headers replyHeaders = new RecordHeaders();
    replyHeaders.add(InferenceHeaders.REQUEST_ID, utf8(requestId));
    byte[] body;
    try {
      int jsonLength = lengthHeader == null ? -1 : Integer.parseInt(lengthHeader);
      InferenceRequest decoded = InferenceCodec.decodeRequest(request.value(), jsonLength);
      boolean binary = jsonLength >= 0;
      InferenceCodec.EncodedBody encoded =
          InferenceCodec.encodeResponse(
              new InferenceResponse(model, "1.0.0", decoded.id(), Map.of(), decoded.inputs()),
              name -> binary || decoded.wantsBinary(name));
      body = encoded.bytes();
      replyHeaders.add(InferenceHeaders.STATUS, utf8(String.valueOf(ErrorCode.OK.status())));
      if (encoded.binary()) {
        replyHeaders.add(
            InferenceHeaders.INFERENCE_HEADER_CONTENT_LENGTH,
            utf8(String.valueOf(encoded.jsonLength())));
      }
    } catch (InferenceException | NumberFormatException e) {
      int status = ErrorCode.BAD_REQUEST.status();
      body = InferenceCodec.encodeError(new ErrorBody(e.getMessage(), status, requestId));
      replyHeaders.add(InferenceHeaders.STATUS, utf8(String.valueOf(status)));
    }
    return new ProducerRecord<>(
        headers.get(InferenceHeaders.REPLY_TOPIC),
        Integer.valueOf(headers.get(InferenceHeaders.REPLY_PARTITION)),
        utf8(requestId),
        body,
        replyHeaders);
  }

  private static byte[] utf8(String value) {
    return value.getBytes(StandardCharsets.UTF_8);
  }

  @Override
  public void close() throws InterruptedException {
    running = false;
    consumer.wakeup();
    thread.join(TimeUnit.SECONDS.toMillis(10));
    producer.close(Duration.ofSeconds(5));
  }
}
