package io.inferstream.client;

import java.time.Duration;
import java.util.function.Consumer;
import org.apache.kafka.clients.consumer.CloseOptions;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.errors.WakeupException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads the client's reply partition and hands each reply to the pending calls. Owns the consumer
 * from the moment it runs: KafkaConsumer is single-threaded, so only this thread polls and closes
 * it.
 */
final class ReplyListener implements Runnable {
  private static final Logger LOG = LoggerFactory.getLogger(ReplyListener.class);

  /** Only bounds how quickly a stop is noticed; {@link #stop()} also wakes the poll. */
  private static final Duration POLL_TIMEOUT = Duration.ofMillis(500);

  private final KafkaConsumer<byte[], byte[]> consumer;
  private final PendingCalls pending;
  private final Consumer<Throwable> onFailure;
  private volatile boolean running = true;

  ReplyListener(
      KafkaConsumer<byte[], byte[]> consumer, PendingCalls pending, Consumer<Throwable> onFailure) {
    this.consumer = consumer;
    this.pending = pending;
    this.onFailure = onFailure;
  }

  @Override
  public void run() {
    try {
      while (running) {
        for (ConsumerRecord<byte[], byte[]> record : consumer.poll(POLL_TIMEOUT)) {
          pending.complete(InferenceReply.fromRecord(record));
        }
      }
    } catch (WakeupException e) {
      if (running) {
        onFailure.accept(e);
      }
    } catch (RuntimeException | Error e) {
      // Without this thread no call can ever be answered: fail them now rather than at deadline.
      LOG.error("Reply listener stopped; pending and new calls fail", e);
      onFailure.accept(e);
      throw e;
    } finally {
      try {
        consumer.close(CloseOptions.timeout(Duration.ofSeconds(5)));
      } catch (RuntimeException e) {
        LOG.warn("Could not close the reply consumer cleanly", e);
      }
    }
  }

  void stop() {
    running = false;
    consumer.wakeup();
  }
}
