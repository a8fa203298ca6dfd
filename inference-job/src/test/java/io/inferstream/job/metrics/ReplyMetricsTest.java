package io.inferstream.job.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import io.inferstream.job.records.OutboundRecord;
import io.inferstream.schemas.ErrorCode;
import org.apache.flink.metrics.testutils.MetricListener;
import org.junit.jupiter.api.Test;

class ReplyMetricsTest {
  private final MetricListener listener = new MetricListener();

  @Test
  void countsRepliesErrorsByCodeAndDeadLettersButNotShadows() {
    ReplyMetrics metrics = new ReplyMetrics(listener.getMetricGroup());
    metrics.count(record(200, false));
    metrics.count(record(404, false));
    metrics.count(record(404, false));
    metrics.count(record(504, false));
    metrics.count(record(0, false));
    metrics.count(record(500, true)); // a shadow's error: never sent
    metrics.count(record(200, true));

    assertThat(count("replies")).isEqualTo(4);
    assertThat(count("deadLetters")).isEqualTo(1);
    assertThat(count("code", "NOT_FOUND", "errors")).isEqualTo(2);
    assertThat(count("code", "DEADLINE_EXCEEDED", "errors")).isEqualTo(1);
    assertThat(listener.getCounter(InferenceMetrics.GROUP, "code", "INTERNAL", "errors")).isEmpty();
    assertThat(listener.getCounter(InferenceMetrics.GROUP, "code", "OK", "errors")).isEmpty();
  }

  @Test
  void aStatusWithoutACodeCountsAsInternal() {
    assertThat(ReplyMetrics.codeOf(418)).isEqualTo(ErrorCode.INTERNAL);
    assertThat(ReplyMetrics.codeOf(429)).isEqualTo(ErrorCode.TOO_MANY_REQUESTS);
  }

  private long count(String... path) {
    String[] full = new String[path.length + 1];
    full[0] = InferenceMetrics.GROUP;
    System.arraycopy(path, 0, full, 1, path.length);
    return listener.getCounter(full).orElseThrow().getCount();
  }

  private static OutboundRecord record(int status, boolean shadow) {
    OutboundRecord record = new OutboundRecord();
    record.status = status;
    record.shadow = shadow;
    return record;
  }
}
