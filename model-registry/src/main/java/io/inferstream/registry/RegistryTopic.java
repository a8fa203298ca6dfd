package io.inferstream.registry;

import io.inferstream.schemas.ModelSpec;
import io.inferstream.schemas.RegistryKeys;
import io.inferstream.topics.InferenceTopics;
import io.inferstream.topics.TopicFollower;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.Collections;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.UnaryOperator;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.InvalidProducerEpochException;
import org.apache.kafka.common.errors.ProducerFencedException;
import org.apache.kafka.common.errors.TransactionalIdAuthorizationException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The registry topic as a database. On {@link #start} it takes the writer role (its transactional
 * producer's {@code initTransactions()} fences any earlier instance with the same {@code
 * transactional.id}), then a {@link TopicFollower} reads the topic from the beginning to its end
 * offset and keeps following it, keeping the in-memory view current. A write publishes the whole
 * next spec in a transaction and returns once the follower has read it back, so a read after a
 * write sees it.
 */
final class RegistryTopic implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(RegistryTopic.class);

  /** The outcome of a write: the spec now stored (null after a delete) and its revision. */
  record Written(ModelSpec spec, long revision, boolean published) {}

  /** Client ids must differ between instances in one JVM (their metrics are registered by id). */
  private static final AtomicInteger INSTANCES = new AtomicInteger();

  private final RegistrySettings settings;
  private final TopicPartition partition;
  private final int instance = INSTANCES.incrementAndGet();
  private final Map<String, ModelSpec> models = new ConcurrentHashMap<>();

  /** Highest revision seen per name, deleted models included (a tombstone counts as one). */
  private final Map<String, Long> lastRevisions = new ConcurrentHashMap<>();

  private final ReentrantLock writeLock = new ReentrantLock();

  private KafkaProducer<String, byte[]> producer;
  private TopicFollower<String, byte[]> follower;
  private volatile boolean ready;
  private volatile String readOnlyReason;

  RegistryTopic(RegistrySettings settings) {
    this.settings = settings;
    this.partition = new TopicPartition(settings.registryTopic(), 0);
  }

  /** Takes the writer role, reads the topic to its end, and starts following it. */
  void start() {
    producer = newProducer();
    try {
      producer.initTransactions();
    } catch (KafkaException e) {
      throw new IllegalStateException(
          "cannot initialise the registry's transactional producer ('"
              + settings.transactionalId()
              + "') at "
              + settings.bootstrapServers()
              + ": "
              + e.getMessage(),
          e);
    }
    long started = System.nanoTime();
    follower =
        TopicFollower.start(
            "inferstream-registry-follower", newConsumer(), partition.topic(), this::apply);
    boolean caughtUp;
    try {
      caughtUp = follower.awaitCaughtUp(settings.startupTimeout());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while reading the registry topic", e);
    }
    if (!caughtUp) {
      throw new IllegalStateException(
          "could not read registry topic '"
              + settings.registryTopic()
              + "' to its end within "
              + settings.startupTimeout().toSeconds()
              + " s (reached offset "
              + follower.position(partition)
              + ")");
    }
    LOG.info(
        "Read registry topic '{}' to offset {} in {} ms: {} models",
        settings.registryTopic(),
        follower.position(partition),
        TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started),
        models.size());
    ready = true;
  }

  boolean ready() {
    return ready;
  }

  /** Why this instance cannot write (fenced by a newer one, or its producer failed), else null. */
  String readOnlyReason() {
    return readOnlyReason;
  }

  ModelSpec model(String name) {
    return models.get(name);
  }

  /** Every model, by name. */
  Map<String, ModelSpec> models() {
    return Collections.unmodifiableMap(new TreeMap<>(models));
  }

  /**
   * Applies {@code edit} to the current spec of {@code name} (null if none) and publishes the
   * result with the next revision; a null result publishes a tombstone. An edit that returns the
   * current spec itself changes nothing and publishes nothing. Writes are serialised; refusals
   * thrown by the edit ({@link RegistryException}) publish nothing.
   */
  Written write(String name, UnaryOperator<ModelSpec> edit) {
    if (!ready) {
      throw RegistryException.unavailable("the registry is still reading its topic; retry shortly");
    }
    try {
      if (!writeLock.tryLock(settings.writeTimeout().toMillis(), TimeUnit.MILLISECONDS)) {
        throw RegistryException.unavailable(
            "the registry is busy with other writes; retry shortly");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw RegistryException.unavailable("interrupted while waiting to write");
    }
    try {
      requireWritable();
      ModelSpec current = models.get(name);
      ModelSpec edited = edit.apply(current);
      if (edited == current) {
        return new Written(current, current == null ? 0 : current.revision(), false);
      }
      long revision = ModelEdits.nextRevision(current, lastRevisions.getOrDefault(name, 0L));
      ModelSpec next = edited == null ? null : edited.withRevision(revision);
      byte[] value;
      try {
        value = next == null ? null : Json.TOPIC.writeValueAsBytes(next);
      } catch (IOException e) {
        throw new IllegalStateException("cannot serialise the spec of model '" + name + "'", e);
      }
      long offset = publish(RegistryKeys.model(name), value);
      awaitReadBack(offset, revision);
      if (next == null) {
        // the follower saw the tombstone; make sure the deleted revision is remembered
        lastRevisions.merge(name, revision, Math::max);
      }
      return new Written(next, revision, true);
    } finally {
      writeLock.unlock();
    }
  }

  private void requireWritable() {
    String reason = readOnlyReason;
    if (reason != null) {
      throw RegistryException.unavailable(reason);
    }
  }

  private long publish(String key, byte[] value) {
    try {
      producer.beginTransaction();
      Future<RecordMetadata> sent =
          producer.send(new ProducerRecord<>(partition.topic(), partition.partition(), key, value));
      producer.commitTransaction();
      return sent.get().offset();
    } catch (ProducerFencedException
        | InvalidProducerEpochException
        | TransactionalIdAuthorizationException e) {
      throw readOnly(e);
    } catch (KafkaException | ExecutionException e) {
      Throwable cause = e instanceof ExecutionException ? e.getCause() : e;
      if (isFenced(cause)) {
        throw readOnly(cause);
      }
      try {
        producer.abortTransaction();
      } catch (KafkaException abortFailed) {
        if (isFenced(abortFailed)) {
          throw readOnly(abortFailed);
        }
        LOG.error(
            "Could not abort the registry transaction; this instance stops writing", abortFailed);
        readOnlyReason =
            "this registry instance stopped writing after a Kafka error it cannot recover from ("
                + abortFailed.getMessage()
                + "); restart it";
        closeProducer();
      }
      throw new RegistryException(
          503,
          "could not publish to Kafka topic '" + partition.topic() + "': " + cause.getMessage(),
          cause);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw RegistryException.unavailable("interrupted while publishing");
    }
  }

  private RegistryException readOnly(Throwable cause) {
    readOnlyReason =
        "this registry instance is read-only: another registry instance with transactional.id '"
            + settings.transactionalId()
            + "' took over writing at "
            + Instant.now()
            + " (it fenced this one); send writes to the newer instance";
    LOG.warn("Fenced: {} ({})", readOnlyReason, cause.toString());
    closeProducer();
    return new RegistryException(503, readOnlyReason, cause);
  }

  private static boolean isFenced(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof ProducerFencedException
          || t instanceof InvalidProducerEpochException
          || t instanceof TransactionalIdAuthorizationException) {
        return true;
      }
    }
    return false;
  }

  private void awaitReadBack(long offset, long revision) {
    boolean readBack;
    try {
      readBack = follower.awaitPosition(partition, offset + 1, settings.writeTimeout());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw RegistryException.unavailable("interrupted while reading the write back");
    }
    if (!readBack) {
      throw RegistryException.unavailable(
          "revision "
              + revision
              + " was published at offset "
              + offset
              + " but not read back within "
              + settings.writeTimeout().toSeconds()
              + " s; it will show once the registry catches up");
    }
  }

  /** Folds one record into the view; unreadable records are logged and skipped, never retried. */
  private void apply(ConsumerRecord<String, byte[]> record) {
    String name = RegistryKeys.modelName(record.key());
    if (name == null) {
      return; // tenants and other kinds of records are not models
    }
    if (record.value() == null) {
      ModelSpec removed = models.remove(name);
      long deletedAt = removed == null ? 0 : removed.revision() + 1;
      lastRevisions.merge(name, deletedAt, Math::max);
      return;
    }
    ModelSpec spec;
    try {
      spec = Json.LENIENT.readValue(record.value(), ModelSpec.class);
    } catch (IOException | RuntimeException e) {
      LOG.warn(
          "Skipping unreadable registry record {} at offset {}: {}",
          record.key(),
          record.offset(),
          e.getMessage());
      return;
    }
    if (!name.equals(spec.name())) {
      LOG.warn(
          "Skipping registry record at offset {}: key {} holds a spec named '{}'",
          record.offset(),
          record.key(),
          spec.name());
      return;
    }
    models.put(name, spec);
    lastRevisions.merge(name, spec.revision(), Math::max);
  }

  private KafkaProducer<String, byte[]> newProducer() {
    Map<String, Object> own =
        Map.of(
            ProducerConfig.CLIENT_ID_CONFIG,
            "inferstream-registry-writer-" + instance,
            ProducerConfig.TRANSACTIONAL_ID_CONFIG,
            settings.transactionalId(),
            ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG,
            true,
            ProducerConfig.ACKS_CONFIG,
            "all",
            ProducerConfig.LINGER_MS_CONFIG,
            0,
            ProducerConfig.MAX_REQUEST_SIZE_CONFIG,
            InferenceTopics.MAX_RECORD_BYTES,
            ProducerConfig.MAX_BLOCK_MS_CONFIG,
            settings.writeTimeout().toMillis());
    return new KafkaProducer<>(
        KafkaSupport.properties(settings, own), new StringSerializer(), new ByteArraySerializer());
  }

  private KafkaConsumer<String, byte[]> newConsumer() {
    Map<String, Object> own =
        Map.of(
            ConsumerConfig.CLIENT_ID_CONFIG,
            "inferstream-registry-reader-" + instance,
            ConsumerConfig.ISOLATION_LEVEL_CONFIG,
            "read_committed",
            ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG,
            false,
            ConsumerConfig.AUTO_OFFSET_RESET_CONFIG,
            "earliest",
            ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG,
            InferenceTopics.MAX_RECORD_BYTES);
    return new KafkaConsumer<>(
        KafkaSupport.properties(settings, own),
        new StringDeserializer(),
        new ByteArrayDeserializer());
  }

  private void closeProducer() {
    KafkaProducer<String, byte[]> p = producer;
    if (p != null) {
      try {
        p.close(Duration.ZERO);
      } catch (RuntimeException e) {
        LOG.debug("Error closing the registry producer", e);
      }
    }
  }

  @Override
  public void close() {
    ready = false;
    if (follower != null) {
      follower.close();
    }
    // under the write lock, so a write in progress finishes (or times out) before the producer goes
    boolean locked = false;
    try {
      locked = writeLock.tryLock(settings.writeTimeout().toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    try {
      if (producer != null) {
        try {
          producer.close(Duration.ofSeconds(5));
        } catch (RuntimeException e) {
          LOG.debug("Error closing the registry producer", e);
        }
      }
    } finally {
      if (locked) {
        writeLock.unlock();
      }
    }
  }
}
