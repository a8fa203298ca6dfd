package io.inferstream.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CsvReportTest {
  private static final ResultRow.Percentiles E2E = new ResultRow.Percentiles(1.5, 2.25, 3.125, 40);

  private static ResultRow row(String notes) {
    return new ResultRow(
        "pipeline",
        "affine",
        "json",
        1,
        2,
        100,
        0,
        99.96,
        99.96,
        E2E,
        new ResultRow.Percentiles(1.0, 1.5, 2.0, 30),
        ResultRow.Percentiles.NONE,
        new ResultRow.Percentiles(0.01, 0.02, 0.03, 0.5),
        1.25,
        2000,
        1999,
        1,
        0,
        notes);
  }

  @Test
  void oneFieldPerColumnWithUnmeasuredValuesEmpty() {
    String line = CsvReport.line(row("quiet"));

    assertThat(line)
        .isEqualTo(
            "pipeline,affine,json,1,2,100.0,0,100.0,100.0,1.500,2.250,3.125,40.000,1.000,2.000,,,"
                + "0.010,0.030,1.25,2000,1999,1,0,quiet");
    assertThat(line.split(",", -1)).hasSize(CsvReport.COLUMNS.size());
  }

  @Test
  void quotesTextWithCommasOrQuotes() {
    assertThat(CsvReport.text("cpu: this JVM 1.2, others 0.3"))
        .isEqualTo("\"cpu: this JVM 1.2, others 0.3\"");
    assertThat(CsvReport.text("say \"hi\"")).isEqualTo("\"say \"\"hi\"\"\"");
    assertThat(CsvReport.text("plain")).isEqualTo("plain");
    assertThat(CsvReport.text(null)).isEmpty();
  }

  @Test
  void numbersUseADotWhateverTheDefaultLocale() {
    Locale previous = Locale.getDefault();
    Locale.setDefault(Locale.GERMANY);
    try {
      assertThat(CsvReport.number(1234.5678, 3)).isEqualTo("1234.568");
      assertThat(CsvReport.number(Double.NaN, 3)).isEmpty();
    } finally {
      Locale.setDefault(previous);
    }
  }

  @Test
  void writesHeaderAndRowsCreatingTheDirectory(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("results").resolve("run.csv");

    CsvReport.write(file, List.of(row("a"), row("b, c")));

    List<String> lines = Files.readAllLines(file);
    assertThat(lines).hasSize(3);
    assertThat(lines.get(0)).startsWith("phase,model,payload,rows,").endsWith(",notes");
    assertThat(lines.get(2)).endsWith(",\"b, c\"");
  }
}
