package io.inferstream.job.operators;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.inferstream.job.metrics.ReplyMetrics;
import io.inferstream.job.records.OutboundRecord;
import io.inferstream.job.records.TensorData;
import io.inferstream.job.runtime.InferenceService;
import io.inferstream.schemas.DataType;
import io.inferstream.schemas.ModelStatusEvent;
import io.inferstream.schemas.RegistryKeys;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;
import org.apache.flink.streaming.api.operators.AbstractStreamOperator;
import org.apache.flink.streaming.api.operators.OneInputStreamOperator;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.util.ExceptionUtils;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Between inference and the reply sink: passes replies on, drops the results of shadow copies, and
 * compares each shadow result with its primary's (same output names, datatypes, shapes, and values
 * within {@link #TOLERANCE}). A request and its shadow copy share a routing key, so both results
 * pass through the same subtask. Every second with news it sends a cumulative report per model to
 * the {@code model-status} topic, through the reply sink.
 *
 * <p>Pairs in progress live on the heap: a restart loses those comparisons (never replies).
 */
public class ShadowComparator extends AbstractStreamOperator<OutboundRecord>
    implements OneInputStreamOperator<OutboundRecord, OutboundRecord> {
  private static final long serialVersionUID = 1L;
  private static final Logger LOG = LoggerFactory.getLogger(ShadowComparator.class);
  private static final ObjectMapper MAPPER = new ObjectMapper();
  static final double TOLERANCE = 1e-4;
  private static final long REPORT_MILLIS = 1000;
  private static final long PAIR_TIMEOUT_MILLIS = 60_000;

  private final String statusTopic;
  private transient Map<String, Half> waiting;
  private transient Map<String, Stats> stats;
  private transient boolean changed;
  private transient ReplyMetrics replyMetrics;

  private record Half(OutboundRecord record, long arrivedMillis) {}

  private static final class Stats {
    String primaryVersion;
    String shadowVersion;
    long primary;
    long shadow;
    long compared;
    long agreed;
    double maxAbsDifference;
  }

  public ShadowComparator(String statusTopic) {
    this.statusTopic = statusTopic;
  }

  @Override
  public void open() throws Exception {
    super.open();
    waiting = new HashMap<>();
    stats = new HashMap<>();
    replyMetrics = new ReplyMetrics(getMetricGroup());
    scheduleReport();
  }

  private void scheduleReport() {
    long now = getProcessingTimeService().getCurrentProcessingTime();
    getProcessingTimeService().registerTimer(now + REPORT_MILLIS, this::report);
  }

  @Override
  public void processElement(StreamRecord<OutboundRecord> element) {
    OutboundRecord record = element.getValue();
    replyMetrics.count(record); // shadow copies are not counted
    if (record.model == null) {
      output.collect(element); // the common case: a plain reply
      return;
    }
    Stats model = stats.computeIfAbsent(record.model, m -> new Stats());
    if (record.shadow) {
      model.shadow++;
      model.shadowVersion = record.version;
    } else {
      model.primary++;
      model.primaryVersion = record.version;
    }
    changed = true;
    String requestId = new String(record.key, StandardCharsets.UTF_8);
    Half other = waiting.remove(requestId);
    if (other == null) {
      waiting.put(
          requestId, new Half(record, getProcessingTimeService().getCurrentProcessingTime()));
    } else {
      OutboundRecord primary = record.shadow ? other.record : record;
      OutboundRecord shadow = record.shadow ? record : other.record;
      try {
        compare(model, primary, shadow);
      } catch (Throwable failure) {
        // outputs are what two models made of one request: a comparison that fails is a
        // disagreement, never a task failure
        ExceptionUtils.rethrowIfFatalError(failure);
        LOG.warn("Comparing the shadow result of request {} failed", requestId, failure);
        model.compared++;
      }
    }
    if (!record.shadow) {
      output.collect(element); // the primary's reply; its outputs ride along unused
    }
  }

  private static void compare(Stats model, OutboundRecord primary, OutboundRecord shadow) {
    double[] maxDiff = {0};
    boolean agreed = agree(primary.outputs, shadow.outputs, maxDiff);
    model.compared++;
    if (agreed) {
      model.agreed++;
    }
    if (Double.isFinite(maxDiff[0])) {
      model.maxAbsDifference = Math.max(model.maxAbsDifference, maxDiff[0]);
    }
  }

  /** Whether two results agree; failures agree only with failures. */
  static boolean agree(TensorData[] a, TensorData[] b, double[] maxDiff) {
    if (a == null || b == null) {
      return a == b;
    }
    if (a.length != b.length) {
      return false;
    }
    boolean agree = true;
    for (TensorData x : a) {
      TensorData y = null;
      for (TensorData candidate : b) {
        if (candidate.name.equals(x.name)) {
          y = candidate;
        }
      }
      if (y == null || x.datatype != y.datatype || !Arrays.equals(x.shape, y.shape)) {
        return false;
      }
      if (x.datatype == DataType.FP32 || x.datatype == DataType.FP64) {
        agree &= closeEnough(x, y, maxDiff);
      } else {
        agree &= Arrays.equals(x.data, y.data);
      }
    }
    return agree;
  }

  private static boolean closeEnough(TensorData x, TensorData y, double[] maxDiff) {
    ByteBuffer bx = ByteBuffer.wrap(x.data).order(ByteOrder.LITTLE_ENDIAN);
    ByteBuffer by = ByteBuffer.wrap(y.data).order(ByteOrder.LITTLE_ENDIAN);
    boolean fp32 = x.datatype == DataType.FP32;
    int n = x.data.length / (fp32 ? 4 : 8);
    boolean close = true;
    for (int i = 0; i < n; i++) {
      double u = fp32 ? bx.getFloat() : bx.getDouble();
      double v = fp32 ? by.getFloat() : by.getDouble();
      double diff = Math.abs(u - v);
      maxDiff[0] = Math.max(maxDiff[0], diff);
      close &= diff <= TOLERANCE * Math.max(1, Math.abs(u));
    }
    return close;
  }

  private void report(long timestamp) throws Exception {
    for (Iterator<Half> it = waiting.values().iterator(); it.hasNext(); ) {
      if (timestamp - it.next().arrivedMillis > PAIR_TIMEOUT_MILLIS) {
        it.remove(); // its partner never came (failed over, or a restart lost it)
      }
    }
    if (changed) {
      changed = false;
      String reporter =
          InferenceService.taskManager()
              + "/"
              + getRuntimeContext().getTaskInfo().getIndexOfThisSubtask();
      for (Map.Entry<String, Stats> entry : stats.entrySet()) {
        Stats s = entry.getValue();
        ModelStatusEvent event =
            new ModelStatusEvent(
                entry.getKey(),
                null,
                null,
                ModelStatusEvent.State.SHADOW_REPORT,
                reporter,
                null,
                null,
                0,
                timestamp,
                new ModelStatusEvent.ShadowReport(
                    s.primaryVersion,
                    s.shadowVersion,
                    s.primary,
                    s.shadow,
                    s.compared,
                    s.agreed,
                    s.compared - s.agreed,
                    s.maxAbsDifference));
        OutboundRecord record = new OutboundRecord();
        record.topic = statusTopic;
        record.key = RegistryKeys.model(entry.getKey()).getBytes(StandardCharsets.UTF_8);
        record.value = MAPPER.writeValueAsBytes(event);
        record.headerNames = new String[0];
        record.headerValues = new byte[0][];
        output.collect(new StreamRecord<>(record));
      }
    }
    scheduleReport();
  }

  /** Pairs waiting for their partner (for tests). */
  int waitingPairs() {
    return waiting.size();
  }
}
