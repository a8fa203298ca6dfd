package io.inferstream.schemas;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Locale;

/** Where a model runs: {@code auto} uses CUDA when it can load, else CPU. */
public enum Device {
  AUTO,
  CPU,
  CUDA;

  @JsonCreator
  public static Device parse(String value) {
    if (value == null) {
      return AUTO;
    }
    try {
      return valueOf(value.toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(
          "invalid device '" + value + "': expected auto, cpu or cuda");
    }
  }

  @JsonValue
  public String wireName() {
    return name().toLowerCase(Locale.ROOT);
  }
}
