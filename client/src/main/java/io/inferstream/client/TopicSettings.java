package io.inferstream.client;

import io.inferstream.schemas.Topics;

/**
 * Names and limits of the inference topics that {@link InferenceTopics#create} creates.
 *
 * @param maxMessageBytes the topics' {@code max.message.bytes}; producers need a {@code
 *     max.request.size} at least this large to use it
 */
public record TopicSettings(
    String requestsTopic,
    String repliesTopic,
    String deadLettersTopic,
    int partitions,
    int maxMessageBytes,
    short replicationFactor) {

  /** 16 MiB: room for a batch of raw FP32 images (about 4.8 MB for eight 3x224x224). */
  public static final int DEFAULT_MAX_MESSAGE_BYTES = 16 * 1024 * 1024;

  public static final int DEFAULT_PARTITIONS = 2;

  public TopicSettings {
    requireName(requestsTopic, "requestsTopic");
    requireName(repliesTopic, "repliesTopic");
    requireName(deadLettersTopic, "deadLettersTopic");
    if (partitions < 1) {
      throw new IllegalArgumentException("partitions must be >= 1, was " + partitions);
    }
    if (maxMessageBytes < 1) {
      throw new IllegalArgumentException("maxMessageBytes must be >= 1, was " + maxMessageBytes);
    }
    if (replicationFactor < 1) {
      throw new IllegalArgumentException(
          "replicationFactor must be >= 1, was " + replicationFactor);
    }
  }

  /** The default topic names, 2 partitions, 16 MiB messages, replication factor 1. */
  public static TopicSettings defaults() {
    return new TopicSettings(
        Topics.REQUESTS,
        Topics.REPLIES,
        Topics.DEAD_LETTERS,
        DEFAULT_PARTITIONS,
        DEFAULT_MAX_MESSAGE_BYTES,
        (short) 1);
  }

  public TopicSettings withPartitions(int newPartitions) {
    return new TopicSettings(
        requestsTopic,
        repliesTopic,
        deadLettersTopic,
        newPartitions,
        maxMessageBytes,
        replicationFactor);
  }

  public TopicSettings withReplicationFactor(short newReplicationFactor) {
    return new TopicSettings(
        requestsTopic,
        repliesTopic,
        deadLettersTopic,
        partitions,
        maxMessageBytes,
        newReplicationFactor);
  }

  public TopicSettings withMaxMessageBytes(int newMaxMessageBytes) {
    return new TopicSettings(
        requestsTopic,
        repliesTopic,
        deadLettersTopic,
        partitions,
        newMaxMessageBytes,
        replicationFactor);
  }

  private static void requireName(String name, String what) {
    if (name == null || name.isBlank()) {
      throw new IllegalArgumentException(what + " must be a topic name, was '" + name + "'");
    }
  }
}
