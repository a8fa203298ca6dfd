package io.inferstream.job.kafka;

import io.inferstream.job.model.ModelSpecs;
import io.inferstream.job.records.RegistryUpdate;
import io.inferstream.schemas.ModelSpec;
import io.inferstream.schemas.RegistryKeys;
import java.nio.charset.StandardCharsets;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.connector.kafka.source.reader.deserializer.KafkaRecordDeserializationSchema;
import org.apache.flink.util.Collector;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads the registry topic: {@code model/<name>} records become spec updates (a null value is a
 * tombstone); other keys (tenants) are skipped. A spec that does not parse, or names another model
 * than its key, is logged and skipped: it must never stop the job.
 */
public class RegistryUpdateDeserializer
    implements KafkaRecordDeserializationSchema<RegistryUpdate> {
  private static final long serialVersionUID = 1L;
  private static final Logger LOG = LoggerFactory.getLogger(RegistryUpdateDeserializer.class);

  @Override
  public void deserialize(ConsumerRecord<byte[], byte[]> record, Collector<RegistryUpdate> out) {
    String key = record.key() == null ? null : new String(record.key(), StandardCharsets.UTF_8);
    String model = RegistryKeys.modelName(key);
    if (model == null) {
      return;
    }
    if (record.value() == null) {
      out.collect(new RegistryUpdate(model, Long.MAX_VALUE, null));
      return;
    }
    String json = new String(record.value(), StandardCharsets.UTF_8);
    try {
      ModelSpec spec = ModelSpecs.parse(json);
      if (!model.equals(spec.name())) {
        throw new IllegalArgumentException(
            "key names '" + model + "', spec names '" + spec.name() + "'");
      }
      out.collect(new RegistryUpdate(model, spec.revision(), json));
    } catch (RuntimeException e) {
      LOG.warn(
          "Skipping registry record {} at offset {}: {}",
          key,
          record.offset(),
          e.getCause() != null ? e.getCause().getMessage() : e.getMessage());
    }
  }

  @Override
  public TypeInformation<RegistryUpdate> getProducedType() {
    return TypeInformation.of(RegistryUpdate.class);
  }
}
