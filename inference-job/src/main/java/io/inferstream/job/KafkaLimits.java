package io.inferstream.job;

/**
 * Record size limit the job's Kafka clients are configured for. Topics are created with the same
 * {@code max.message.bytes}, so eight 3x224x224 FP32 images (4.8 MB) fit in one binary request.
 */
public final class KafkaLimits {
  public static final int MAX_RECORD_BYTES = 16 * 1024 * 1024;

  private KafkaLimits() {}
}
