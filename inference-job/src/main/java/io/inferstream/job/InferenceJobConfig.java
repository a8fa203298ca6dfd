package io.inferstream.job;

import io.inferstream.job.InferenceOptions.DeliveryGuarantee;
import io.inferstream.topics.InferenceTopics;
import java.io.Serializable;
import java.time.Duration;
import java.util.regex.Pattern;
import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.MemorySize;
import org.apache.flink.configuration.ReadableConfig;

/** The job's options, read and checked once; operators get the parts they need. */
public record InferenceJobConfig(
    String bootstrapServers,
    String groupId,
    String requestTopic,
    String replyTopic,
    String deadLetterTopic,
    String replyTopicPattern,
    String registryTopic,
    String statusTopic,
    Duration unknownModelWait,
    String artifactFetcher,
    String artifactCacheDir,
    Duration idleUnloadTimeout,
    long memoryBudgetBytes,
    double memoryFactor,
    int requestMaxBytes,
    int replyMaxBytes,
    int inferenceThreads,
    int intraOpThreads,
    int asyncCapacity,
    Duration asyncTimeout,
    DeliveryGuarantee deliveryGuarantee,
    String transactionalIdPrefix,
    Duration transactionTimeout,
    int maxParallelism,
    boolean passthrough,
    int metricsMaxModels)
    implements Serializable {

  public InferenceJobConfig {
    require(inferenceThreads >= 1, InferenceOptions.INFERENCE_THREADS.key() + " must be >= 1");
    require(intraOpThreads >= 0, InferenceOptions.INTRA_OP_THREADS.key() + " must be >= 0");
    require(asyncCapacity >= 0, InferenceOptions.ASYNC_CAPACITY.key() + " must be >= 0");
    require(requestMaxBytes > 0, InferenceOptions.REQUEST_MAX_BYTES.key() + " must be > 0");
    require(replyMaxBytes > 0, InferenceOptions.REPLY_MAX_BYTES.key() + " must be > 0");
    require(
        requestMaxBytes <= InferenceTopics.MAX_BODY_BYTES,
        tooLarge(InferenceOptions.REQUEST_MAX_BYTES, requestMaxBytes + " bytes"));
    require(
        replyMaxBytes <= InferenceTopics.MAX_BODY_BYTES,
        tooLarge(InferenceOptions.REPLY_MAX_BYTES, replyMaxBytes + " bytes"));
    require(memoryFactor > 0, InferenceOptions.MEMORY_FACTOR.key() + " must be > 0");
    require(metricsMaxModels >= 1, InferenceOptions.METRICS_MAX_MODELS.key() + " must be >= 1");
    Pattern.compile(replyTopicPattern);
    require(
        Pattern.matches(replyTopicPattern, replyTopic),
        "the default reply topic '"
            + replyTopic
            + "' does not match "
            + InferenceOptions.REPLY_TOPIC_PATTERN.key()
            + " '"
            + replyTopicPattern
            + "'");
  }

  public static InferenceJobConfig from(ReadableConfig conf) {
    return new InferenceJobConfig(
        conf.get(InferenceOptions.BOOTSTRAP_SERVERS),
        conf.get(InferenceOptions.GROUP_ID),
        conf.get(InferenceOptions.REQUEST_TOPIC),
        conf.get(InferenceOptions.REPLY_TOPIC),
        conf.get(InferenceOptions.DEAD_LETTER_TOPIC),
        conf.get(InferenceOptions.REPLY_TOPIC_PATTERN),
        conf.get(InferenceOptions.REGISTRY_TOPIC),
        conf.get(InferenceOptions.STATUS_TOPIC),
        conf.get(InferenceOptions.UNKNOWN_MODEL_WAIT),
        conf.get(InferenceOptions.ARTIFACT_FETCHER),
        conf.getOptional(InferenceOptions.ARTIFACT_CACHE_DIR).orElse(null),
        conf.get(InferenceOptions.IDLE_UNLOAD_TIMEOUT),
        conf.get(InferenceOptions.MEMORY_BUDGET).getBytes(),
        conf.get(InferenceOptions.MEMORY_FACTOR),
        bodyLimit(conf, InferenceOptions.REQUEST_MAX_BYTES),
        bodyLimit(conf, InferenceOptions.REPLY_MAX_BYTES),
        conf.get(InferenceOptions.INFERENCE_THREADS),
        conf.get(InferenceOptions.INTRA_OP_THREADS),
        conf.get(InferenceOptions.ASYNC_CAPACITY),
        conf.get(InferenceOptions.ASYNC_TIMEOUT),
        conf.get(InferenceOptions.DELIVERY_GUARANTEE),
        conf.get(InferenceOptions.TRANSACTIONAL_ID_PREFIX),
        conf.get(InferenceOptions.TRANSACTION_TIMEOUT),
        conf.get(InferenceOptions.MAX_PARALLELISM),
        conf.get(InferenceOptions.PASSTHROUGH),
        conf.get(InferenceOptions.METRICS_MAX_MODELS));
  }

  /**
   * A body size limit in bytes, refused (never cast to a wrong int) when a record of that body
   * would not fit the Kafka record limit the job and its topics use.
   */
  private static int bodyLimit(ReadableConfig conf, ConfigOption<MemorySize> option) {
    MemorySize value = conf.get(option);
    if (value.getBytes() > InferenceTopics.MAX_BODY_BYTES) {
      throw new IllegalArgumentException(tooLarge(option, value.toString()));
    }
    return (int) value.getBytes();
  }

  private static String tooLarge(ConfigOption<MemorySize> option, String value) {
    return option.key()
        + " ("
        + value
        + ") exceeds the Kafka record limit of "
        + InferenceTopics.MAX_RECORD_BYTES
        + " bytes (max.message.bytes of the topics, max.request.size of the job's producers)"
        + " less "
        + InferenceTopics.RECORD_OVERHEAD_BYTES
        + " bytes kept for the record's key, headers and overhead: at most "
        + InferenceTopics.MAX_BODY_BYTES
        + " bytes";
  }

  /** Batches in flight per subtask. */
  public int effectiveAsyncCapacity() {
    return asyncCapacity > 0 ? asyncCapacity : inferenceThreads * 2;
  }

  private static void require(boolean condition, String message) {
    if (!condition) {
      throw new IllegalArgumentException(message);
    }
  }
}
