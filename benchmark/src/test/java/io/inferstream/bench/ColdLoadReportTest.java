package io.inferstream.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ColdLoadReportTest {
  private static final long MB = 1 << 20;

  private static final ModelLoadProbe.Result ISOLATED =
      new ModelLoadProbe.Result(
          "resnet18", 46_733_654, "60b7", 172, 259, 42, 18, 100 * MB, 335 * MB, 370 * MB);

  private static final ModelLoadProbe.Result NATIVE =
      new ModelLoadProbe.Result(
          "resnet18", 46_733_654, "60b7", 150, 240, 40, 17, 600 * MB, 780 * MB, 830 * MB);

  private static final ColdLoadRow FULL =
      new ColdLoadRow(
          "resnet18",
          "1.0.0",
          46_733_654,
          912.34,
          21.05,
          640,
          700 * MB,
          950 * MB,
          ISOLATED,
          NATIVE,
          "");

  /** In-stack only, a tiny artifact, nothing isolated. */
  private static final ColdLoadRow PARTIAL =
      new ColdLoadRow(
          "affine", "1.0.0", 345, 28.1, 10.0, 14, 600 * MB, 610 * MB, null, null, "a, b");

  /** Isolated only. */
  private static final ColdLoadRow ISOLATED_ONLY =
      new ColdLoadRow(
          "resnet18",
          "1.0.0",
          46_733_654,
          Double.NaN,
          Double.NaN,
          -1,
          -1,
          -1,
          ISOLATED,
          null,
          null);

  @Test
  void tableCellsOfAFullRow() {
    assertThat(ColdLoadReport.tableCells(FULL))
        .containsExactly(
            "resnet18",
            "44.6",
            "912.3",
            "21.1",
            "640",
            "+250.0",
            "+235.0",
            "5.3",
            "+180.0",
            "4.0",
            "+230.0");
  }

  @Test
  void unmeasuredCellsAndTinyArtifactsShowADash() {
    assertThat(ColdLoadReport.tableCells(PARTIAL))
        .containsExactly(
            "affine", "0.000329", "28.1", "10.0", "14", "+10.0", "-", "-", "-", "-", "-");
    assertThat(ColdLoadReport.tableCells(ISOLATED_ONLY))
        .containsExactly("resnet18", "44.6", "-", "-", "-", "-", "+235.0", "5.3", "-", "-", "-");
  }

  @Test
  void tableIsMarkdownWithAlignedColumns() {
    String table = ColdLoadReport.table(List.of(PARTIAL, FULL));

    List<String> lines = table.lines().toList();
    assertThat(lines).hasSize(4);
    assertThat(lines.get(0)).startsWith("| model    | artifact MB |");
    assertThat(lines.get(1)).startsWith("| :------- | ----------: |");
    assertThat(lines.get(3)).startsWith("| resnet18 |        44.6 |");
    assertThat(lines).allSatisfy(l -> assertThat(l).hasSameSizeAs(lines.get(0)).endsWith("|"));
    assertThat(lines.get(0).split("\\|", -1)).hasSize(ColdLoadReport.TABLE_COLUMNS.size() + 2);
  }

  @Test
  void megabytesKeepThreeSignificantDigitsWithoutExponent() {
    assertThat(ColdLoadReport.megabytes(0)).isEqualTo("0");
    assertThat(ColdLoadReport.megabytes(345)).isEqualTo("0.000329");
    assertThat(ColdLoadReport.megabytes(69_853)).isEqualTo("0.0666");
    assertThat(ColdLoadReport.megabytes(4_950_070)).isEqualTo("4.72");
    assertThat(ColdLoadReport.megabytes(13_942_214)).isEqualTo("13.3");
    assertThat(ColdLoadReport.megabytes(10 * MB)).isEqualTo("10");
    assertThat(ColdLoadReport.megabytes(1536 * MB)).isEqualTo("1536");
  }

  @Test
  void csvLineHasOneFieldPerColumnAndDotDecimals() {
    Locale previous = Locale.getDefault();
    Locale.setDefault(Locale.GERMANY);
    try {
      String line = ColdLoadReport.csvLine(FULL);

      assertThat(line)
          .isEqualTo(
              "resnet18,1.0.0,46733654,912.340,21.050,640,700.0,950.0,250.0,5.61,100.0,235.0,"
                  + "270.0,5.27,600.0,180.0,230.0,4.04,172.0,259.0,42.0,18.0,");
      assertThat(line.split(",", -1)).hasSize(ColdLoadReport.CSV_COLUMNS.size());
    } finally {
      Locale.setDefault(previous);
    }
  }

  @Test
  void csvLeavesUnmeasuredFieldsEmptyAndQuotesNotes() {
    String partial = ColdLoadReport.csvLine(PARTIAL);
    String isolatedOnly = ColdLoadReport.csvLine(ISOLATED_ONLY);

    assertThat(partial)
        .isEqualTo(
            "affine,1.0.0,345,28.100,10.000,14,600.0,610.0,10.0,30393.51,,,,,,,,,,,,,\"a, b\"");
    assertThat(isolatedOnly).startsWith("resnet18,1.0.0,46733654,,,,,,,,100.0,235.0,");
    assertThat(isolatedOnly.split(",", -1)).hasSize(ColdLoadReport.CSV_COLUMNS.size());
  }

  @Test
  void writesHeaderAndRowsCreatingTheDirectory(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("results").resolve("cold-load.csv");

    ColdLoadReport.writeCsv(file, List.of(PARTIAL, FULL));

    List<String> lines = Files.readAllLines(file);
    assertThat(lines).hasSize(3);
    assertThat(lines.get(0)).isEqualTo(String.join(",", ColdLoadReport.CSV_COLUMNS));
    assertThat(lines.get(2)).startsWith("resnet18,");
  }
}
