package io.inferstream.job.operators;

import io.inferstream.job.records.OutboundRecord;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.util.OutputTag;

/** Side outputs shared by the operators. */
public final class OperatorOutputs {
  private OperatorOutputs() {}

  /** Error replies and dead letters that leave the pipeline early. */
  public static final OutputTag<OutboundRecord> REJECTED =
      new OutputTag<>("rejected", TypeInformation.of(OutboundRecord.class));
}
