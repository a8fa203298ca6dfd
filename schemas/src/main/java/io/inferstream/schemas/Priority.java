package io.inferstream.schemas;

import java.util.Locale;

/** Request priority; high is batched and run first. */
public enum Priority {
  HIGH,
  NORMAL,
  LOW;

  /** Parses {@code high|normal|low} (any case); {@code null} means normal. */
  public static Priority parse(String value) {
    if (value == null || value.isEmpty()) {
      return NORMAL;
    }
    switch (value.toLowerCase(Locale.ROOT)) {
      case "high":
        return HIGH;
      case "normal":
        return NORMAL;
      case "low":
        return LOW;
      default:
        throw new InferenceException(
            ErrorCode.BAD_REQUEST,
            "invalid priority '"
                + (value.length() > 32 ? value.substring(0, 32) + "..." : value)
                + "': expected high, normal or low");
    }
  }

  public String wireName() {
    return name().toLowerCase(Locale.ROOT);
  }
}
