package io.inferstream.registry;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;

/** The registry's JSON mappers. */
final class Json {
  /** Writes specs to the registry topic exactly as every other module writes and reads them. */
  static final ObjectMapper TOPIC = new ObjectMapper();

  /** Reads topic records written by newer versions too (unknown fields are skipped). */
  static final ObjectMapper LENIENT =
      new ObjectMapper().configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);

  /** API bodies: snake_case. */
  static final ObjectMapper API =
      new ObjectMapper()
          .setPropertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
          .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);

  private Json() {}
}
