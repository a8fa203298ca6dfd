package io.inferstream.job.runtime;

import io.inferstream.job.kafka.KafkaStatusPublisher;
import io.inferstream.job.records.ServingTarget;
import io.inferstream.schemas.Device;
import io.inferstream.schemas.ModelStatusEvent;
import java.io.Serializable;
import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The task manager's inference resources, shared by all slots of a job: one bounded executor for
 * batches, and the session cache. Sessions are keyed by artifact sha256 and device, fetched and
 * verified through the {@link ArtifactCache}, loaded lazily by the first batch or ahead of traffic
 * by {@link #preload}, closed when idle or when the memory budget needs room — and in both cases
 * only once their running batches have drained. Loads, unloads and failures go to the {@code
 * model-status} topic.
 *
 * <p>Reference-counted: the last operator to close shuts the executors down and closes the
 * sessions, so a cancelled job leaves nothing behind.
 */
public final class InferenceService {
  private static final Logger LOG = LoggerFactory.getLogger(InferenceService.class);

  /** A failed load is retried after this long, not on every batch. */
  public static final long FAILED_LOAD_RETRY_MILLIS = 30_000;

  /** Who reports status events: this task manager's JVM. */
  private static final String TASK_MANAGER = ManagementFactory.getRuntimeMXBean().getName();

  private static InferenceService shared;
  private static int references;

  /**
   * What the service needs from the job's options.
   *
   * @param loadWaitMillis how long a batch waits for a load under way on another thread before it
   *     is answered 503 (the job passes {@code inference.async.timeout}: by then Flink has answered
   *     the batch 504 anyway, and the inference thread is better freed)
   * @param failedLoadRetryMillis how long a failed load is remembered (its batches answered 503 at
   *     once) before the next batch tries again; {@link #FAILED_LOAD_RETRY_MILLIS} in the job
   */
  public record Settings(
      int threads,
      int intraOpThreads,
      String fetcherClass,
      String cacheDir,
      String bootstrapServers,
      String statusTopic,
      long defaultIdleUnloadMillis,
      long memoryBudgetBytes,
      double memoryFactor,
      long loadWaitMillis,
      long failedLoadRetryMillis)
      implements Serializable {}

  private final Settings settings;
  private final ExecutorService executor;
  private final ExecutorService loads;
  private final ScheduledExecutorService janitor;
  private final OnnxModelLoader loader;
  private final ArtifactCache artifacts;
  private final StatusPublisher status;
  private final Map<String, Entry> sessions = new ConcurrentHashMap<>();

  /** Who is told of session events besides the status topic: one subtask's metrics, or null. */
  private volatile Consumer<ModelStatusEvent> sessionObserver;

  /**
   * A session being loaded, loaded, or failed (kept a while so failures are not retried hot). Every
   * load ends with {@link #session} completed, whatever it throws: a batch never waits on a load
   * that nobody will finish.
   */
  private static final class Entry {
    final ServingTarget target;
    final CompletableFuture<LoadedSession> session = new CompletableFuture<>();
    private volatile long failedNanos;

    Entry(ServingTarget target) {
      this.target = target;
    }

    LoadedSession loaded() {
      return session.isDone() && !session.isCompletedExceptionally() ? session.join() : null;
    }

    void fail(ModelUnavailableException cause) {
      failedNanos = System.nanoTime();
      session.completeExceptionally(cause);
    }

    boolean failedLongAgo(long retryNanos) {
      return session.isCompletedExceptionally() && System.nanoTime() - failedNanos > retryNanos;
    }
  }

  private InferenceService(Settings settings, int gpuIndex, StatusPublisher status) {
    this.settings = settings;
    this.executor = Executors.newFixedThreadPool(settings.threads(), threads("inference"));
    this.loads = Executors.newSingleThreadExecutor(threads("model-load"));
    this.janitor = Executors.newSingleThreadScheduledExecutor(threads("model-janitor"));
    this.loader = new OnnxModelLoader(settings.intraOpThreads(), gpuIndex);
    this.artifacts =
        new ArtifactCache(
            settings.cacheDir() != null
                ? Path.of(settings.cacheDir())
                : Path.of(System.getProperty("java.io.tmpdir"), "inferstream-artifacts"),
            newFetcher(settings.fetcherClass()));
    this.status = status;
    janitor.scheduleWithFixedDelay(this::unloadIdle, 1, 1, TimeUnit.SECONDS);
    LOG.info(
        "Inference service started: {} threads, {} intra-op threads per session",
        settings.threads(),
        settings.intraOpThreads());
  }

  public static InferenceService acquire(Settings settings, int gpuIndex) {
    return acquire(settings, gpuIndex, null);
  }

  /**
   * The task manager's service, created by the first caller; {@code status} null publishes to the
   * settings' Kafka topic (or nowhere without bootstrap servers).
   */
  static synchronized InferenceService acquire(
      Settings settings, int gpuIndex, StatusPublisher status) {
    if (shared == null) {
      shared =
          new InferenceService(
              settings,
              gpuIndex,
              status != null
                  ? status
                  : settings.bootstrapServers() == null
                      ? StatusPublisher.NONE
                      : new KafkaStatusPublisher(
                          settings.bootstrapServers(), settings.statusTopic()));
    }
    references++;
    return shared;
  }

  public static synchronized void release(InferenceService service) {
    if (service != shared || --references > 0) {
      return;
    }
    shared = null;
    service.janitor.shutdownNow();
    service.loads.shutdownNow();
    service.executor.shutdownNow();
    try {
      // A session must never close under a running batch (native use-after-free): wait for the
      // inference threads; a batch that outlives the wait keeps its sessions open (leaked, not
      // freed).
      if (!service.executor.awaitTermination(30, TimeUnit.SECONDS)
          || !service.loads.awaitTermination(30, TimeUnit.SECONDS)) {
        LOG.warn("Inference threads still busy after 30 s; leaving their sessions open");
        return;
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      LOG.warn("Interrupted while waiting for inference threads; leaving their sessions open");
      return;
    } finally {
      service.status.close();
    }
    service
        .sessions
        .values()
        .forEach(entry -> Optional.ofNullable(entry.loaded()).ifPresent(LoadedSession::retire));
    service.sessions.clear();
    LOG.info("Inference service stopped; sessions closed");
  }

  /** The router's view of this service; closing it releases the service. */
  public static ModelSessions.Factory sessions(Settings settings) {
    return gpuIndex -> {
      InferenceService service = acquire(settings, gpuIndex);
      return new ModelSessions() {
        @Override
        public boolean isReady(ServingTarget target) {
          return service.isReady(target);
        }

        @Override
        public void preload(ServingTarget target) {
          service.preload(target);
        }

        @Override
        public void close() {
          release(service);
        }
      };
    };
  }

  public ExecutorService executor() {
    return executor;
  }

  public boolean isReady(ServingTarget target) {
    Entry entry = sessions.get(target.sessionKey());
    return entry != null && entry.loaded() != null;
  }

  /** Loads the target on the load thread unless it is loaded, loading, or failed recently. */
  public void preload(ServingTarget target) {
    Entry entry = claim(target);
    if (entry != null) {
      try {
        loads.execute(() -> load(entry));
      } catch (java.util.concurrent.RejectedExecutionException e) {
        entry.fail(new ModelUnavailableException("inference service is shutting down", e));
      }
    }
  }

  /**
   * The target's session, leased for one batch (release it when the batch is done); loaded by the
   * calling inference thread on first use, or awaited when a load is under way on another thread —
   * for at most {@link Settings#loadWaitMillis}, then the batch is answered unavailable and the
   * load goes on.
   */
  public LoadedSession lease(ServingTarget target) throws ModelUnavailableException {
    while (true) {
      Entry claimed = claim(target);
      if (claimed != null) {
        load(claimed);
      }
      Entry entry = sessions.get(target.sessionKey());
      if (entry == null) {
        continue; // evicted between the claim and here: load again
      }
      LoadedSession session;
      try {
        session = entry.session.get(settings.loadWaitMillis(), TimeUnit.MILLISECONDS);
      } catch (ExecutionException e) {
        throw e.getCause() instanceof ModelUnavailableException unavailable
            ? unavailable
            : new ModelUnavailableException(target + " failed to load: " + e.getCause(), e);
      } catch (TimeoutException e) {
        throw new ModelUnavailableException(
            target + " still loading after " + settings.loadWaitMillis() + " ms", e);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new ModelUnavailableException("interrupted while loading " + target, e);
      }
      if (session.acquire()) {
        return session;
      }
      sessions.remove(target.sessionKey(), entry); // retired under us: load again
    }
  }

  /** A new entry for the caller to load, or null when one exists that need not be replaced. */
  private Entry claim(ServingTarget target) {
    String key = target.sessionKey();
    Entry existing = sessions.get(key);
    if (existing != null && !existing.failedLongAgo(failedLoadRetryNanos())) {
      return null;
    }
    Entry fresh = new Entry(target);
    boolean won =
        existing == null
            ? sessions.putIfAbsent(key, fresh) == null
            : sessions.replace(key, existing, fresh);
    return won ? fresh : null;
  }

  /**
   * Loads the entry's session and always completes its future: whatever the load throws (an {@link
   * Error} too, such as an {@link OutOfMemoryError} reading a large artifact) fails the load, so
   * waiting batches are answered 503 and a later batch retries after {@link
   * Settings#failedLoadRetryMillis}. Nothing is rethrown: this runs on inference and load threads,
   * which must keep serving.
   */
  private void load(Entry entry) {
    ServingTarget target = entry.target;
    long start = System.nanoTime();
    OnnxBatchModel model = null;
    LoadedSession session;
    try {
      publish(target, ModelStatusEvent.State.LOADING, null, null, 0);
      byte[] bytes = artifacts.read(target);
      model = loader.load(target.toString(), bytes, Device.parse(target.device));
      Warmup.run(model, target);
      long estimate = (long) (bytes.length * settings.memoryFactor());
      session = new LoadedSession(target, model, estimate);
    } catch (Throwable e) {
      if (model != null) {
        closeQuietly(model, target);
      }
      failed(entry, e);
      return;
    }
    entry.session.complete(session);
    try {
      long millis = (System.nanoTime() - start) / 1_000_000;
      publish(target, ModelStatusEvent.State.READY, model.device(), null, millis);
      enforceBudget(entry);
    } catch (RuntimeException e) {
      LOG.warn("{} loaded, but reporting it or enforcing the memory budget failed", target, e);
    }
  }

  private void failed(Entry entry, Throwable e) {
    ServingTarget target = entry.target;
    ModelUnavailableException unavailable =
        e instanceof ModelUnavailableException known
            ? known
            : new ModelUnavailableException(target + " failed to load: " + e, e);
    if (e instanceof Error) {
      // not swallowed as if it were fine: loud, but the thread lives on to serve other models
      LOG.error("{} failed to load with an error; retried after the retry interval", target, e);
    } else {
      LOG.warn("{}", unavailable.getMessage());
    }
    entry.fail(unavailable);
    try {
      publish(target, ModelStatusEvent.State.FAILED, null, unavailable.getMessage(), 0);
    } catch (RuntimeException publishFailed) {
      LOG.warn("Reporting the failed load of {} failed", target, publishFailed);
    }
  }

  private static void closeQuietly(OnnxBatchModel model, ServingTarget target) {
    try {
      model.close();
    } catch (RuntimeException e) {
      LOG.warn("Closing the session of {} after its failed load failed", target, e);
    }
  }

  /** Closes the least recently used sessions while the loaded ones exceed the memory budget. */
  private void enforceBudget(Entry newest) {
    while (true) {
      long total = 0;
      Entry oldest = null;
      for (Entry entry : sessions.values()) {
        LoadedSession session = entry.loaded();
        if (session == null) {
          continue;
        }
        total += session.estimatedBytes();
        if (entry != newest
            && (oldest == null || session.lastUsedNanos() < oldest.loaded().lastUsedNanos())) {
          oldest = entry;
        }
      }
      if (total <= settings.memoryBudgetBytes() || oldest == null) {
        if (total > settings.memoryBudgetBytes()) {
          LOG.warn(
              "{} alone exceeds inference.model.memory-budget ({} > {} bytes, estimated)",
              newest.target,
              total,
              settings.memoryBudgetBytes());
        }
        return;
      }
      unload(oldest, "evicted: loaded sessions exceed inference.model.memory-budget");
    }
  }

  private void unloadIdle() {
    try {
      long now = System.nanoTime();
      for (Entry entry : sessions.values()) {
        LoadedSession session = entry.loaded();
        long idleMillis =
            entry.target.idleUnloadTimeoutSeconds > 0
                ? entry.target.idleUnloadTimeoutSeconds * 1000
                : settings.defaultIdleUnloadMillis();
        if (session != null
            && session.inFlight() == 0
            && now - session.lastUsedNanos() > idleMillis * 1_000_000) {
          unload(entry, "idle for " + idleMillis / 1000 + " s");
        } else if (entry.failedLongAgo(failedLoadRetryNanos())) {
          sessions.remove(entry.target.sessionKey(), entry);
        }
      }
    } catch (RuntimeException e) {
      LOG.warn("Idle unload check failed", e);
    }
  }

  /** Removes the session from the cache; it closes once its running batches are done. */
  private void unload(Entry entry, String why) {
    if (sessions.remove(entry.target.sessionKey(), entry)) {
      LoadedSession session = entry.loaded();
      session.retire();
      LOG.info("Unloading {}: {}", entry.target, why);
      publish(entry.target, ModelStatusEvent.State.UNLOADED, session.model().device(), why, 0);
    }
  }

  /**
   * Makes {@code observer} the one that hears of this task manager's session events (loads,
   * failures, unloads), unless another already does: events are task-manager wide, and one listener
   * per task manager counts each once. Returns whether it was taken on.
   */
  public synchronized boolean observeSessions(Consumer<ModelStatusEvent> observer) {
    if (sessionObserver != null) {
      return sessionObserver == observer;
    }
    sessionObserver = observer;
    return true;
  }

  /** Whether nobody hears session events: the last observer left (cheap; no lock). */
  public boolean sessionsUnobserved() {
    return sessionObserver == null;
  }

  public synchronized void stopObservingSessions(Consumer<ModelStatusEvent> observer) {
    if (sessionObserver == observer) {
      sessionObserver = null;
    }
  }

  /** Reports to the {@code model-status} topic. */
  public void publish(ModelStatusEvent event) {
    status.publish(event);
  }

  private void publish(
      ServingTarget target,
      ModelStatusEvent.State state,
      String device,
      String cause,
      long millis) {
    ModelStatusEvent event =
        new ModelStatusEvent(
            target.model,
            target.version,
            target.sha256,
            state,
            TASK_MANAGER,
            device,
            cause,
            millis,
            System.currentTimeMillis(),
            null);
    status.publish(event);
    Consumer<ModelStatusEvent> observer = sessionObserver;
    if (observer != null) {
      observer.accept(event);
    }
  }

  private long failedLoadRetryNanos() {
    return TimeUnit.MILLISECONDS.toNanos(settings.failedLoadRetryMillis());
  }

  /** Sessions loaded now (for tests). */
  int loadedSessions() {
    return (int) sessions.values().stream().filter(e -> e.loaded() != null).count();
  }

  public static String taskManager() {
    return TASK_MANAGER;
  }

  private static ArtifactFetcher newFetcher(String className) {
    try {
      ClassLoader loader = Thread.currentThread().getContextClassLoader();
      return (ArtifactFetcher)
          Class.forName(className, true, loader).getDeclaredConstructor().newInstance();
    } catch (ReflectiveOperationException | ClassCastException e) {
      throw new IllegalArgumentException(
          "inference.artifact.fetcher '" + className + "' is not a usable ArtifactFetcher", e);
    }
  }

  private static ThreadFactory threads(String name) {
    AtomicInteger counter = new AtomicInteger();
    return runnable -> {
      // ONNX Runtime 1.29 can crash the JVM creating a session on a default 1 MiB stack
      Thread thread =
          new Thread(
              null, runnable, "inferstream-" + name + "-" + counter.incrementAndGet(), 16L << 20);
      thread.setDaemon(true);
      return thread;
    };
  }
}
