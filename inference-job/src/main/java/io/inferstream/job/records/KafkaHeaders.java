package io.inferstream.job.records;

import java.nio.charset.StandardCharsets;

/**
 * Kafka headers as two parallel arrays, a shape Flink serializes as a POJO field without Kryo. The
 * last header with a name wins, as Kafka's {@code lastHeader} does.
 */
public final class KafkaHeaders {
  private KafkaHeaders() {}

  public static byte[] last(String[] names, byte[][] values, String name) {
    if (names == null) {
      return null;
    }
    for (int i = names.length - 1; i >= 0; i--) {
      if (name.equals(names[i])) {
        return values[i];
      }
    }
    return null;
  }

  public static String lastString(String[] names, byte[][] values, String name) {
    byte[] value = last(names, values, name);
    return value == null ? null : new String(value, StandardCharsets.UTF_8);
  }
}
