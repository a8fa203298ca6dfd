package io.inferstream.bench;

import io.inferstream.client.InferenceCall;
import io.inferstream.client.InferenceClient;
import io.inferstream.client.InferenceReply;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;

/**
 * Sends the payload through a set of {@link InferenceClient}s (round robin, one reply partition
 * each) and records what comes back, in one of two modes:
 *
 * <ul>
 *   <li><b>open loop</b> at a target rate: request {@code i} is due at {@code start + i / rate};
 *       the sender sends whatever is due, then parks until the next one is. Replies never slow the
 *       schedule, and latency counts from the intended send time (coordinated-omission-free).
 *   <li><b>closed loop</b>: at most {@code inFlight} requests outstanding, a new one as soon as one
 *       finishes; the achieved rate is the system's maximum throughput, and latency counts from the
 *       actual send.
 * </ul>
 *
 * A run is a warmup followed, without a pause, by the measured window; each request belongs to the
 * part in which it was (meant to be) sent. Throughput counts successful replies that arrive inside
 * the measured window; latency histograms cover every request sent in it, including those answered
 * after it closed (the run waits for them).
 */
final class LoadGenerator {
  /** How the generator paces requests. */
  record Mode(double ratePerSecond, int inFlight) {
    static Mode openLoop(double ratePerSecond) {
      return new Mode(ratePerSecond, 0);
    }

    static Mode closedLoop(int inFlight) {
      if (inFlight < 1) {
        throw new IllegalArgumentException("--in-flight must be >= 1, was " + inFlight);
      }
      return new Mode(0, inFlight);
    }

    boolean open() {
      return ratePerSecond > 0;
    }
  }

  /** The measured part of a run. */
  record Result(
      PhaseStats.Snapshot stats,
      double windowSeconds,
      long okInWindow,
      double drainSeconds,
      long unfinished) {
    double achievedPerSecond() {
      return okInWindow / windowSeconds;
    }
  }

  private final List<InferenceClient> clients;
  private final RequestPayload payload;
  private final boolean encodeEachCall;
  private final int timingsEvery;
  private final Duration drainTimeout;
  private final String idPrefix;
  private long sequence;

  LoadGenerator(
      List<InferenceClient> clients,
      RequestPayload payload,
      boolean encodeEachCall,
      int timingsEvery,
      Duration drainTimeout,
      String idPrefix) {
    if (clients.isEmpty()) {
      throw new IllegalArgumentException("at least one client is needed");
    }
    if (timingsEvery < 1) {
      throw new IllegalArgumentException("--timings-every must be >= 1, was " + timingsEvery);
    }
    this.clients = List.copyOf(clients);
    this.payload = payload;
    this.encodeEachCall = encodeEachCall;
    this.timingsEvery = timingsEvery;
    this.drainTimeout = drainTimeout;
    this.idPrefix = idPrefix;
  }

  /** Called at the measured window's start and end, from a timer thread of the generator. */
  interface WindowListener {
    void windowStarted();

    void windowEnded();
  }

  Result run(Mode mode, Duration warmup, Duration duration) {
    return run(mode, warmup, duration, null);
  }

