package io.inferstream.job.metrics;

/** What a batch runner reports, per model; called from the inference threads. */
public interface BatchMetrics {
  BatchMetrics NONE =
      new BatchMetrics() {
        @Override
        public void ran(String model, long rows, int requests, long inferenceMicros) {}

        @Override
        public void queued(String model, long queueMicros) {}

        @Override
        public void deadlineExceeded(String model) {}
      };

  /** One model run over {@code requests} requests with {@code rows} rows in all. */
  void ran(String model, long rows, int requests, long inferenceMicros);

  /** A request waited this long between arriving at the job and its batch starting. */
  void queued(String model, long queueMicros);

  /** A request was answered 504 instead of running. */
  void deadlineExceeded(String model);
}
