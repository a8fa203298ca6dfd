package io.inferstream.bench;

import java.io.IOException;
import java.math.BigDecimal;
import java.math.MathContext;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The cold-load results as a Markdown table (console) and as CSV ('.' decimals whatever the locale;
 * empty fields for "not measured").
 */
final class ColdLoadReport {
  private static final double MB = 1024.0 * 1024.0;

  static final List<String> TABLE_COLUMNS =
      List.of(
          "model",
          "artifact MB",
          "first request ms",
          "warm ms",
          "load_millis",
          "RSS delta MB in-stack",
          "RSS delta MB isolated",
          "ratio",
          "native MB isolated",
          "native ratio",
          "native peak MB");

  static final List<String> CSV_COLUMNS =
      List.of(
          "model",
          "version",
          "artifact_bytes",
          "first_request_ms",
          "warm_ms",
          "load_millis",
          "stack_rss_before_mb",
          "stack_rss_after_mb",
          "stack_rss_delta_mb",
          "stack_ratio",
          "isolated_rss_before_mb",
          "isolated_rss_delta_mb",
          "isolated_peak_delta_mb",
          "isolated_ratio",
          "native_rss_before_mb",
          "native_rss_delta_mb",
          "native_peak_delta_mb",
          "native_ratio",
          "isolated_read_sha256_ms",
          "isolated_session_ms",
          "isolated_first_row_ms",
          "isolated_warm_row_ms",
          "notes");

  private ColdLoadReport() {}

  /** A Markdown table, columns padded to line up in a terminal. */
  static String table(List<ColdLoadRow> rows) {
    List<List<String>> cells = new ArrayList<>();
    cells.add(TABLE_COLUMNS);
    for (ColdLoadRow row : rows) {
      cells.add(tableCells(row));
    }
    int[] widths = new int[TABLE_COLUMNS.size()];
    for (List<String> line : cells) {
      for (int i = 0; i < widths.length; i++) {
        widths[i] = Math.max(widths[i], line.get(i).length());
      }
    }
    StringBuilder out = new StringBuilder();
    for (int r = 0; r < cells.size(); r++) {
      appendLine(out, cells.get(r), widths, r > 0);
      if (r == 0) {
        // Markdown alignment: the model name left, the figures right.
        out.append('|');
        for (int i = 0; i < widths.length; i++) {
          String dashes = "-".repeat(widths[i] - 1);
          out.append(' ').append(i == 0 ? ":" + dashes : dashes + ":").append(" |");
        }
        out.append('\n');
      }
    }
    return out.toString();
  }

  private static void appendLine(
      StringBuilder out, List<String> line, int[] widths, boolean alignNumbers) {
    out.append('|');
    for (int i = 0; i < widths.length; i++) {
      String cell = line.get(i);
      String pad = " ".repeat(widths[i] - cell.length());
      out.append(' ');
      if (i == 0 || !alignNumbers) {
        out.append(cell).append(pad);
      } else {
        out.append(pad).append(cell);
      }
      out.append(" |");
    }
    out.append('\n');
  }

  /** One row's table cells; "-" where not measured. */
  static List<String> tableCells(ColdLoadRow row) {
    ModelLoadProbe.Result isolated = row.isolated();
    ModelLoadProbe.Result nativeOnly = row.nativeIsolated();
    boolean ratios = row.artifactBytes() >= ColdLoadRow.RATIO_MIN_ARTIFACT_BYTES;
    return List.of(
        row.model(),
        megabytes(row.artifactBytes()),
        Double.isNaN(row.firstRequestMillis())
            ? "-"
            : String.format(Locale.ROOT, "%.1f", row.firstRequestMillis()),
        Double.isNaN(row.warmMillis()) ? "-" : String.format(Locale.ROOT, "%.1f", row.warmMillis()),
        row.loadMillis() < 0 ? "-" : Long.toString(row.loadMillis()),
        row.hasStackRss() ? signedMb(row.stackRssDelta()) : "-",
        isolated == null ? "-" : signedMb(isolated.rssDelta()),
        isolated == null || !ratios ? "-" : String.format(Locale.ROOT, "%.1f", row.isolatedRatio()),
        nativeOnly == null ? "-" : signedMb(nativeOnly.rssDelta()),
        nativeOnly == null || !ratios ? "-" : String.format(Locale.ROOT, "%.1f", row.nativeRatio()),
        nativeOnly == null || nativeOnly.peakDelta() < 0 ? "-" : signedMb(nativeOnly.peakDelta()));
  }

