package io.inferstream.job.runtime;

import io.inferstream.job.records.ServingTarget;

/**
 * A loaded session and the batches running on it. Leased per batch ({@link #acquire}, then {@link
 * #close}); once retired (idle, evicted, or the service stopped) it closes when its last batch
 * returns, never under a running one.
 */
public final class LoadedSession implements AutoCloseable {
  private final ServingTarget target;
  private final OnnxBatchModel model;
  private final long estimatedBytes;
  private volatile long lastUsedNanos = System.nanoTime();
  private int inFlight;
  private boolean retired;
  private boolean closed;

  LoadedSession(ServingTarget target, OnnxBatchModel model, long estimatedBytes) {
    this.target = target;
    this.model = model;
    this.estimatedBytes = estimatedBytes;
  }

  public BatchModel model() {
    return model;
  }

  public ServingTarget target() {
    return target;
  }

  /** Takes a lease for one batch; false when the session is already closed. */
  synchronized boolean acquire() {
    if (closed) {
      return false;
    }
    inFlight++;
    lastUsedNanos = System.nanoTime();
    return true;
  }

  /** Returns the lease. */
  @Override
  public synchronized void close() {
    inFlight--;
    lastUsedNanos = System.nanoTime();
    if (retired && inFlight == 0) {
      closeSession();
    }
  }

  synchronized void retire() {
    retired = true;
    if (inFlight == 0) {
      closeSession();
    }
  }

  synchronized int inFlight() {
    return inFlight;
  }

  synchronized boolean isClosed() {
    return closed;
  }

  long lastUsedNanos() {
    return lastUsedNanos;
  }

  long estimatedBytes() {
    return estimatedBytes;
  }

  private void closeSession() {
    if (!closed) {
      closed = true;
      model.close();
    }
  }
}
