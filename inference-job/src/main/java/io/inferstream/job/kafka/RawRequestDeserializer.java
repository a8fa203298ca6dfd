package io.inferstream.job.kafka;

import io.inferstream.job.records.RawRequest;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.connector.kafka.source.reader.deserializer.KafkaRecordDeserializationSchema;
import org.apache.flink.util.Collector;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.Header;

/** Copies Kafka records as they are; it parses nothing, so it cannot fail on hostile bytes. */
public class RawRequestDeserializer implements KafkaRecordDeserializationSchema<RawRequest> {
  private static final long serialVersionUID = 1L;

  @Override
  public void deserialize(ConsumerRecord<byte[], byte[]> record, Collector<RawRequest> out) {
    RawRequest raw = new RawRequest();
    raw.topic = record.topic();
    raw.partition = record.partition();
    raw.offset = record.offset();
    raw.timestamp = record.timestamp();
    raw.key = record.key();
    raw.value = record.value();
    Header[] headers = record.headers().toArray();
    raw.headerNames = new String[headers.length];
    raw.headerValues = new byte[headers.length][];
    for (int i = 0; i < headers.length; i++) {
      raw.headerNames[i] = headers[i].key();
      byte[] value = headers[i].value();
      raw.headerValues[i] = value == null ? new byte[0] : value;
    }
    out.collect(raw);
  }

  @Override
  public TypeInformation<RawRequest> getProducedType() {
    return TypeInformation.of(RawRequest.class);
  }
}
