package io.inferstream.local;

import java.time.Duration;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/**
 * Reads durations as people type them on the command line: {@code 20s}, {@code 500ms}, {@code 2m},
 * {@code 1h}, a plain number of seconds, or ISO-8601 ({@code PT10S}). Shared by {@code
 * bin/inferstream} and {@code bin/benchmark}.
 */
public class DurationConverter implements ITypeConverter<Duration> {
  private static final Pattern SIMPLE = Pattern.compile("(\\d+(?:\\.\\d+)?)\\s*(ms|s|m|min|h)?");

  @Override
  public Duration convert(String value) {
    return parse(value);
  }

  public static Duration parse(String value) {
    String text = value == null ? "" : value.trim().toLowerCase(Locale.ROOT);
    if (text.startsWith("pt")) {
      try {
        return Duration.parse(text.toUpperCase(Locale.ROOT));
      } catch (RuntimeException e) {
        throw new TypeConversionException("'" + value + "' is not a duration");
      }
    }
    Matcher m = SIMPLE.matcher(text);
    if (!m.matches()) {
      throw new TypeConversionException(
          "'" + value + "' is not a duration: use e.g. 500ms, 20s, 2m or 1h");
    }
    double amount = Double.parseDouble(m.group(1));
    String unit = m.group(2) == null ? "s" : m.group(2);
    double millis =
        switch (unit) {
          case "ms" -> amount;
          case "s" -> amount * 1_000;
          case "m", "min" -> amount * 60_000;
          case "h" -> amount * 3_600_000;
          default -> throw new IllegalStateException(unit);
        };
    return Duration.ofNanos(Math.round(millis * 1_000_000));
  }
}
