package io.inferstream.bench;

/**
 * When each request of an open-loop run is meant to be sent: request {@code i} at {@code start + i
 * / rate}. The times depend only on the start, the rate and the index, never on when earlier
 * requests actually went out, so a sender that falls behind catches up instead of slowing the
 * schedule down, and latency measured from {@link #intendedNanos} includes the time a request
 * waited to be sent (no coordinated omission).
 */
final class OpenLoopSchedule {
  private static final double NANOS_PER_SECOND = 1_000_000_000.0;

  private final long startNanos;
  private final double ratePerSecond;

  OpenLoopSchedule(long startNanos, double ratePerSecond) {
    if (!(ratePerSecond > 0) || Double.isInfinite(ratePerSecond)) {
      throw new IllegalArgumentException("rate must be a positive number, was " + ratePerSecond);
    }
    this.startNanos = startNanos;
    this.ratePerSecond = ratePerSecond;
  }

  /** The time request {@code index} (from 0) is meant to be sent, in {@link System#nanoTime}. */
  long intendedNanos(long index) {
    if (index < 0) {
      throw new IllegalArgumentException("index must be >= 0, was " + index);
    }
    // From the index, not by adding a rounded period: no drift over millions of requests.
    return startNanos + (long) Math.floor(index * NANOS_PER_SECOND / ratePerSecond);
  }

  /** How many requests are due at {@code nowNanos}: those whose intended time is not after it. */
  long dueCount(long nowNanos) {
    if (nowNanos < startNanos) {
      return 0;
    }
    long count = (long) Math.floor((nowNanos - startNanos) * ratePerSecond / NANOS_PER_SECOND) + 1;
    // Floating point may be one off at an exact boundary; settle it against intendedNanos.
    while (count > 0 && intendedNanos(count - 1) > nowNanos) {
      count--;
    }
    while (intendedNanos(count) <= nowNanos) {
      count++;
    }
    return count;
  }

  /** How many requests are intended before {@code endNanos} (exclusive): the run's total. */
  long countBefore(long endNanos) {
    return endNanos <= startNanos ? 0 : dueCount(endNanos - 1);
  }
}