  Result run(Mode mode, Duration warmup, Duration duration, WindowListener listener) {
    PhaseStats warm = new PhaseStats();
    PhaseStats measured = new PhaseStats();
    LongAdder okInWindow = new LongAdder();
    long start = System.nanoTime();
    long windowStart = start + warmup.toNanos();
    long windowEnd = windowStart + duration.toNanos();
    Window window = new Window(windowStart, windowEnd, okInWindow);
    Thread timer = listener == null ? null : windowTimer(window, listener);
    if (mode.open()) {
      openLoop(new OpenLoopSchedule(start, mode.ratePerSecond()), warm, measured, window);
    } else {
      closedLoop(mode.inFlight(), warm, measured, window);
    }
    long sendingStopped = System.nanoTime();
    if (timer != null) {
      try {
        timer.join();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    long unfinished = drain(List.of(warm, measured));
    double drainSeconds = (System.nanoTime() - Math.max(sendingStopped, windowEnd)) / 1e9;
    return new Result(
        measured.snapshot(),
        duration.toNanos() / 1e9,
        okInWindow.sum(),
        Math.max(0, drainSeconds),
        unfinished);
  }

  private record Window(long start, long end, LongAdder ok) {
    void count(long finishedNanos) {
      if (finishedNanos >= start && finishedNanos < end) {
        ok.increment();
      }
    }
  }

  private static Thread windowTimer(Window window, WindowListener listener) {
    Thread timer =
        new Thread(
            () -> {
              sleepUntil(window.start());
              listener.windowStarted();
              sleepUntil(window.end());
              listener.windowEnded();
            },
            "benchmark-window");
    timer.setDaemon(true);
    timer.start();
    return timer;
  }

  private static void sleepUntil(long nanos) {
    for (long wait = nanos - System.nanoTime(); wait > 0; wait = nanos - System.nanoTime()) {
      LockSupport.parkNanos(wait);
    }
  }

  private void openLoop(
      OpenLoopSchedule schedule, PhaseStats warm, PhaseStats measured, Window window) {
    long total = schedule.countBefore(window.end());
    long next = 0;
    while (next < total) {
      long due = Math.min(total, schedule.dueCount(System.nanoTime()));
      for (; next < due; next++) {
        long intended = schedule.intendedNanos(next);
        send(intended < window.start() ? warm : measured, intended, window, null);
      }
      if (next < total) {
        long wait = schedule.intendedNanos(next) - System.nanoTime();
        if (wait > 0) {
          // Parking overshoots by tens of microseconds; that is charged to the request's latency.
          LockSupport.parkNanos(wait);
        }
      }
    }
  }

  private void closedLoop(int inFlight, PhaseStats warm, PhaseStats measured, Window window) {
    Semaphore permits = new Semaphore(inFlight);
    while (true) {
      try {
        if (!permits.tryAcquire(10, TimeUnit.MILLISECONDS)) {
          if (System.nanoTime() >= window.end()) {
            return;
          }
          continue;
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
      long now = System.nanoTime();
      if (now >= window.end()) {
        permits.release();
        return;
      }
      send(now < window.start() ? warm : measured, now, window, permits::release);
    }
  }

  private void send(PhaseStats stats, long fromNanos, Window window, Runnable onFinished) {
    long seq = sequence++;
    InferenceClient client = clients.get((int) (seq % clients.size()));
    String requestId = idPrefix + seq;
    boolean decodeTimings = seq % timingsEvery == 0;
    stats.sent();
    CompletableFuture<InferenceReply> reply;
    try {
      reply =
          encodeEachCall
              ? client.sendAsync(
                  InferenceCall.builder()
                      .model(payload.model())
                      .requestId(requestId)
                      .request(payload.request())
                      .binary(payload.format() == RequestPayload.Format.BINARY)
                      .build())
              : client.sendRaw(requestId, payload.body(), payload.headers());
    } catch (RuntimeException e) {
      reply = CompletableFuture.failedFuture(e);
    }
    reply.whenComplete(
        (r, failure) -> {
          long now = System.nanoTime();
          if (stats.complete(r, failure, now - fromNanos, decodeTimings)) {
            window.count(now);
          }
          if (onFinished != null) {
            onFinished.run();
          }
        });
  }

  /** Waits until every request sent has finished, or the drain timeout; returns the stragglers. */
  private long drain(List<PhaseStats> phases) {
    long deadline = System.nanoTime() + drainTimeout.toNanos();
    while (true) {
      long unfinished = 0;
      for (PhaseStats phase : phases) {
        unfinished += phase.sentCount() - phase.finishedCount();
      }
      if (unfinished == 0 || System.nanoTime() >= deadline) {
        return unfinished;
      }
      LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(5));
    }
  }
}
