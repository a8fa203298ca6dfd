package io.inferstream.job;

import static org.apache.flink.configuration.ConfigOptions.key;

import io.inferstream.schemas.Topics;
import java.time.Duration;
import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.MemorySize;

/**
 * Every option of the inference job. The same keys work in Flink's {@code config.yaml}, on the
 * {@code flink run} command line ({@code --inference.onnx.threads 2}) and in tests.
 */
public final class InferenceOptions {
  private InferenceOptions() {}

  /** How replies reach Kafka. */
  public enum DeliveryGuarantee {
    AT_LEAST_ONCE,
    EXACTLY_ONCE
  }

  public static final ConfigOption<String> BOOTSTRAP_SERVERS =
      key("inference.kafka.bootstrap-servers")
          .stringType()
          .defaultValue("localhost:9092")
          .withDescription("Kafka bootstrap servers for requests, replies and dead letters.");

  public static final ConfigOption<String> GROUP_ID =
      key("inference.kafka.group-id")
          .stringType()
          .defaultValue("inferstream-inference")
          .withDescription("Consumer group of the request source (offsets live in checkpoints).");

  public static final ConfigOption<String> REQUEST_TOPIC =
      key("inference.topic.requests")
          .stringType()
          .defaultValue(Topics.REQUESTS)
          .withDescription("Topic the job reads requests from.");

  public static final ConfigOption<String> REPLY_TOPIC =
      key("inference.topic.replies")
          .stringType()
          .defaultValue(Topics.REPLIES)
          .withDescription("Reply topic for requests without a reply-topic header.");

  public static final ConfigOption<String> DEAD_LETTER_TOPIC =
      key("inference.topic.dead-letters")
          .stringType()
          .defaultValue(Topics.DEAD_LETTERS)
          .withDescription("Topic for records that could not be decoded or routed.");

  public static final ConfigOption<String> REPLY_TOPIC_PATTERN =
      key("inference.reply-topic-pattern")
          .stringType()
          .defaultValue(Topics.DEFAULT_REPLY_TOPIC_PATTERN)
          .withDescription(
              "Regular expression a reply-topic header must match; any other is dead-lettered,"
                  + " so a request can never write to another topic.");

  public static final ConfigOption<String> MODEL_REPOSITORY =
      key("inference.model-repository")
          .stringType()
          .noDefaultValue()
          .withDescription(
              "Directory laid out as <model>/<version>/model.onnx plus <model>/config.json."
                  + " It must be readable from the client and every task manager.");

  public static final ConfigOption<MemorySize> REQUEST_MAX_BYTES =
      key("inference.request.max-bytes")
          .memoryType()
          .defaultValue(MemorySize.parse("8mb"))
          .withDescription("Larger request bodies are answered 413.");

  public static final ConfigOption<MemorySize> REPLY_MAX_BYTES =
      key("inference.reply.max-bytes")
          .memoryType()
          .defaultValue(MemorySize.parse("8mb"))
          .withDescription(
              "Larger replies become an error reply; keep it below the reply topic's"
                  + " max.message.bytes.");

  public static final ConfigOption<Integer> INFERENCE_THREADS =
      key("inference.onnx.threads")
          .intType()
          .defaultValue(2)
          .withDescription(
              "Threads per task manager that run ONNX Runtime sessions (shared by its slots).");

  public static final ConfigOption<Integer> INTRA_OP_THREADS =
      key("inference.onnx.intra-op-threads")
          .intType()
          .defaultValue(1)
          .withDescription(
              "ONNX Runtime intra-op threads per session. Keep inference threads x intra-op"
                  + " threads at or below the cores reserved for inference.");

  public static final ConfigOption<Integer> ASYNC_CAPACITY =
      key("inference.async.capacity")
          .intType()
          .defaultValue(0)
          .withDescription(
              "Batches in flight per subtask; 0 means inference threads x 2. Bounds memory:"
                  + " backpressure reaches Kafka, not the heap.");

  public static final ConfigOption<Duration> ASYNC_TIMEOUT =
      key("inference.async.timeout")
          .durationType()
          .defaultValue(Duration.ofSeconds(30))
          .withDescription("A batch not answered in this time answers 504 per request.");

  public static final ConfigOption<Integer> DEFAULT_MAX_BATCH_SIZE =
      key("inference.batch.max-size")
          .intType()
          .defaultValue(32)
          .withDescription("max_batch_size (rows) for models whose config does not set it.");

  public static final ConfigOption<Duration> DEFAULT_MAX_QUEUE_DELAY =
      key("inference.batch.max-queue-delay")
          .durationType()
          .defaultValue(Duration.ofMillis(2))
          .withDescription(
              "max_queue_delay for models whose config does not set it: how long the first"
                  + " buffered request of a batch may wait for company.");

  public static final ConfigOption<DeliveryGuarantee> DELIVERY_GUARANTEE =
      key("inference.delivery-guarantee")
          .enumType(DeliveryGuarantee.class)
          .defaultValue(DeliveryGuarantee.AT_LEAST_ONCE)
          .withDescription(
              "AT_LEAST_ONCE (consumers drop duplicates by request id) or EXACTLY_ONCE"
                  + " (transactional replies, visible to read_committed consumers when a"
                  + " checkpoint completes; needs checkpointing).");

  public static final ConfigOption<String> TRANSACTIONAL_ID_PREFIX =
      key("inference.sink.transactional-id-prefix")
          .stringType()
          .defaultValue("inferstream")
          .withDescription(
              "Prefix of the sink's transactional ids under EXACTLY_ONCE; unique per job, or"
                  + " two jobs fence each other.");

  public static final ConfigOption<Duration> TRANSACTION_TIMEOUT =
      key("inference.sink.transaction-timeout")
          .durationType()
          .defaultValue(Duration.ofMinutes(10))
          .withDescription(
              "Producer transaction timeout; above the longest checkpoint plus restart, below"
                  + " the broker's transaction.max.timeout.ms (15 min by default).");

  public static final ConfigOption<Integer> MAX_PARALLELISM =
      key("inference.max-parallelism")
          .intType()
          .defaultValue(128)
          .withDescription(
              "Max parallelism of the keyed stages; replica keys are chosen so that they land"
                  + " on different subtasks for it.");

  public static final ConfigOption<Boolean> PASSTHROUGH =
      key("inference.passthrough")
          .booleanType()
          .defaultValue(false)
          .withDescription(
              "Benchmark baseline: skip ONNX Runtime and return each input as its output.");
}
