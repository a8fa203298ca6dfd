package io.inferstream.job;

import static org.apache.flink.configuration.ConfigOptions.key;

import io.inferstream.topics.InferenceTopics;
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
          .defaultValue(InferenceTopics.REQUESTS)
          .withDescription("Topic the job reads requests from.");

  public static final ConfigOption<String> REPLY_TOPIC =
      key("inference.topic.replies")
          .stringType()
          .defaultValue(InferenceTopics.REPLIES)
          .withDescription("Reply topic for requests without a reply-topic header.");

  public static final ConfigOption<String> DEAD_LETTER_TOPIC =
      key("inference.topic.dead-letters")
          .stringType()
          .defaultValue(InferenceTopics.DEAD_LETTERS)
          .withDescription("Topic for records that could not be decoded or routed.");

  public static final ConfigOption<String> REPLY_TOPIC_PATTERN =
      key("inference.reply-topic-pattern")
          .stringType()
          .defaultValue(InferenceTopics.DEFAULT_REPLY_TOPIC_PATTERN)
          .withDescription(
              "Regular expression a reply-topic header must match; any other is dead-lettered,"
                  + " so a request can never write to another topic.");

  public static final ConfigOption<String> REGISTRY_TOPIC =
      key("inference.topic.model-registry")
          .stringType()
          .defaultValue(InferenceTopics.MODEL_REGISTRY)
          .withDescription(
              "Compacted topic of model specs (key model/<name>), read as broadcast state.");

  public static final ConfigOption<String> STATUS_TOPIC =
      key("inference.topic.model-status")
          .stringType()
          .defaultValue(InferenceTopics.MODEL_STATUS)
          .withDescription(
              "Topic task managers publish model load, unload and failure events and shadow"
                  + " reports to.");

  public static final ConfigOption<Duration> UNKNOWN_MODEL_WAIT =
      key("inference.registry.unknown-model-wait")
          .durationType()
          .defaultValue(Duration.ofSeconds(10))
          .withDescription(
              "After a (re)start, a request for a model the job has not yet read from the"
                  + " registry topic waits this long for its spec before it is answered 404.");

  public static final ConfigOption<String> ARTIFACT_FETCHER =
      key("inference.artifact.fetcher")
          .stringType()
          .defaultValue("io.inferstream.job.runtime.UriArtifactFetcher")
          .withDescription(
              "Class (with a no-argument constructor) implementing"
                  + " io.inferstream.job.runtime.ArtifactFetcher: reads model artifacts by URI.");

  public static final ConfigOption<String> ARTIFACT_CACHE_DIR =
      key("inference.artifact.cache-dir")
          .stringType()
          .noDefaultValue()
          .withDescription(
              "Where task managers keep fetched artifacts, by sha256. Default:"
                  + " <java.io.tmpdir>/inferstream-artifacts.");

  public static final ConfigOption<Duration> IDLE_UNLOAD_TIMEOUT =
      key("inference.model.idle-unload-timeout")
          .durationType()
          .defaultValue(Duration.ofMinutes(10))
          .withDescription(
              "A session unused this long is closed, for models whose spec does not set"
                  + " idle_unload_timeout_seconds.");

  public static final ConfigOption<MemorySize> MEMORY_BUDGET =
      key("inference.model.memory-budget")
          .memoryType()
          .defaultValue(MemorySize.parse("4gb"))
          .withDescription(
              "Sessions a task manager keeps loaded, counted as artifact size x"
                  + " inference.model.memory-factor; over it the least recently used session"
                  + " is closed once its batches drain.");

  public static final ConfigOption<Double> MEMORY_FACTOR =
      key("inference.model.memory-factor")
          .doubleType()
          .defaultValue(5.0)
          .withDescription(
              "Estimated session memory per artifact byte: ONNX Runtime's Java API reports no"
                  + " per-session memory. bin/benchmark cold-load measured 4.5-5x native growth"
                  + " per loaded model for 13-45 MB artifacts (more for smaller ones).");

  public static final ConfigOption<MemorySize> REQUEST_MAX_BYTES =
      key("inference.request.max-bytes")
          .memoryType()
          .defaultValue(MemorySize.parse("8mb"))
          .withDescription(
              "Larger request bodies are answered 413 (and dead-lettered with the request). At"
                  + " most "
                  + InferenceTopics.MAX_BODY_BYTES
                  + " bytes (16 MiB less 64 KiB): the Kafka record limit the job's clients use,"
                  + " less room for the record's key and headers. At start the job checks that"
                  + " the dead-letter topic's max.message.bytes is at least this plus 64 KiB.");

  public static final ConfigOption<MemorySize> REPLY_MAX_BYTES =
      key("inference.reply.max-bytes")
          .memoryType()
          .defaultValue(MemorySize.parse("8mb"))
          .withDescription(
              "Larger replies become an error reply (500). At most "
                  + InferenceTopics.MAX_BODY_BYTES
                  + " bytes (16 MiB less 64 KiB), leaving room for the reply's key, headers and"
                  + " record overhead. At start the job checks that the default reply topic's"
                  + " max.message.bytes is at least this plus 64 KiB; other reply topics must"
                  + " take as much.");

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

  public static final ConfigOption<Integer> METRICS_MAX_MODELS =
      key("inference.metrics.max-models")
          .intType()
          .defaultValue(100)
          .withDescription(
              "At most this many models get their own 'model' label on the job's metrics, per"
                  + " operator; later ones share the label '_other'. Bounds the series a scrape"
                  + " carries.");
}
