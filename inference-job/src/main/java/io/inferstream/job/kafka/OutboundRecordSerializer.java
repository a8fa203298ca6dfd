package io.inferstream.job.kafka;

import io.inferstream.job.records.OutboundRecord;
import org.apache.flink.connector.kafka.sink.KafkaRecordSerializationSchema;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;

/**
 * Writes replies and dead letters where the operators addressed them. Topics and partitions were
 * checked upstream (pattern, existence, partition range), so nothing a request carries can make the
 * sink throw.
 */
public class OutboundRecordSerializer implements KafkaRecordSerializationSchema<OutboundRecord> {
  private static final long serialVersionUID = 1L;

  @Override
  public ProducerRecord<byte[], byte[]> serialize(
      OutboundRecord record, KafkaSinkContext context, Long timestamp) {
    RecordHeaders headers = new RecordHeaders();
    if (record.headerNames != null) {
      for (int i = 0; i < record.headerNames.length; i++) {
        headers.add(record.headerNames[i], record.headerValues[i]);
      }
    }
    Integer partition = record.partition >= 0 ? record.partition : null;
    return new ProducerRecord<>(record.topic, partition, null, record.key, record.value, headers);
  }
}
