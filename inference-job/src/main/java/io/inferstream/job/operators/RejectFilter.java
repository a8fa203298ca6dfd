package io.inferstream.job.operators;

import io.inferstream.job.metrics.ReplyMetrics;
import io.inferstream.job.records.OutboundRecord;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.functions.RichFilterFunction;

/**
 * The last step before the rejects sink: drops the error replies of shadow copies (a shadow never
 * answers, not even with an error) and counts the rest in {@link ReplyMetrics}.
 */
public class RejectFilter extends RichFilterFunction<OutboundRecord> {
  private static final long serialVersionUID = 1L;

  private transient ReplyMetrics metrics;

  @Override
  public void open(OpenContext context) {
    metrics = new ReplyMetrics(getRuntimeContext().getMetricGroup());
  }

  @Override
  public boolean filter(OutboundRecord record) {
    metrics.count(record);
    return !record.shadow;
  }
}
