package io.inferstream.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** Writes result rows as CSV (RFC 4180 quoting, '.' decimals whatever the locale). */
final class CsvReport {
  static final List<String> COLUMNS =
      List.of(
          "phase",
          "model",
          "payload",
          "rows",
          "clients",
          "target_rate",
          "in_flight",
          "achieved_per_s",
          "items_per_s",
          "p50_ms",
          "p95_ms",
          "p99_ms",
          "max_ms",
          "added_p50_ms",
          "added_p99_ms",
          "queue_p50_ms",
          "queue_p99_ms",
          "inference_p50_ms",
          "inference_p99_ms",
          "batch_mean",
          "sent",
          "ok",
          "errors",
          "timeouts",
          "notes");

  private CsvReport() {}

  static String header() {
    return String.join(",", COLUMNS);
  }

  static String line(ResultRow row) {
    List<String> fields = new ArrayList<>(COLUMNS.size());
    fields.add(text(row.phase()));
    fields.add(text(row.model()));
    fields.add(text(row.payload()));
    fields.add(Integer.toString(row.rows()));
    fields.add(Integer.toString(row.clients()));
    fields.add(number(row.targetRate(), 1));
    fields.add(Integer.toString(row.inFlight()));
    fields.add(number(row.achievedPerSecond(), 1));
    fields.add(number(row.itemsPerSecond(), 1));
    fields.add(number(row.endToEnd().p50(), 3));
    fields.add(number(row.endToEnd().p95(), 3));
    fields.add(number(row.endToEnd().p99(), 3));
    fields.add(number(row.endToEnd().max(), 3));
    fields.add(number(row.added().p50(), 3));
    fields.add(number(row.added().p99(), 3));
    fields.add(number(row.queue().p50(), 3));
    fields.add(number(row.queue().p99(), 3));
    fields.add(number(row.inference().p50(), 3));
    fields.add(number(row.inference().p99(), 3));
    fields.add(number(row.batchMean(), 2));
    fields.add(Long.toString(row.sent()));
    fields.add(Long.toString(row.ok()));
    fields.add(Long.toString(row.errors()));
    fields.add(Long.toString(row.timeouts()));
    fields.add(text(row.notes()));
    return String.join(",", fields);
  }

  static void write(Path file, List<ResultRow> rows) throws IOException {
    Path parent = file.toAbsolutePath().getParent();
    if (parent != null) {
      Files.createDirectories(parent);
    }
    StringBuilder out = new StringBuilder(header()).append('\n');
    for (ResultRow row : rows) {
      out.append(line(row)).append('\n');
    }
    Files.writeString(file, out, StandardCharsets.UTF_8);
  }

  /** Empty for "not measured" (NaN or infinite). */
  static String number(double value, int decimals) {
    if (Double.isNaN(value) || Double.isInfinite(value)) {
      return "";
    }
    return String.format(Locale.ROOT, "%." + decimals + "f", value);
  }

  static String text(String value) {
    if (value == null) {
      return "";
    }
    if (value.contains(",")
        || value.contains("\"")
        || value.contains("\n")
        || value.contains("\r")) {
      return '"' + value.replace("\"", "\"\"") + '"';
    }
    return value;
  }
}
