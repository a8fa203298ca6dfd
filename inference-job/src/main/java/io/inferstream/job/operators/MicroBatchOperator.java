package io.inferstream.job.operators;

import io.inferstream.job.metrics.ModelCounter;
import io.inferstream.job.records.Batch;
import io.inferstream.job.records.Replies;
import io.inferstream.job.records.ServingRequest;
import io.inferstream.job.records.ServingTarget;
import io.inferstream.schemas.ErrorCode;
import io.inferstream.schemas.Priority;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.flink.api.common.typeutils.base.StringSerializer;
import org.apache.flink.streaming.api.operators.AbstractStreamOperator;
import org.apache.flink.streaming.api.operators.InternalTimer;
import org.apache.flink.streaming.api.operators.InternalTimerService;
import org.apache.flink.streaming.api.operators.OneInputStreamOperator;
import org.apache.flink.streaming.api.operators.Triggerable;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;

/**
 * Groups requests of one model version and per-row input shape into batches, per routing key. A
 * group flushes when it reaches the largest preferred batch size (else {@code max_batch_size})
 * rows, or {@code max_queue_delay} after its first request arrived; high priority goes first.
 *
 * <p>Buffers live on the heap and are flushed before every checkpoint barrier, so a checkpoint
 * never holds a buffered request: each one is either in a batch downstream (whose async operator
 * checkpoints it) or not yet read from Kafka. Timers are deleted when their group flushes.
 */
