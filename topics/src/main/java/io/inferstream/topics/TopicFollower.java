package io.inferstream.topics;

import java.time.Duration;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.consumer.CloseOptions;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads every partition of one topic from the beginning, then keeps following it, handing each
 * record to a {@link RecordHandler} on the follower's own thread, in offset order per partition.
 *
 * <p><b>Read to end.</b> The end offsets found when the partitions are first assigned are the
 * topic's end at start; {@link #awaitCaughtUp} returns once every record before them has been
 * handled, so a caller serves only a view that holds the whole topic as it was. With a {@code
 * read_committed} consumer those are the last stable offsets.
 *
 * <p><b>Errors.</b> Whatever exception is thrown, the follower does not die and skips nothing: a
 * missing topic, an unreachable broker, a failing poll or a handler that throws make it log the
 * error, seek every partition back to the first record it has not handled, wait (exponential {@link
 * Backoff}) and go on from there. A handler that throws is therefore called again with the same
 * record: it should throw only for failures worth retrying, and skip records it can never use (log
 * and return).
 *
 * <p><b>Stop.</b> {@link #close} wakes the consumer, waits for the thread (up to 10 s) and the
 * thread closes the consumer. No handler call starts once {@code close} has been called; a call in
 * progress that outlasts the wait finishes on its own.
 *
 * <p>The follower owns the consumer it is given: it assigns partitions itself (no group; the
 * consumer needs no {@code group.id} and should not auto-commit), and nothing else may use it. Give
 * it {@code auto.offset.reset=earliest}, so records deleted under it (retention) skip to the oldest
 * left, not past everything.
 */
public final class TopicFollower<K, V> implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(TopicFollower.class);

  private static final Duration POLL_TIMEOUT = Duration.ofSeconds(1);

  /** Bound of one metadata or offset lookup; a lookup that fails is retried after the backoff. */
  private static final Duration LOOKUP_TIMEOUT = Duration.ofSeconds(10);

  private static final Duration STOP_TIMEOUT = Duration.ofSeconds(10);
  private static final Duration CONSUMER_CLOSE_TIMEOUT = Duration.ofSeconds(5);

  /** Handles one record; see the class comment for what throwing means. */
  @FunctionalInterface
  public interface RecordHandler<K, V> {
    void handle(ConsumerRecord<K, V> record) throws Exception;
  }

  /**
   * Waits between retries: {@code initial}, doubling after each failure in a row up to {@code max}.
   */
  public record Backoff(Duration initial, Duration max) {
    /** 100 ms doubling to 5 s. */
    public static final Backoff DEFAULT =
        new Backoff(Duration.ofMillis(100), Duration.ofSeconds(5));

    public Backoff {
      if (initial == null || initial.isNegative() || initial.isZero()) {
        throw new IllegalArgumentException("initial backoff must be positive, was " + initial);
      }
      if (max == null || max.compareTo(initial) < 0) {
        throw new IllegalArgumentException(
            "max backoff must be at least the initial " + initial + ", was " + max);
      }
    }

    Duration after(Duration current) {
      Duration doubled = current.multipliedBy(2);
      return doubled.compareTo(max) > 0 ? max : doubled;
    }
  }

  private final String name;
  private final Consumer<K, V> consumer;
  private final String topic;
  private final RecordHandler<K, V> handler;
  private final Backoff backoff;
  private final Thread thread;
  private final CountDownLatch stopping = new CountDownLatch(1);
  private final CompletableFuture<Void> caughtUp = new CompletableFuture<>();

  /** Per assigned partition, the offset of the first record not handled yet; guarded by itself. */
  private final Map<TopicPartition, Long> positions = new HashMap<>();

  /** The end offsets at the first assignment; only the follower's thread touches it. */
  private Map<TopicPartition, Long> endAtStart;

  private TopicFollower(
      String name,
      Consumer<K, V> consumer,
      String topic,
      RecordHandler<K, V> handler,
      Backoff backoff) {
    this.name = Objects.requireNonNull(name, "name");
    this.consumer = Objects.requireNonNull(consumer, "consumer");
    this.topic = Objects.requireNonNull(topic, "topic");
    this.handler = Objects.requireNonNull(handler, "handler");
    this.backoff = Objects.requireNonNull(backoff, "backoff");
    this.thread = new Thread(this::run, name);
    thread.setDaemon(true);
  }

  /** Starts following {@code topic} with {@link Backoff#DEFAULT}; see the class comment. */
  public static <K, V> TopicFollower<K, V> start(
      String name, Consumer<K, V> consumer, String topic, RecordHandler<K, V> handler) {
    return start(name, consumer, topic, handler, Backoff.DEFAULT);
  }

  /**
   * Starts following {@code topic} on a new thread named {@code name}.
   *
   * @param consumer a consumer only this follower uses from now on; it closes it when it stops
   */
  public static <K, V> TopicFollower<K, V> start(
      String name,
      Consumer<K, V> consumer,
      String topic,
      RecordHandler<K, V> handler,
      Backoff backoff) {
    TopicFollower<K, V> follower = new TopicFollower<>(name, consumer, topic, handler, backoff);
    follower.thread.start();
    return follower;
  }

  /**
   * Waits until every record before the end offsets at start has been handled.
   *
   * @return true once caught up; false if {@code timeout} passed first or the follower stopped
   */
  public boolean awaitCaughtUp(Duration timeout) throws InterruptedException {
    try {
      caughtUp.get(timeout.toNanos(), TimeUnit.NANOSECONDS);
      return true;
    } catch (TimeoutException | ExecutionException e) {
      return false;
    }
  }

  /** The offset of the first record of {@code partition} not handled yet; -1 before assignment. */
  public long position(TopicPartition partition) {
    synchronized (positions) {
      return positions.getOrDefault(partition, -1L);
    }
  }

  /**
   * Waits until every record of {@code partition} before {@code offset} has been handled, e.g. a
   * writer's own record: {@code awaitPosition(partition, writtenOffset + 1, timeout)}.
   *
   * @return true once the position reached {@code offset}; false if {@code timeout} passed first or
   *     the follower stopped
   */
  public boolean awaitPosition(TopicPartition partition, long offset, Duration timeout)
      throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    synchronized (positions) {
      while (positions.getOrDefault(partition, -1L) < offset) {
        long left = deadline - System.nanoTime();
        if (left <= 0 || stopping.getCount() == 0) {
          return false;
        }
        TimeUnit.NANOSECONDS.timedWait(positions, left);
      }
      return true;
    }
  }

  /** Stops the thread (see the class comment); the consumer is closed by then. Idempotent. */
  @Override
  public void close() {
    stopping.countDown();
    synchronized (positions) {
      positions.notifyAll();
    }
    consumer.wakeup();
    if (Thread.currentThread() == thread) {
      return; // a handler closing its own follower: the loop ends after this call
    }
    try {
      thread.join(STOP_TIMEOUT.toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    if (thread.isAlive()) {
      LOG.warn(
          "{}: the follower of topic '{}' did not stop within {} s; it ends after its handler call",
          name,
          topic,
          STOP_TIMEOUT.toSeconds());
    }
  }

  private boolean stopping() {
    return stopping.getCount() == 0;
  }

  private void run() {
    Duration delay = backoff.initial();
    int failuresInARow = 0;
    try {
      while (!stopping()) {
        try {
          if (endAtStart == null) {
            assignFromBeginning();
          }
          pollAndHandle();
          delay = backoff.initial();
          failuresInARow = 0;
        } catch (WakeupException e) {
          // close() woke the consumer; the loop condition ends it
        } catch (Exception e) {
          if (stopping()) {
            break;
          }
          String retry = "{}: error following topic '{}'; retrying in {} ms from the first record";
          if (failuresInARow++ == 0) {
            LOG.warn(retry + " not handled", name, topic, delay.toMillis(), e);
          } else {
            LOG.warn(
                retry + " not handled ({} failures in a row): {}",
                name,
                topic,
                delay.toMillis(),
                failuresInARow,
                e.toString());
          }
          rewind();
          if (stopping.await(delay.toNanos(), TimeUnit.NANOSECONDS)) {
            break;
          }
          delay = backoff.after(delay);
        }
      }
    } catch (InterruptedException e) {
      LOG.debug("{}: interrupted; stopping", name);
    } finally {
      caughtUp.completeExceptionally(new IllegalStateException(name + " stopped"));
      try {
        consumer.close(CloseOptions.timeout(CONSUMER_CLOSE_TIMEOUT));
      } catch (RuntimeException e) {
        LOG.debug("{}: error closing the consumer", name, e);
      }
      synchronized (positions) {
        positions.notifyAll();
      }
    }
  }

  private void assignFromBeginning() {
    List<PartitionInfo> infos = consumer.partitionsFor(topic, LOOKUP_TIMEOUT);
    if (infos == null || infos.isEmpty()) {
      throw new IllegalStateException("topic '" + topic + "' does not exist");
    }
    List<TopicPartition> partitions =
        infos.stream()
            .map(p -> new TopicPartition(p.topic(), p.partition()))
            .sorted(Comparator.comparingInt(TopicPartition::partition))
            .toList();
    consumer.assign(partitions);
    consumer.seekToBeginning(partitions);
    Map<TopicPartition, Long> end = Map.copyOf(consumer.endOffsets(partitions, LOOKUP_TIMEOUT));
    Map<TopicPartition, Long> start = new HashMap<>();
    for (TopicPartition partition : partitions) {
      start.put(partition, consumer.position(partition, LOOKUP_TIMEOUT));
    }
    synchronized (positions) {
      positions.putAll(start);
      positions.notifyAll();
    }
    endAtStart = end;
    LOG.debug("{}: following {} from {} (end at start {})", name, partitions, start, end);
    checkCaughtUp();
  }

  private void pollAndHandle() throws Exception {
    ConsumerRecords<K, V> records = consumer.poll(POLL_TIMEOUT);
    for (TopicPartition partition : records.partitions()) {
      for (ConsumerRecord<K, V> record : records.records(partition)) {
        if (stopping()) {
          return;
        }
        handler.handle(record);
        advance(partition, record.offset() + 1);
      }
    }
    // every record returned is handled: the consumer's positions also step over transaction
    // markers and compacted-away offsets
    for (TopicPartition partition : consumer.assignment()) {
      advance(partition, consumer.position(partition));
    }
    checkCaughtUp();
  }

  private void advance(TopicPartition partition, long position) {
    synchronized (positions) {
      positions.put(partition, position);
      positions.notifyAll();
    }
  }

  /** After an error: the consumer goes back to the first record not handled, in every partition. */
  private void rewind() {
    Map<TopicPartition, Long> handled;
    synchronized (positions) {
      handled = new HashMap<>(positions);
    }
    for (TopicPartition partition : consumer.assignment()) {
      Long position = handled.get(partition);
      if (position != null) {
        consumer.seek(partition, position);
      }
    }
  }

  private void checkCaughtUp() {
    if (caughtUp.isDone()) {
      return;
    }
    synchronized (positions) {
      for (Map.Entry<TopicPartition, Long> end : endAtStart.entrySet()) {
        if (positions.getOrDefault(end.getKey(), -1L) < end.getValue()) {
          return;
        }
      }
    }
    LOG.debug("{}: read topic '{}' to its end at start {}", name, topic, endAtStart);
    caughtUp.complete(null);
  }
}