  /** Megabytes (MiB) to three significant digits, without exponent: 0.000329, 4.72, 44.6, 512. */
  static String megabytes(long bytes) {
    double mb = bytes / MB;
    if (mb >= 100) {
      return String.format(Locale.ROOT, "%.0f", mb);
    }
    if (mb == 0) {
      return "0";
    }
    return new BigDecimal(mb).round(new MathContext(3)).stripTrailingZeros().toPlainString();
  }

  static String signedMb(long bytes) {
    return String.format(Locale.ROOT, "%+.1f", bytes / MB);
  }

  static String csvHeader() {
    return String.join(",", CSV_COLUMNS);
  }

  static String csvLine(ColdLoadRow row) {
    ModelLoadProbe.Result iso = row.isolated();
    double nan = Double.NaN;
    List<String> fields = new ArrayList<>(CSV_COLUMNS.size());
    fields.add(CsvReport.text(row.model()));
    fields.add(CsvReport.text(row.version()));
    fields.add(Long.toString(row.artifactBytes()));
    fields.add(CsvReport.number(row.firstRequestMillis(), 3));
    fields.add(CsvReport.number(row.warmMillis(), 3));
    fields.add(row.loadMillis() < 0 ? "" : Long.toString(row.loadMillis()));
    fields.add(CsvReport.number(row.stackRssBefore() < 0 ? nan : row.stackRssBefore() / MB, 1));
    fields.add(CsvReport.number(row.stackRssAfter() < 0 ? nan : row.stackRssAfter() / MB, 1));
    fields.add(CsvReport.number(row.hasStackRss() ? row.stackRssDelta() / MB : nan, 1));
    fields.add(CsvReport.number(row.stackRatio(), 2));
    fields.add(CsvReport.number(iso == null ? nan : iso.rssBefore() / MB, 1));
    fields.add(CsvReport.number(iso == null ? nan : iso.rssDelta() / MB, 1));
    fields.add(
        CsvReport.number(iso == null || iso.peakDelta() < 0 ? nan : iso.peakDelta() / MB, 1));
    fields.add(CsvReport.number(row.isolatedRatio(), 2));
    ModelLoadProbe.Result nat = row.nativeIsolated();
    fields.add(CsvReport.number(nat == null ? nan : nat.rssBefore() / MB, 1));
    fields.add(CsvReport.number(nat == null ? nan : nat.rssDelta() / MB, 1));
    fields.add(
        CsvReport.number(nat == null || nat.peakDelta() < 0 ? nan : nat.peakDelta() / MB, 1));
    fields.add(CsvReport.number(row.nativeRatio(), 2));
    fields.add(CsvReport.number(iso == null ? nan : iso.readMillis(), 1));
    fields.add(CsvReport.number(iso == null ? nan : iso.sessionMillis(), 1));
    fields.add(CsvReport.number(iso == null ? nan : iso.firstRowMillis(), 1));
    fields.add(CsvReport.number(iso == null ? nan : iso.warmRowMillis(), 1));
    fields.add(CsvReport.text(row.notes()));
    return String.join(",", fields);
  }

  static void writeCsv(Path file, List<ColdLoadRow> rows) throws IOException {
    Path parent = file.toAbsolutePath().getParent();
    if (parent != null) {
      Files.createDirectories(parent);
    }
    StringBuilder out = new StringBuilder(csvHeader()).append('\n');
    for (ColdLoadRow row : rows) {
      out.append(csvLine(row)).append('\n');
    }
    Files.writeString(file, out, StandardCharsets.UTF_8);
  }
}
