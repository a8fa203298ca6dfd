package io.inferstream.job.records;

/** A request record exactly as it came from Kafka, before anything is trusted. */
public class RawRequest {
  public String topic;
  public int partition;
  public long offset;
  public long timestamp;
  public byte[] key;
  public byte[] value;
  public String[] headerNames;
  public byte[][] headerValues;

  public RawRequest() {}

  public String header(String name) {
    return KafkaHeaders.lastString(headerNames, headerValues, name);
  }

  public int valueSize() {
    return value == null ? 0 : value.length;
  }
}
