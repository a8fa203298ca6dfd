package io.inferstream.job.records;

/** A record for the sink: a reply or a dead letter, with its destination already decided. */
public class OutboundRecord {
  public String topic;

  /** Partition, or -1 to let Kafka partition by key. */
  public int partition = -1;

  public byte[] key;
  public byte[] value;
  public String[] headerNames;
  public byte[][] headerValues;

  /** The HTTP-style status of a reply (0 for a dead letter), kept for tests and metrics. */
  public int status;

  /** The result of a shadow copy: compared, never sent. */
  public boolean shadow;

  /**
   * For shadow comparison only (null otherwise): the model, the version that answered, and its
   * outputs (null when it failed).
   */
  public String model;

  public String version;
  public TensorData[] outputs;

  public OutboundRecord() {}

  public String header(String name) {
    return KafkaHeaders.lastString(headerNames, headerValues, name);
  }
}
