package io.inferstream.job.metrics;

import io.inferstream.schemas.ModelStatusEvent;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.Histogram;
import org.apache.flink.metrics.MeterView;
import org.apache.flink.metrics.MetricGroup;
import org.apache.flink.metrics.ThreadSafeSimpleCounter;

/**
 * The inference operator's metrics, under the {@code inferstream} group with a {@code model} label
 * (bounded by {@link ModelLabels}):
 *
 * <ul>
 *   <li>{@code batchSize}: histogram of the rows in the batch each request ran in (one sample per
 *       request, so its count is the number of requests that ran);
 *   <li>{@code queueDelayMicros}: histogram, per request, from arrival at the job to the batch
 *       starting;
 *   <li>{@code inferenceMicros}: histogram, per model run;
 *   <li>{@code rows}, {@code batches} (counters) and {@code rowsPerSecond} (meter);
 *   <li>{@code deadlineExceeded}: requests answered 504 by this operator;
 *   <li>{@code modelLoads}, {@code modelLoadFailures}, {@code modelUnloads}: session events of this
 *       task manager, and {@code sessions} with a {@code device} label: loaded sessions per device,
 *       which shows where each model runs.
 * </ul>
 *
 * <p>Session events are task-manager wide; the inference service hands them to one subtask per task
 * manager, so summing over subtasks counts each event once.
 */
public final class InferenceMetrics implements BatchMetrics, Consumer<ModelStatusEvent> {
  public static final String GROUP = "inferstream";

  private final ModelLabels<ModelMetrics> models;

  public InferenceMetrics(MetricGroup operatorGroup, int maxModels) {
    MetricGroup group = operatorGroup.addGroup(GROUP);
    this.models = new ModelLabels<>(group, maxModels, ModelMetrics::new);
  }

  @Override
  public void ran(String model, long rows, int requests, long inferenceMicros) {
    ModelMetrics metrics = models.of(model);
    for (int i = 0; i < requests; i++) {
      metrics.batchSize.update(rows);
    }
    metrics.rows.inc(rows);
    metrics.batches.inc();
    metrics.inferenceMicros.update(inferenceMicros);
  }

  @Override
  public void queued(String model, long queueMicros) {
    models.of(model).queueDelayMicros.update(queueMicros);
  }

  @Override
  public void deadlineExceeded(String model) {
    models.of(model).deadlineExceeded.inc();
  }

  /** A session event of this task manager's inference service. */
  @Override
  public void accept(ModelStatusEvent event) {
    ModelMetrics metrics = models.of(event.model());
    switch (event.state()) {
      case READY -> {
        metrics.loads.inc();
        metrics.sessionsOn(event.device()).incrementAndGet();
      }
      case FAILED -> metrics.loadFailures.inc();
      case UNLOADED -> {
        metrics.unloads.inc();
        if (event.device() != null) {
          metrics.sessionsOn(event.device()).decrementAndGet();
        }
      }
      default -> {}
    }
  }

  private static final class ModelMetrics {
    final MetricGroup group;
    final Histogram batchSize;
    final Histogram queueDelayMicros;
    final Histogram inferenceMicros;
    final Counter rows;
    final Counter batches;
    final Counter deadlineExceeded;
    final Counter loads;
    final Counter loadFailures;
    final Counter unloads;
    final Map<String, AtomicInteger> sessions = new ConcurrentHashMap<>();

    ModelMetrics(MetricGroup group) {
      this.group = group;
      batchSize = group.histogram("batchSize", new SynchronizedHistogram());
      queueDelayMicros = group.histogram("queueDelayMicros", new SynchronizedHistogram());
      inferenceMicros = group.histogram("inferenceMicros", new SynchronizedHistogram());
      rows = group.counter("rows", new ThreadSafeSimpleCounter());
      group.meter("rowsPerSecond", new MeterView(rows));
      batches = group.counter("batches", new ThreadSafeSimpleCounter());
      deadlineExceeded = group.counter("deadlineExceeded", new ThreadSafeSimpleCounter());
      loads = group.counter("modelLoads", new ThreadSafeSimpleCounter());
      loadFailures = group.counter("modelLoadFailures", new ThreadSafeSimpleCounter());
      unloads = group.counter("modelUnloads", new ThreadSafeSimpleCounter());
    }

    AtomicInteger sessionsOn(String device) {
      return sessions.computeIfAbsent(
          device,
          d -> {
            AtomicInteger count = new AtomicInteger();
            group.addGroup("device", d).gauge("sessions", count::get);
            return count;
          });
    }
  }
}
