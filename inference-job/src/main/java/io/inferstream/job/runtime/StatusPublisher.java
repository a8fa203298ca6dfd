package io.inferstream.job.runtime;

import io.inferstream.schemas.ModelStatusEvent;

/** Where a task manager reports model loads, unloads, failures and shadow reports. */
public interface StatusPublisher extends AutoCloseable {
  StatusPublisher NONE =
      new StatusPublisher() {
        @Override
        public void publish(ModelStatusEvent event) {}

        @Override
        public void close() {}
      };

  /** Sends without blocking; a lost status event must never fail inference. */
  void publish(ModelStatusEvent event);

  @Override
  void close();
}