public class MicroBatchOperator extends AbstractStreamOperator<Batch>
    implements OneInputStreamOperator<ServingRequest, Batch>, Triggerable<String, String> {
  private static final long serialVersionUID = 1L;

  private final int maxModelLabels;
  private transient InternalTimerService<String> timers;
  private transient ModelCounter deadlineExceeded;

  /** routing key -> batch group -> buffer. */
  private transient Map<String, Map<String, GroupBuffer>> buffers;

  /**
   * @param maxModelLabels at most this many models get their own {@code model} label on metrics
   */
  public MicroBatchOperator(int maxModelLabels) {
    this.maxModelLabels = maxModelLabels;
  }

  @Override
  public void open() throws Exception {
    super.open();
    timers = getInternalTimerService("micro-batch-timers", StringSerializer.INSTANCE, this);
    deadlineExceeded = new ModelCounter(getMetricGroup(), "deadlineExceeded", maxModelLabels);
    buffers = new HashMap<>();
  }

  @Override
  public void processElement(StreamRecord<ServingRequest> element) {
    ServingRequest request = element.getValue();
    long now = getProcessingTimeService().getCurrentProcessingTime();
    if (request.expired(now)) {
      reject504(request, now);
      return;
    }
    String key = (String) getCurrentKey();
    Map<String, GroupBuffer> groups = buffers.computeIfAbsent(key, k -> new HashMap<>());
    GroupBuffer buffer = groups.get(request.batchGroup);
    if (buffer == null) {
      buffer = new GroupBuffer(request);
      groups.put(request.batchGroup, buffer);
    }
    if (buffer.isEmpty() && buffer.delayMillis > 0) {
      buffer.timerAt = now + buffer.delayMillis;
      timers.registerProcessingTimeTimer(request.batchGroup, buffer.timerAt);
    }
    buffer.add(request);
    // a zero queue delay means no waiting for company: a timer would still cost a timer tick
    if (buffer.rows >= buffer.flushRows || buffer.delayMillis == 0) {
      flush(key, request.batchGroup, buffer, now);
    }
  }

  @Override
  public void onProcessingTime(InternalTimer<String, String> timer) {
    String key = timer.getKey();
    Map<String, GroupBuffer> groups = buffers.get(key);
    GroupBuffer buffer = groups == null ? null : groups.get(timer.getNamespace());
    if (buffer != null && !buffer.isEmpty() && buffer.timerAt == timer.getTimestamp()) {
      buffer.timerAt = Long.MIN_VALUE; // fired: nothing to delete
      flush(key, timer.getNamespace(), buffer, timer.getTimestamp());
    }
  }

  @Override
  public void onEventTime(InternalTimer<String, String> timer) {}

  @Override
  public void prepareSnapshotPreBarrier(long checkpointId) throws Exception {
    super.prepareSnapshotPreBarrier(checkpointId);
    long now = getProcessingTimeService().getCurrentProcessingTime();
    for (String key : new ArrayList<>(buffers.keySet())) {
      setCurrentKey(key);
      Map<String, GroupBuffer> groups = buffers.get(key);
      for (String group : new ArrayList<>(groups.keySet())) {
        flush(key, group, groups.get(group), now);
      }
    }
  }

  /** Emits everything buffered for the group, in batches of at most max_batch_size rows. */
  private void flush(String key, String group, GroupBuffer buffer, long now) {
    if (buffer.timerAt != Long.MIN_VALUE) {
      timers.deleteProcessingTimeTimer(group, buffer.timerAt);
      buffer.timerAt = Long.MIN_VALUE;
    }
    while (!buffer.isEmpty()) {
      List<ServingRequest> batch = new ArrayList<>();
      long rows = 0;
      for (ServingRequest request = buffer.peek();
          request != null && (batch.isEmpty() || rows + request.rows() <= buffer.maxBatchSize);
          request = buffer.peek()) {
        buffer.poll();
        if (request.expired(now)) {
          reject504(request, now);
          continue;
        }
        batch.add(request);
        rows += request.rows();
      }
      if (!batch.isEmpty()) {
        output.collect(
            new StreamRecord<>(
                new Batch(buffer.target, batch.toArray(new ServingRequest[0]), rows)));
      }
    }
    Map<String, GroupBuffer> groups = buffers.get(key);
    groups.remove(group);
    if (groups.isEmpty()) {
      buffers.remove(key);
    }
  }

  private void reject504(ServingRequest request, long now) {
    deadlineExceeded.inc(request.target.model);
    output.collect(
        OperatorOutputs.REJECTED,
        new StreamRecord<>(
            Replies.error(
                request, ErrorCode.DEADLINE_EXCEEDED, BatchRunner.deadlineMessage(request, now))));
  }

  /** Number of buffered requests over all keys (for tests). */
  int bufferedRequests() {
    int count = 0;
    for (Map<String, GroupBuffer> groups : buffers.values()) {
      for (GroupBuffer buffer : groups.values()) {
        count += buffer.size();
      }
    }
    return count;
  }

  /**
   * Requests of one batch group, by priority, then arrival; batching settings as the router found
   * them for the group's first request.
   */
  private static final class GroupBuffer {
    final ServingTarget target;
    final int maxBatchSize;
    final int flushRows;
    final long delayMillis;
    final ArrayDeque<ServingRequest>[] byPriority;
    long rows;
    long timerAt = Long.MIN_VALUE;

    @SuppressWarnings("unchecked")
    GroupBuffer(ServingRequest first) {
      this.target = first.target;
      this.maxBatchSize = first.maxBatchSize;
      this.flushRows = first.flushRows;
      this.delayMillis = (first.maxQueueDelayMicros + 999) / 1000;
      this.byPriority = new ArrayDeque[Priority.values().length];
      for (int i = 0; i < byPriority.length; i++) {
        byPriority[i] = new ArrayDeque<>();
      }
    }

    void add(ServingRequest request) {
      byPriority[request.priority.ordinal()].add(request);
      rows += request.rows();
    }

    ServingRequest peek() {
      for (ArrayDeque<ServingRequest> queue : byPriority) {
        if (!queue.isEmpty()) {
          return queue.peek();
        }
      }
      return null;
    }

    void poll() {
      for (ArrayDeque<ServingRequest> queue : byPriority) {
        if (!queue.isEmpty()) {
          rows -= queue.poll().rows();
          return;
        }
      }
    }

    boolean isEmpty() {
      return size() == 0;
    }

    int size() {
      int size = 0;
      for (ArrayDeque<ServingRequest> queue : byPriority) {
        size += queue.size();
      }
      return size;
    }
  }
}
