package io.inferstream.job;

/**
 * Record size limit the job's Kafka clients are configured for. Topics are created with the same
 * {@code max.message.bytes}, so eight 3x224x224 FP32 images (4.8 MB) fit in one binary request.
 */
public final class KafkaLimits {
  public static final int MAX_RECORD_BYTES = 16 * 1024 * 1024;

  /**
   * Room a record needs besides its body: its key, its headers (a reply's request id, status and
   * content type; a dead letter's original headers plus four of its own) and Kafka's record and
   * batch overhead. A request or reply body limit is at most {@link #MAX_RECORD_BYTES} less this,
   * and a topic's {@code max.message.bytes} must exceed the body limit by this much.
   */
  public static final int RECORD_OVERHEAD_BYTES = 64 * 1024;

  /** The largest request or reply body limit: {@link #MAX_RECORD_BYTES} less the overhead. */
  public static final int MAX_BODY_BYTES = MAX_RECORD_BYTES - RECORD_OVERHEAD_BYTES;

  private KafkaLimits() {}
}
