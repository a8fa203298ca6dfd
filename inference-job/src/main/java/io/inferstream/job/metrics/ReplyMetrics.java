package io.inferstream.job.metrics;

import io.inferstream.job.records.OutboundRecord;
import io.inferstream.schemas.ErrorCode;
import java.util.EnumMap;
import java.util.Map;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.MetricGroup;

/**
 * Counts what leaves the job, under the {@code inferstream} group: {@code replies} (every answer
 * sent), {@code errors} with a {@code code} label (the {@link ErrorCode} name, so at most one
 * series per code; never the model, which an unknown-model request would make unbounded), and
 * {@code deadLetters} (raw records copied to the dead-letter topic). Shadow copies are not counted:
 * they are never sent. Used on the task thread only.
 */
public final class ReplyMetrics {
  private final MetricGroup group;
  private final Counter replies;
  private final Counter deadLetters;
  private final Map<ErrorCode, Counter> errors = new EnumMap<>(ErrorCode.class);

  public ReplyMetrics(MetricGroup operatorGroup) {
    this.group = operatorGroup.addGroup(InferenceMetrics.GROUP);
    this.replies = group.counter("replies");
    this.deadLetters = group.counter("deadLetters");
  }

  public void count(OutboundRecord record) {
    if (record.shadow) {
      return;
    }
    if (record.status == 0) {
      deadLetters.inc();
      return;
    }
    replies.inc();
    if (record.status != ErrorCode.OK.status()) {
      errors.computeIfAbsent(codeOf(record.status), this::errorCounter).inc();
    }
  }

  private Counter errorCounter(ErrorCode code) {
    return group.addGroup("code", code.name()).counter("errors");
  }

  /** The code of an error status; a status no code has counts as INTERNAL. */
  static ErrorCode codeOf(int status) {
    for (ErrorCode code : ErrorCode.values()) {
      if (code.status() == status) {
        return code;
      }
    }
    return ErrorCode.INTERNAL;
  }
}
