package io.inferstream.schemas;

import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import java.io.Serializable;
import java.util.List;

/**
 * Dynamic batching settings, named as Triton names them. {@code maxBatchSize} counts rows (the
 * first dimension); reaching the largest {@code preferredBatchSize} flushes at once; {@code
 * maxQueueDelayMicroseconds} bounds how long the first buffered request waits.
 */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
public record BatchingConfig(
    int maxBatchSize, List<Integer> preferredBatchSize, long maxQueueDelayMicroseconds)
    implements Serializable {

  public BatchingConfig {
    preferredBatchSize = preferredBatchSize == null ? List.of() : List.copyOf(preferredBatchSize);
    if (maxBatchSize < 1) {
      throw new IllegalArgumentException("max_batch_size must be >= 1, got " + maxBatchSize);
    }
    if (maxQueueDelayMicroseconds < 0) {
      throw new IllegalArgumentException(
          "max_queue_delay_microseconds must be >= 0, got " + maxQueueDelayMicroseconds);
    }
    for (int preferred : preferredBatchSize) {
      if (preferred < 1 || preferred > maxBatchSize) {
        throw new IllegalArgumentException(
            "preferred_batch_size " + preferred + " must be within 1.." + maxBatchSize);
      }
    }
  }

  /** Rows at which a buffer flushes at once: the largest preferred size, else the maximum. */
  public int flushRows() {
    int largest = 0;
    for (int preferred : preferredBatchSize) {
      largest = Math.max(largest, preferred);
    }
    return largest > 0 ? largest : maxBatchSize;
  }
}
