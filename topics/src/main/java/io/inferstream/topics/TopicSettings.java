package io.inferstream.topics;

/**
 * Names, partitions and replication of the topics {@link InferenceTopics#newTopics} describes.
 * Every topic carries {@link InferenceTopics#MAX_RECORD_BYTES}; the registry topic always has one
 * partition.
 *
 * @param partitions partitions of the request, reply, dead-letter and status topics
 */
public record TopicSettings(
    String requestsTopic,
    String repliesTopic,
    String deadLettersTopic,
    String registryTopic,
    String statusTopic,
    int partitions,
    short replicationFactor) {

  public TopicSettings {
    requireName(requestsTopic, "requestsTopic");
    requireName(repliesTopic, "repliesTopic");
    requireName(deadLettersTopic, "deadLettersTopic");
    requireName(registryTopic, "registryTopic");
    requireName(statusTopic, "statusTopic");
    if (partitions < 1) {
      throw new IllegalArgumentException("partitions must be >= 1, was " + partitions);
    }
    if (replicationFactor < 1) {
      throw new IllegalArgumentException(
          "replicationFactor must be >= 1, was " + replicationFactor);
    }
  }

  /** The default topic names, {@link InferenceTopics#DEFAULT_PARTITIONS}, replication factor 1. */
  public static TopicSettings defaults() {
    return new TopicSettings(
        InferenceTopics.REQUESTS,
        InferenceTopics.REPLIES,
        InferenceTopics.DEAD_LETTERS,
        InferenceTopics.MODEL_REGISTRY,
        InferenceTopics.MODEL_STATUS,
        InferenceTopics.DEFAULT_PARTITIONS,
        (short) 1);
  }

  public TopicSettings withPartitions(int newPartitions) {
    return new TopicSettings(
        requestsTopic,
        repliesTopic,
        deadLettersTopic,
        registryTopic,
        statusTopic,
        newPartitions,
        replicationFactor);
  }

  public TopicSettings withReplicationFactor(short newReplicationFactor) {
    return new TopicSettings(
        requestsTopic,
        repliesTopic,
        deadLettersTopic,
        registryTopic,
        statusTopic,
        partitions,
        newReplicationFactor);
  }

  private static void requireName(String name, String what) {
    if (name == null || name.isBlank()) {
      throw new IllegalArgumentException(what + " must be a topic name, was '" + name + "'");
    }
  }
}
