package io.inferstream.bench;

import io.inferstream.client.InferenceReply;
import io.inferstream.client.InferenceTimeoutException;
import io.inferstream.schemas.InferenceResponse;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.LongAdder;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

/**
 * What the requests of one phase saw. Written concurrently by the clients' reply threads (wait-free
 * {@link Recorder}s and adders), read once when the phase has drained.
 */
final class PhaseStats {
  /** One hour in microseconds: anything slower is recorded as one hour. */
  static final long HIGHEST_MICROS = 3_600_000_000L;

  private static final int SIGNIFICANT_DIGITS = 3;

  private final Recorder endToEnd = newRecorder();
  private final Recorder added = newRecorder();
  private final Recorder queue = newRecorder();
  private final Recorder inference = newRecorder();
  private final Recorder batchSize = newRecorder();
  private final LongAdder sent = new LongAdder();
  private final LongAdder ok = new LongAdder();
  private final LongAdder errors = new LongAdder();
  private final LongAdder timeouts = new LongAdder();
  private final Map<String, LongAdder> errorKinds = new ConcurrentHashMap<>();
  private final AtomicReference<String> firstError = new AtomicReference<>();

  void sent() {
    sent.increment();
  }

  /**
   * Records one finished request.
   *
   * @param latencyNanos from the intended (open loop) or actual (closed loop) send time
   * @param decodeTimings whether to decode the reply body for the server's timings
   * @return whether the request succeeded
   */
  boolean complete(
      InferenceReply reply, Throwable failure, long latencyNanos, boolean decodeTimings) {
    if (failure != null) {
      Throwable cause = unwrap(failure);
      if (cause instanceof InferenceTimeoutException) {
        timeouts.increment();
      } else {
        errors.increment();
        countError(cause.getClass().getSimpleName(), String.valueOf(cause.getMessage()));
      }
      return false;
    }
    if (!reply.ok()) {
      errors.increment();
      String message;
      try {
        message = reply.error().error();
      } catch (RuntimeException e) {
        message = "undecodable error body";
      }
      countError("status " + reply.status(), message);
      return false;
    }
    long e2eMicros = latencyNanos / 1000;
    endToEnd.recordValue(clamp(e2eMicros));
    ok.increment();
    if (decodeTimings) {
      try {
        InferenceResponse response = reply.response();
        long queueMicros = response.longParameter(InferenceResponse.QUEUE_MICROS);
        long inferenceMicros = response.longParameter(InferenceResponse.INFERENCE_MICROS);
        long rows = response.longParameter(InferenceResponse.BATCH_SIZE);
        if (queueMicros >= 0) {
          queue.recordValue(clamp(queueMicros));
        }
        if (inferenceMicros >= 0) {
          inference.recordValue(clamp(inferenceMicros));
          added.recordValue(clamp(Math.max(0, e2eMicros - inferenceMicros)));
        }
        if (rows >= 0) {
          batchSize.recordValue(clamp(rows));
        }
      } catch (RuntimeException e) {
        countError("undecodable response", String.valueOf(e.getMessage()));
      }
    }
    return true;
  }

  long sentCount() {
    return sent.sum();
  }

  long finishedCount() {
    return ok.sum() + errors.sum() + timeouts.sum();
  }

  /** A copy of everything recorded so far; call once the phase has drained. */
  Snapshot snapshot() {
    Map<String, Long> kinds = new TreeMap<>();
    errorKinds.forEach((kind, count) -> kinds.put(kind, count.sum()));
    return new Snapshot(
        sent.sum(),
        ok.sum(),
        errors.sum(),
        timeouts.sum(),
        endToEnd.getIntervalHistogram(),
        added.getIntervalHistogram(),
        queue.getIntervalHistogram(),
        inference.getIntervalHistogram(),
        batchSize.getIntervalHistogram(),
        kinds,
        firstError.get());
  }

  /** The phase's counts and histograms (microseconds; batch size in rows). */
  record Snapshot(
      long sent,
      long ok,
      long errors,
      long timeouts,
      Histogram endToEnd,
      Histogram added,
      Histogram queue,
      Histogram inference,
      Histogram batchSize,
      Map<String, Long> errorKinds,
      String firstError) {}

  private void countError(String kind, String message) {
    errorKinds.computeIfAbsent(kind, k -> new LongAdder()).increment();
    firstError.compareAndSet(null, kind + ": " + message);
  }

  private static Throwable unwrap(Throwable failure) {
    Throwable cause = failure;
    while ((cause instanceof CompletionException || cause instanceof ExecutionException)
        && cause.getCause() != null) {
      cause = cause.getCause();
    }
    return cause;
  }

  private static long clamp(long micros) {
    return Math.max(0, Math.min(HIGHEST_MICROS, micros));
  }

  private static Recorder newRecorder() {
    return new Recorder(HIGHEST_MICROS, SIGNIFICANT_DIGITS);
  }
}
