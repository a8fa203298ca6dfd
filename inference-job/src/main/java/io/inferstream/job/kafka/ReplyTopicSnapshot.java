package io.inferstream.job.kafka;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The reply topics that exist, with their partition counts, as an immutable snapshot that a
 * background daemon thread replaces: periodically, and early (coalesced, at most once per minimum
 * gap) when a lookup misses. Lookups read the snapshot and never block; what it holds is bounded by
 * what the lister returns, never by the names that callers ask for.
 */
final class ReplyTopicSnapshot implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(ReplyTopicSnapshot.class);

  private final Supplier<Map<String, Integer>> lister;
  private final LongSupplier nanoClock;
  private final long periodNanos;
  private final long minGapNanos;

  private volatile Map<String, Integer> topics = Map.of();

  /** A lookup missed since the last refresh: one early refresh is wanted. */
  private final AtomicBoolean wanted = new AtomicBoolean();

  private volatile boolean closed;
  private volatile Thread refresher;

  /** When the last refresh began; read and written by the refreshing thread only. */
  private long lastRefreshNanos;

  /**
   * @param lister the topics and their partition counts now; may throw (a failed refresh keeps the
   *     last snapshot)
   * @param period how often the snapshot is refreshed without a miss
   * @param minGap the least time between the start of two refreshes when lookups miss
   */
  ReplyTopicSnapshot(
      Supplier<Map<String, Integer>> lister,
      LongSupplier nanoClock,
      Duration period,
      Duration minGap) {
    this.lister = lister;
    this.nanoClock = nanoClock;
    this.periodNanos = period.toNanos();
    this.minGapNanos = minGap.toNanos();
  }

  /** Refreshes once on the calling thread, throwing if that fails, then starts the refresher. */
  void start(String threadName) {
    refreshNow();
    Thread thread = new Thread(this::run, threadName);
    thread.setDaemon(true);
    refresher = thread;
    thread.start();
  }

  /** Partitions of the topic, or -1 when the snapshot does not know it (never blocks). */
  int partitions(String topic) {
    Integer partitions = topics.get(topic);
    if (partitions != null) {
      return partitions;
    }
    if (wanted.compareAndSet(false, true)) {
      Thread thread = refresher;
      if (thread != null) {
        LockSupport.unpark(thread);
      }
    }
    return -1;
  }

  /** Topics the snapshot knows now. */
  int size() {
    return topics.size();
  }

  /** Replaces the snapshot with the lister's answer; throws if the lister does. */
  void refreshNow() {
    wanted.set(false); // a miss from here on asks for the next refresh
    lastRefreshNanos = nanoClock.getAsLong();
    topics = Map.copyOf(lister.get());
  }

  /**
   * Refreshes if one is due — the period has passed, or a lookup missed and the minimum gap has
   * passed — and returns 0; otherwise returns how long until one will be due (a miss can make that
   * sooner). A failed refresh is logged and keeps the last snapshot.
   */
  long refreshIfDue() {
    long sinceLast = nanoClock.getAsLong() - lastRefreshNanos;
    long wait = periodNanos - sinceLast;
    if (wanted.get()) {
      wait = Math.min(wait, minGapNanos - sinceLast);
    }
    if (wait > 0) {
      return wait;
    }
    try {
      refreshNow();
    } catch (RuntimeException e) {
      if (!closed) {
        LOG.warn("Refreshing the reply topics failed; keeping the {} known from before", size(), e);
      }
    }
    return 0;
  }

  private void run() {
    while (!closed) {
      long wait = refreshIfDue();
      if (wait > 0) {
        LockSupport.parkNanos(this, wait);
      }
    }
  }

  /** Stops the refresher (interrupting a refresh under way) and waits a little for it. */
  @Override
  public void close() {
    closed = true;
    Thread thread = refresher;
    if (thread != null) {
      thread.interrupt();
      try {
        thread.join(5_000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }
}
