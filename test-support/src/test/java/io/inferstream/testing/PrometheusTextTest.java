package io.inferstream.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.inferstream.testing.PrometheusText.Sample;
import java.util.Map;
import org.junit.jupiter.api.Test;

class PrometheusTextTest {
  /** Shaped like Flink's reporter output: trailing commas, summaries with NaN quantiles. */
  private static final String EXPOSITION =
      """
      # HELP flink_taskmanager_job_task_operator_inferstream_model_rows rows (scope: x)
      # TYPE flink_taskmanager_job_task_operator_inferstream_model_rows gauge
      flink_taskmanager_job_task_operator_inferstream_model_rows{model="affine",subtask_index="0",} 3.0
      flink_taskmanager_job_task_operator_inferstream_model_rows{model="affine",subtask_index="1",} 4.0
      flink_taskmanager_job_task_operator_inferstream_model_rows{model="digits",subtask_index="0",} 9.0

      # TYPE latency summary
      latency{quantile="0.5",task_name="a \\"quoted\\" name, with \\\\ and\\nnewline"} NaN
      latency_count 12 1700000000000
      latency_sum +Inf
      up{  job = "x" } -Inf
      empty{} 1e-3
      """;

  @Test
  void readsSamplesLabelsAndTypes() {
    PrometheusText text = PrometheusText.parse(EXPOSITION);

    assertThat(text.samples()).hasSize(8);
    assertThat(text.type("flink_taskmanager_job_task_operator_inferstream_model_rows"))
        .isEqualTo("gauge");
    assertThat(text.type("latency")).isEqualTo("summary");
    assertThat(
            text.sum(
                "flink_taskmanager_job_task_operator_inferstream_model_rows",
                Map.of("model", "affine")))
        .isEqualTo(7.0);

    Sample quantile = text.samples("latency", s -> true).get(0);
    assertThat(quantile.value()).isNaN();
    assertThat(quantile.label("quantile")).isEqualTo("0.5");
    assertThat(quantile.label("task_name")).isEqualTo("a \"quoted\" name, with \\ and\nnewline");

    assertThat(text.samples("latency_count", s -> true))
        .singleElement()
        .satisfies(s -> assertThat(s.value()).isEqualTo(12.0))
        .satisfies(s -> assertThat(s.labels()).isEmpty());
    assertThat(text.sum("latency_sum", Map.of())).isInfinite().isPositive();
    assertThat(text.samples("up", s -> true).get(0).labels())
        .containsExactly(Map.entry("job", "x"));
    assertThat(text.sum("up", Map.of())).isInfinite().isNegative();
    assertThat(text.sum("empty", Map.of())).isEqualTo(0.001);
    assertThat(text.sum("absent", Map.of())).isZero();
  }

  @Test
  void rejectsMalformedLinesWithTheirNumber() {
    assertThatThrownBy(() -> PrometheusText.parse("ok 1\nbad{x=\"y\" 2\n"))
        .hasMessageStartingWith("line 2:");
    assertThatThrownBy(() -> PrometheusText.parse("novalue{}\n"))
        .hasMessageContaining("expected a value");
    assertThatThrownBy(() -> PrometheusText.parse("x abc\n")).hasMessageContaining("abc");
    assertThatThrownBy(() -> PrometheusText.parse("x{a=\"open} 1\n"))
        .hasMessageContaining("unterminated");
  }
}
